// The Spark job (`veil spark-job`) run by a real local Spark (PySpark, Java
// 17) on generated rows, compared cell by cell with the streaming engine's
// output; the key in neither the job nor its SQL. PySpark is installed by
// .ci/run into .ci/venv; where it is missing the Spark run is skipped with a
// printed reason.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { COMPILED_COLUMNS, generate, HEADER } from './generated-rows.js';
import { keyMaterial, REPO, TEST_KEY, tempDir, veil } from './helpers.js';

/** A Python that imports pyspark: VEIL_SPARK_PYTHON, .ci/venv's, or python3. */
function sparkPython(): { python?: string; why?: string } {
  const candidates = [process.env.VEIL_SPARK_PYTHON, join(REPO, '.ci/venv/bin/python'), 'python3'].filter((p): p is string => p !== undefined && (p === 'python3' || existsSync(p)));
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import pyspark'], { stdio: 'ignore' }).status === 0) {
      if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return { why: 'no java on the PATH (Spark needs Java 17)' };
      return { python };
    }
  }
  return { why: 'no Python with pyspark (.ci/run installs it into .ci/venv: python3 -m venv .ci/venv && .ci/venv/bin/pip install pyspark)' };
}
const { python, why } = sparkPython();
if (!python) console.log(`test/spark.test.ts: the local Spark run is skipped: ${why}`);

/** The subkeys the policy's hashes use. */
const SLOTS = [['hash', 'id'], ['hash', 'email'], ['hash', 'contact'], ['hash', 'phone']] as const;

const POLICY = `version: 1
unlisted: drop
columns:
${COMPILED_COLUMNS}  city:    { transform: keep }
`;

describe('veil spark-job', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'in.csv'), generate(2000, 'spark'));
  const job = join(dir, 'job.py');

  it('writes Spark SQL when every column compiles and the residual check is waived by name, else a job that runs veil on the executors', () => {
    // Kept columns need the residual check, which is veil's: the job runs veil's own engine on the executors.
    const checked = veil(['spark-job', '--policy', join(dir, 'policy.yaml'), '--header-from', join(dir, 'in.csv')]);
    expect(checked.status).toBe(0);
    expect(checked.stdout).toContain("# This policy runs on veil's own streaming engine, on the executors, for the residual-PII check of the columns it publishes as they are (city):");
    expect(checked.stdout).toMatch(/^ON_EXECUTORS = True$/m);
    writeFileSync(join(dir, 'fake.yaml'), 'version: 1\nunlisted: drop\ncolumns:\n  who: { transform: fake, as: person.fullName }\n');
    const fake = veil(['spark-job', '--policy', join(dir, 'fake.yaml'), '--columns', HEADER.join(',')]);
    expect(fake.status).toBe(0);
    expect(fake.stdout).toContain("on the executors, for fake (columns.who) without JavaScript functions: it has no SQL part:");
    // k-anonymity's three steps are Spark SQL's: over a column Spark SQL cannot spell, the job is refused, coded.
    writeFileSync(join(dir, 'fake-k.yaml'), 'version: 1\nunlisted: drop\ncolumns:\n  who: { transform: fake, as: person.fullName }\n  zip: { transform: generalize, prefix: 3 }\nk_anonymity: { k: 2, quasi_identifiers: [zip] }\n');
    const fakeK = veil(['spark-job', '--policy', join(dir, 'fake-k.yaml'), '--columns', HEADER.join(',')]);
    expect(fakeK.status).toBe(2);
    expect(fakeK.stderr).toContain('USAGE_ENGINE');
    expect(fakeK.stderr).toContain('the spark job runs k-anonymity in Spark SQL alone');
    // The header is checked as every engine checks it, also for a policy that needs a key (the job's own comes later).
    const missing = veil(['spark-job', '--policy', join(dir, 'policy.yaml'), '--columns', 'id,email', '--without-residual-check']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('COLUMN_MISSING');
    const r = veil(['spark-job', '--policy', join(dir, 'policy.yaml'), '--header-from', join(dir, 'in.csv'), '--without-residual-check', '-o', job]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const text = readFileSync(job, 'utf8');
    expect(text).toContain('Published as they are WITHOUT the residual-PII check (waived with --without-residual-check): city.');
    // No key, subkey or pad in the job: it derives them when it runs.
    for (const spelling of keyMaterial(SLOTS)) expect(text).not.toContain(spelling);
  });

  it.skipIf(!python)('runs on a local Spark and gives the streaming engine\'s cells: the same pseudonyms, masks and prefixes', () => {
    const stream = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'policy.yaml'), '-o', join(dir, 'stream.csv'), '-q']);
    expect(stream.status).toBe(0);
    writeFileSync(join(dir, 'key'), `${TEST_KEY}\n`);
    const run = spawnSync(python!, [job, join(dir, 'in.csv'), join(dir, 'out'), '--report', join(dir, 'spark-report.json')], {
      env: { ...process.env, VEIL_KEY_FILE: join(dir, 'key'), VEIL_KEY: '', PYSPARK_PYTHON: python!, SPARK_LOCAL_IP: '127.0.0.1' },
      maxBuffer: 64 << 20,
      timeout: 240_000,
    });
    expect(run.status, run.stderr.toString().split('\n').filter((l) => /Error|error|Exception/.test(l)).slice(0, 5).join('\n')).toBe(0);
    // Spark's plans (what its UI and event logs show) hold no key material: the pads are the rows of a DataFrame made on the driver, which the plans name by its columns only.
    const explain = spawnSync(python!, [job, join(dir, 'in.csv'), join(dir, 'unused'), '--explain'], {
      env: { ...process.env, VEIL_KEY_FILE: join(dir, 'key'), VEIL_KEY: '', PYSPARK_PYTHON: python!, SPARK_LOCAL_IP: '127.0.0.1' },
      maxBuffer: 64 << 20,
      timeout: 240_000,
    });
    const plans = explain.stdout.toString();
    expect(plans).toMatch(/ExistingRDD\[k0_i#\d+,k0_o#\d+/);
    for (const spelling of keyMaterial(SLOTS)) expect(plans.toLowerCase()).not.toContain(spelling.toLowerCase());
    const parts = readdirSync(join(dir, 'out')).filter((f) => f.startsWith('part-') && f.endsWith('.csv')).sort();
    const spark = parts.flatMap((f) => (parse(readFileSync(join(dir, 'out', f), 'utf8'), { relax_quotes: false }) as string[][]).slice(1));
    const expected = (parse(readFileSync(join(dir, 'stream.csv'), 'utf8')) as string[][]).slice(1);
    expect(spark).toHaveLength(2000);
    // The rows the job counted in the pass that wrote them: read and written, none removed.
    expect(run.stderr.toString()).toContain('{"veil_job": "done", "output": "' + join(dir, 'out') + '", "rows_in": 2000, "rows_out": 2000}');
    const counted = JSON.parse(readFileSync(join(dir, 'spark-report.json'), 'utf8'));
    expect(counted).toMatchObject({ command: 'spark-job', engine: { name: 'spark' }, rows: { in: 2000, out: 2000, removed: {} } });
    expect(counted.policy_sha256).toMatch(/^[0-9a-f]{64}$/);
    const columns = ['id', 'email', 'email_b', 'spaced', 'name', 'phone', 'ssn', 'zip', 'city'];
    for (let i = 0; i < expected.length; i++) {
      for (let j = 0; j < columns.length; j++) {
        if (spark[i]![j] !== expected[i]![j]) expect({ row: i, column: columns[j], value: spark[i]![j] }).toEqual({ row: i, column: columns[j], value: expected[i]![j] });
      }
    }
  }, 300_000);

  it.skipIf(!python)('runs the README\'s example policy with veil on the executors: the streaming engine\'s rows as a multiset, its counts and findings, the key read on the executors alone', () => {
    const policy = join(REPO, 'examples/patients/policy.yaml');
    const input = join(dir, 'visits.csv');
    writeFileSync(input, spawnSync('node', [join(REPO, 'test/bench/generate-heldout.mjs'), '--rows', '3000', '--seed', '5'], { maxBuffer: 64 << 20 }).stdout);
    const vjob = join(dir, 'veil-job.py');
    expect(veil(['spark-job', '--policy', policy, '--header-from', input, '-o', vjob]).status).toBe(0);
    const text = readFileSync(vjob, 'utf8');
    for (const spelling of keyMaterial([])) expect(text).not.toContain(spelling);
    writeFileSync(join(dir, 'executor.key'), `${TEST_KEY}\n`);
    // The key reaches the executors as a file shipped with --files; the driver's environment has none.
    const env = { ...process.env, VEIL_KEY_FILE: '', VEIL_KEY: '', PYSPARK_PYTHON: python!, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_SUBMIT_ARGS: `--files ${join(dir, 'executor.key')} pyspark-shell` };
    delete (env as Record<string, string | undefined>).VEIL_KEY;
    const command = `node ${join(REPO, 'bin/veil.js')}`;
    const run = spawnSync(python!, [vjob, input, join(dir, 'veil-out'), '--veil', command, '--key-from-files', 'executor.key', '--partitions', '3', '--report', join(dir, 'veil-spark.json')], { env, maxBuffer: 64 << 20, timeout: 240_000 });
    expect(run.status, run.stderr.toString().split('\n').filter((l) => /Error|error|Exception/.test(l)).slice(0, 5).join('\n')).toBe(0);
    const stream = veil(['apply', input, '--policy', policy, '-o', join(dir, 'veil-stream.csv'), '--report', join(dir, 'veil-stream.json'), '-q']);
    expect(stream.status).toBe(0);
    const parts = readdirSync(join(dir, 'veil-out')).filter((f) => f.startsWith('part-') && f.endsWith('.csv'));
    const rows = parts.flatMap((f) => (parse(readFileSync(join(dir, 'veil-out', f), 'utf8')) as string[][]).slice(1).map((r) => JSON.stringify(r)));
    const expected = (parse(readFileSync(join(dir, 'veil-stream.csv'), 'utf8')) as string[][]).slice(1).map((r) => JSON.stringify(r));
    expect(rows).toHaveLength(3000);
    expect(rows.sort()).toEqual(expected.sort());
    // The partitions' reports, merged: the streaming engine's counts and findings, over more than one partition.
    const merged = JSON.parse(readFileSync(join(dir, 'veil-spark.json'), 'utf8'));
    const single = JSON.parse(readFileSync(join(dir, 'veil-stream.json'), 'utf8'));
    expect(merged.partitions).toBe(3);
    expect(merged.engine).toMatchObject({ name: 'spark', rows_by: 'veil on the executors' });
    expect(merged.rows).toEqual(single.rows);
    expect(merged.privacy.residual_pii.findings).toEqual(single.privacy.residual_pii.findings);
    expect(merged.privacy.residual_pii.checked_columns).toEqual(single.privacy.residual_pii.checked_columns);
    // Spark's plans name veil's rows by their columns, never the key.
    const explain = spawnSync(python!, [vjob, input, join(dir, 'unused'), '--veil', command, '--key-from-files', 'executor.key', '--explain'], { env, maxBuffer: 64 << 20, timeout: 240_000 });
    expect(explain.status).toBe(0);
    expect(explain.stdout.toString()).toContain('patient_id');
    for (const spelling of keyMaterial([])) expect(explain.stdout.toString()).not.toContain(spelling);
    // Without a key on the executors, the job fails, with veil's coded message and no cell in it.
    const keyless = spawnSync(python!, [vjob, input, join(dir, 'keyless-out'), '--veil', command], { env: { ...env, PYSPARK_SUBMIT_ARGS: 'pyspark-shell' }, maxBuffer: 64 << 20, timeout: 240_000 });
    expect(keyless.status).not.toBe(0);
    expect(keyless.stderr.toString()).toMatch(/veil apply exited 2 on partition \d+: .*KEY_MISSING/);
  }, 300_000);

  it.skipIf(!python)('merges the partitions\' removals by reason, with the policy\'s forget list shipped by --files and not written into the job', () => {
    const input = join(dir, 'visits-rules.csv');
    writeFileSync(input, spawnSync('node', [join(REPO, 'test/bench/generate-heldout.mjs'), '--rows', '2000', '--seed', '6'], { maxBuffer: 64 << 20 }).stdout);
    const emails = (parse(readFileSync(input, 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => r.email!);
    const forgotten = emails.filter((_, n) => n % 37 === 0);
    writeFileSync(join(dir, 'forget.txt'), `${forgotten.join('\n')}\n`);
    const example = readFileSync(join(REPO, 'examples/patients/policy.yaml'), 'utf8');
    const policy = join(dir, 'rules.yaml');
    writeFileSync(policy, `${example.replace('  age:        { transform: generalize, width: 10, top: 90 }', '  age:        { transform: generalize, width: 10, top: 90, type: integer, max: 70 }')}rows:\n  forget: { column: email, list: forget.txt, match: plain }\non_invalid: drop\n`);
    const rjob = join(dir, 'rules-job.py');
    expect(veil(['spark-job', '--policy', policy, '--header-from', input, '-o', rjob]).status).toBe(0);
    const text = readFileSync(rjob, 'utf8');
    expect(text).toMatch(/^POLICY_FILES = \["forget\.txt"\]$/m);
    for (const email of forgotten) expect(text).not.toContain(email);
    writeFileSync(join(dir, 'rules.key'), `${TEST_KEY}\n`);
    const env = { ...process.env, VEIL_KEY_FILE: join(dir, 'rules.key'), PYSPARK_PYTHON: python!, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_SUBMIT_ARGS: `--files ${join(dir, 'forget.txt')} pyspark-shell` };
    delete (env as Record<string, string | undefined>).VEIL_KEY;
    const run = spawnSync(python!, [rjob, input, join(dir, 'rules-out'), '--veil', `node ${join(REPO, 'bin/veil.js')}`, '--partitions', '4', '--report', join(dir, 'rules-spark.json')], { env, maxBuffer: 64 << 20, timeout: 240_000 });
    expect(run.status, run.stderr.toString().split('\n').filter((l) => /Error|error|Exception/.test(l)).slice(0, 5).join('\n')).toBe(0);
    const stream = veil(['apply', input, '--policy', policy, '-o', join(dir, 'rules-stream.csv'), '--report', join(dir, 'rules-stream.json'), '-q']);
    expect(stream.status).toBe(0);
    const single = JSON.parse(readFileSync(join(dir, 'rules-stream.json'), 'utf8'));
    const merged = JSON.parse(readFileSync(join(dir, 'rules-spark.json'), 'utf8'));
    // Every visit of a forgotten person (the generator gives a person several).
    expect(single.rows.removed.forgotten).toBe(emails.filter((e) => forgotten.includes(e)).length);
    expect(single.rows.removed.invalid).toBeGreaterThan(0);
    expect(merged.partitions).toBe(4);
    expect(merged.rows).toEqual(single.rows);
    const parts = readdirSync(join(dir, 'rules-out')).filter((f) => f.startsWith('part-') && f.endsWith('.csv'));
    const rows = parts.flatMap((f) => (parse(readFileSync(join(dir, 'rules-out', f), 'utf8')) as string[][]).slice(1).map((r) => JSON.stringify(r)));
    expect(rows.sort()).toEqual((parse(readFileSync(join(dir, 'rules-stream.csv'), 'utf8')) as string[][]).slice(1).map((r) => JSON.stringify(r)).sort());
  }, 300_000);

  it.skipIf(!python)('k-anonymity in three steps (Spark counts, veil makes the classes, Spark joins them): the streaming engine\'s rows and report section', () => {
    const policy = join(REPO, 'fixtures/adult/training.yaml');
    const adult = join(REPO, 'fixtures/adult/adult.csv');
    const kjob = join(dir, 'kjob.py');
    expect(veil(['spark-job', '--policy', policy, '--header-from', adult, '--delimiter', ';', '--without-residual-check', '-o', kjob]).status).toBe(0);
    expect(readFileSync(kjob, 'utf8')).toContain('three steps');
    const env = { ...process.env, PYSPARK_PYTHON: python!, SPARK_LOCAL_IP: '127.0.0.1' };
    const spark = (...args: string[]) => spawnSync(python!, [kjob, ...args, '--delimiter', ';'], { env, maxBuffer: 64 << 20, timeout: 240_000 });
    const alone = spark(adult, join(dir, 'k-alone'));
    expect(alone.status).not.toBe(0);
    expect(alone.stderr.toString()).toContain('run --counts, then veil k-classes, then --classes FILE');
    expect(spark(adult, join(dir, 'k-counts'), '--counts').status).toBe(0);
    const classes = veil(['k-classes', '--policy', policy, '--counts', join(dir, 'k-counts'), '-o', join(dir, 'classes.csv'), '--report', join(dir, 'k-classes.json')]);
    expect(classes.status).toBe(0);
    expect(classes.stderr).toMatch(/^veil k-classes: 30162 rows in \d+ combinations: \d+ classes, the smallest of \d+ rows; 0 rows suppressed\n$/);
    expect(statSync(join(dir, 'classes.csv')).mode & 0o077).toBe(0);
    const joined = spark(adult, join(dir, 'k-out'), '--classes', join(dir, 'classes.csv'), '--report', join(dir, 'k-spark.json'));
    expect(joined.status).toBe(0);
    const stream = veil(['apply', adult, '--delimiter', ';', '--policy', policy, '-o', join(dir, 'k-stream.csv'), '--report', join(dir, 'k-stream.json'), '-q']);
    expect(stream.status).toBe(0);
    const parts = readdirSync(join(dir, 'k-out')).filter((f) => f.startsWith('part-') && f.endsWith('.csv')).sort();
    const rows = parts.flatMap((f) => (parse(readFileSync(join(dir, 'k-out', f), 'utf8'), { delimiter: ';' }) as string[][]).slice(1));
    expect(rows).toEqual((parse(readFileSync(join(dir, 'k-stream.csv'), 'utf8'), { delimiter: ';' }) as string[][]).slice(1));
    expect(JSON.parse(readFileSync(join(dir, 'k-classes.json'), 'utf8')).privacy.k_anonymity).toEqual(JSON.parse(readFileSync(join(dir, 'k-stream.json'), 'utf8')).privacy.k_anonymity);
    // The job's rows as the streaming engine counts them (suppressed rows removed by k-anonymity), counted as written.
    expect(JSON.parse(readFileSync(join(dir, 'k-spark.json'), 'utf8')).rows).toEqual(JSON.parse(readFileSync(join(dir, 'k-stream.json'), 'utf8')).rows);
    expect(JSON.parse(readFileSync(join(dir, 'k-spark.json'), 'utf8')).rows.out).toBe(rows.length);
    // Regrouped here from Spark's output: every class holds 10 rows or more.
    const sizes = new Map<string, number>();
    for (const r of rows) sizes.set(JSON.stringify(r.slice(0, 8)), (sizes.get(JSON.stringify(r.slice(0, 8))) ?? 0) + 1);
    expect(Math.min(...sizes.values())).toBeGreaterThanOrEqual(10);
  }, 300_000);
});
