// The built CLI as a user runs it: pipes, files, reports, failures and signals.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRANSFORM_NAMES } from '../src/transforms/index.js';
import { BIN, REPO, TEST_KEY, tempDir, veil } from './helpers.js';

const DEMO = join(REPO, 'fixtures/demo');
const POLICY = join(DEMO, 'policy.yaml');
const PATIENTS = join(DEMO, 'patients.csv');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let big: string;
beforeAll(() => {
  // 200,000 rows: large enough that a closed pipe is met while writing.
  const dir = tempDir();
  big = join(dir, 'big.csv');
  const gen = spawnSync(process.execPath, [join(REPO, 'test/bench/generate.mjs'), '--rows', '200000', '--seed', '3'], { maxBuffer: 1 << 30 });
  writeFileSync(big, gen.stdout);
});

describe('veil apply on the command line', () => {
  it('never writes CSV under a name that promises another format, nor reads a spreadsheet as CSV (exit 2, nothing written)', () => {
    const dir = tempDir();
    for (const name of ['out.xlsx', 'out.json', 'out.csv.bz2', 'out.dat']) {
      const run = veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, name), '-q']);
      expect(run.status, name).toBe(2);
      expect(run.stderr, name).toMatch(/\[USAGE_FORMAT_NAME\]\n$/);
    }
    expect(readdirSync(dir)).toEqual([]);
    // Parquet only under a Parquet name; the streaming engine writes it too (DuckDB as its sink).
    const csvAsParquet = veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out.parquet'), '--output-format', 'csv']);
    expect(csvAsParquet.status).toBe(2);
    expect(csvAsParquet.stderr).toMatch(/\[USAGE_FORMAT_NAME\]\n$/);
    expect(readdirSync(dir)).toEqual([]);
    const streamed = veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out.parquet'), '--engine', 'stream', '-q']);
    expect(streamed.status, streamed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    rmSync(join(dir, 'out.parquet'));
    expect(veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out.parquet'), '-q']).status).toBe(0);
    expect(readFileSync(join(dir, 'out.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    rmSync(join(dir, 'out.parquet'));
    // A name that says nothing is fine once the format is given; no extension, or a device, always.
    expect(veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out.dat'), '--output-format', 'csv', '-q']).status).toBe(0);
    expect(veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out'), '-q']).status).toBe(0);
    expect(veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out.2024'), '-q']).status).toBe(0);
    expect(veil(['apply', PATIENTS, '--policy', POLICY, '-o', '/dev/null', '-q']).status).toBe(0);
    writeFileSync(join(dir, 'in.xlsx'), 'PK\u0003\u0004');
    const xlsx = veil(['apply', join(dir, 'in.xlsx'), '--policy', POLICY]);
    expect(xlsx.status).toBe(2);
    expect(xlsx.stderr).toMatch(/veil reads CSV, JSON Lines and Parquet, not \.xlsx/);
  });

  it('reads stdin and writes stdout by default, the same bytes as with files', () => {
    const dir = tempDir();
    const piped = veil(['apply', '--policy', POLICY, '-q'], { input: readFileSync(PATIENTS) });
    const filed = veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'out.csv'), '-q']);
    expect(piped.status).toBe(0);
    expect(filed.status).toBe(0);
    expect(filed.stdout).toBe('');
    expect(piped.stdout.split('\n')[0]).toBe('patient_id,email,full_name,phone,ssn,birth_date,zip,age,income,visit_date,city');
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe(piped.stdout);
    expect(piped.stdout.trim().split('\n')).toHaveLength(301);
  });

  it('is reproducible: same input, policy and key give the same bytes', () => {
    const a = veil(['apply', PATIENTS, '--policy', POLICY, '-q']);
    const b = veil(['apply', PATIENTS, '--policy', POLICY, '-q']);
    expect(a.stdout).toBe(b.stdout);
    const other = veil(['apply', PATIENTS, '--policy', POLICY, '-q'], { env: { ...process.env, VEIL_KEY: 'a-different-key-0123456789' } });
    expect(other.stdout).not.toBe(a.stdout);
  });

  it('never lets a protected raw value through', () => {
    const out = veil(['apply', PATIENTS, '--policy', POLICY, '-q']).stdout;
    const rows = readFileSync(PATIENTS, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const r of rows.slice(0, 100)) {
      for (const protectedValue of [r[0], r[1], r[2], r[3], r[4]]) expect(out).not.toContain(protectedValue!);
    }
  });

  it('writes a report that ties to its files and accounts for every row, without the key', () => {
    const dir = tempDir();
    const out = join(dir, 'safe.csv');
    const report = join(dir, 'report.json');
    const run = veil(['apply', PATIENTS, '--policy', POLICY, '-o', out, '--report', report]);
    expect(run.status).toBe(0);
    const text = readFileSync(report, 'utf8');
    const r = JSON.parse(text);
    expect(r.input_sha256).toBe(sha256(readFileSync(PATIENTS)));
    expect(r.output_sha256).toBe(sha256(readFileSync(out)));
    expect(r.policy_sha256).toBe(sha256(readFileSync(POLICY)));
    expect(r.rows.in).toBe(300);
    expect(r.rows.in).toBe(r.rows.out + Object.values(r.rows.removed as Record<string, number>).reduce((a, b) => a + b, 0));
    // The documented fingerprint: HMAC-SHA256(key, "veil/v1/key-fingerprint"), first 128 bits in hex.
    expect(r.key).toEqual({ fingerprint: createHmac('sha256', TEST_KEY).update('veil/v1/key-fingerprint').digest('hex').slice(0, 32), source: 'VEIL_KEY' });
    expect(r.columns.notes.values).toEqual({ dropped: 300 });
    expect(r.columns.email.values.changed + r.columns.email.values.unchanged + r.columns.email.values.empty).toBe(300);
    expect(r.columns.city.values).toEqual({ changed: 0, unchanged: 300, empty: 0 });
    for (const secret of [TEST_KEY, Buffer.from(TEST_KEY).toString('hex'), Buffer.from(TEST_KEY).toString('base64')]) {
      expect(text).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    expect(run.stderr).toMatch(/^veil apply: 300 rows in, 300 out, 0 removed; \d+\.\d\d s, \d+ rows\/s\n$/);
  });

  it('fingerprints the key: equal for the same key, different for another', () => {
    const fp = (key: string) => {
      const dir = tempDir();
      veil(['apply', PATIENTS, '--policy', POLICY, '-o', join(dir, 'o.csv'), '--report', join(dir, 'r.json'), '-q'], { env: { ...process.env, VEIL_KEY: key } });
      return JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).key.fingerprint as string;
    };
    expect(fp(TEST_KEY)).toBe(fp(TEST_KEY));
    expect(fp(TEST_KEY)).not.toBe(fp(`${TEST_KEY}x`));
  });

  it('leaves nothing behind when it fails in the middle of the input', () => {
    const dir = tempDir();
    const lines = readFileSync(big, 'utf8').split('\n');
    lines[150_000] = lines[150_000]!.replace(/,\d{4}-\d\d-\d\d,/, ',1984-02-30,');
    writeFileSync(join(dir, 'in.csv'), lines.join('\n'));
    const run = veil(['apply', 'in.csv', '--policy', POLICY, '-o', 'out.csv', '--report', 'report.json'], { cwd: dir });
    expect(run.status).toBe(3);
    expect(run.stderr).toBe('veil: in.csv:150001: column "birth_date" (#7): expected a date (YYYY, YYYY-MM or YYYY-MM-DD); the column\'s policy can name other formats (format: MM/DD/YYYY, or a list) and missing-value markers (na: ["N/A"]) [VALUE_NOT_DATE]\n');
    expect(readdirSync(dir)).toEqual(['in.csv']);
  });

  it('ends quietly with exit 0 when the reader closes the pipe (| head -1)', () => {
    const run = spawnSync('bash', ['-c', `node ${BIN} apply ${big} --policy ${POLICY} | head -1; exit \${PIPESTATUS[0]}`], {
      env: { ...process.env, VEIL_KEY: TEST_KEY },
    });
    expect(run.stdout.toString()).toBe('patient_id,email,full_name,phone,ssn,birth_date,zip,age,income,visit_date,city\n');
    expect(run.stderr.toString()).toBe('');
    expect(run.status).toBe(0);
  });

  it('removes its temporary output when interrupted', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'apply', '--policy', POLICY, '-o', join(dir, 'out.csv')], { env: { ...process.env, VEIL_KEY: TEST_KEY } });
    child.stdin.write(readFileSync(PATIENTS, 'utf8').split('\n').slice(0, 50).join('\n') + '\n'); // stdin stays open
    await new Promise((r) => setTimeout(r, 700));
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('noise: a seeded run is byte-identical twice, an unseeded run differs', () => {
    const noisePolicy = join(REPO, 'test/bench/noise-policy.yaml');
    const env = { ...process.env, VEIL_KEY: undefined };
    const a = veil(['apply', PATIENTS, '--policy', noisePolicy, '--seed', '7', '-q'], { env });
    const b = veil(['apply', PATIENTS, '--policy', noisePolicy, '--seed', '7', '-q'], { env });
    const c = veil(['apply', PATIENTS, '--policy', noisePolicy, '-q'], { env });
    const d = veil(['apply', PATIENTS, '--policy', noisePolicy, '-q'], { env });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(d.stdout);
    expect(c.stdout).not.toBe(a.stdout);
  });

  it('writes a device in place: -o /dev/null stays a device', () => {
    const run = veil(['apply', PATIENTS, '--policy', POLICY, '-o', '/dev/null', '-q']);
    expect(run.status).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads and writes gzip by extension', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv.gz'), gzipSync(readFileSync(PATIENTS)));
    const run = veil(['apply', 'in.csv.gz', '--policy', POLICY, '-o', 'out.jsonl.gz', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    const jsonl = gunzipSync(readFileSync(join(dir, 'out.jsonl.gz'))).toString('utf8').trim().split('\n');
    expect(jsonl).toHaveLength(300);
    const plain = veil(['apply', PATIENTS, '--policy', POLICY, '--output-format', 'jsonl', '-q']);
    expect(jsonl.join('\n')).toBe(plain.stdout.trim());
  });

  it('never prints a cell in an error message', () => {
    const policy = 'version: 1\ncolumns:\n  id: hash\n  d: { transform: generalize, to: year }\n  n: { transform: generalize, width: 5 }\n';
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), policy);
    const bad = [
      'id,d,n\nSECRET1,SECRET2,1\n',
      'id,d,n\n1,2024-01-01,SECRET3\n',
      'id,d,n\n"SECRET4,2024-01-01,1\n',
      'id,d,n\n"SECRET5"x,2024-01-01,1\n',
      'id,d,n\nSECRET6,2024-01-01\n',
      'id,d,n,SECRET7col\n1,2024-01-01,1,x\n',
    ];
    for (const input of bad) {
      const run = veil(['apply', '--policy', join(dir, 'p.yaml')], { input });
      expect(run.status).toBe(3);
      expect(run.stderr).toMatch(/^veil: <stdin>/);
      expect(run.stderr.replace('SECRET7col', '')).not.toMatch(/SECRET/);
    }
  });
});

describe('veil, the program', () => {
  it('documents its exit codes in --help', () => {
    const help = veil(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}a privacy requirement was not met\n {2}2 {2}usage, policy or key error\n {2}3 {2}input data error/);
    const applyHelp = veil(['apply', '--help']);
    expect(applyHelp.stdout).toContain('--key-file <file>');
    expect(applyHelp.stdout).toContain('Exit codes:');
  });

  it('lists every transform of the registry', () => {
    const run = veil(['transforms']);
    expect(run.status).toBe(0);
    const names = run.stdout.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual([...TRANSFORM_NAMES]);
  });

  it('prints its version and rejects unknown commands and options with exit 2', () => {
    expect(veil(['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    const unknown = veil(['aply']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('apply');
    expect(veil(['apply', '--policy', POLICY, '--frobnicate']).status).toBe(2);
  });
});

describe('faker locales in the bundled CLI', () => {
  it('loads a locale faker has and refuses one it lacks as a policy error', () => {
    const dir = tempDir();
    const run = (locale: string) => {
      writeFileSync(join(dir, 'p.yaml'), `version: 1\ncolumns:\n  c: { transform: fake, as: location.country, locale: ${locale} }\n`);
      return veil(['apply', '--policy', join(dir, 'p.yaml'), '-q'], { input: 'c\nA\nB\n' });
    };
    const de = run('de');
    expect(de.status).toBe(0);
    expect(de.stdout.split('\n')).toHaveLength(4);
    expect(de.stdout).not.toBe(run('en').stdout);
    const missing = run('zz_QQ');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('expected a faker locale such as en, de, fr, en_US, found "zz_QQ" [POLICY_VALUE]');
  });
});

describe("the bundle's code cache", () => {
  // Loads the bundle as bin/veil.js does, with the cache file given, and runs one command.
  const withCache = (cache: string, args: readonly string[]) => {
    const loader = pathToFileURL(join(REPO, 'dist/cli/code-cache.js')).href;
    const script = `import { loadCli } from ${JSON.stringify(loader)};
      const { cli, cacheRejected } = loadCli(undefined, ${JSON.stringify(cache)});
      process.stderr.write('cacheRejected=' + cacheRejected + '\\n');
      process.exitCode = await cli.main([process.execPath, 'veil', ...${JSON.stringify(args)}]);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, env: { ...process.env, VEIL_KEY: TEST_KEY } });
    return { status: run.status, stdout: run.stdout.toString('utf8'), stderr: run.stderr.toString('utf8') };
  };

  it('is accepted by this Node, and a refused or missing cache gives the same bytes', () => {
    const dir = tempDir();
    const args = ['apply', PATIENTS, '--policy', POLICY, '--threads', '1', '-q'];
    const expected = veil(args);
    expect(expected.status).toBe(0);
    writeFileSync(join(dir, 'garbage.cache'), Buffer.alloc(4096, 7));
    const cases = [
      [join(REPO, 'dist/bundle/main.cjs.cache'), 'false'],
      [join(dir, 'garbage.cache'), 'true'],
      [join(dir, 'none.cache'), 'undefined'],
    ] as const;
    for (const [cache, rejected] of cases) {
      const run = withCache(cache, args);
      expect(run.stderr).toBe(`cacheRejected=${rejected}\n`);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(expected.stdout);
    }
  });
});
