// One path through veil: every command resolves its input in one place
// (src/io/settings.ts), every command reads Parquet, and every engine runs
// every policy, with the same output. The cases the one-path issue named.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from './duckdb-query.js';
import { REPO, tempDir, veil } from './helpers.js';

const PATIENTS = join(REPO, 'examples/patients/patients.csv');
const README_POLICY = join(REPO, 'examples/patients/policy.yaml');

let dir: string;
beforeAll(async () => {
  dir = tempDir();
  // The README's patients as Parquet: as text, and typed as DuckDB's sniffer types them (ages as integers, dates as dates).
  await query(`COPY (SELECT * FROM read_csv('${PATIENTS}', all_varchar = true)) TO '${join(dir, 'patients.parquet')}' (FORMAT parquet)`);
  await query(`COPY (SELECT * FROM read_csv('${PATIENTS}')) TO '${join(dir, 'typed.parquet')}' (FORMAT parquet)`);
});

const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const report = (name: string) => JSON.parse(read(name)) as Record<string, any>;

describe("the policy's input section, on every engine and command", () => {
  it('a delimiter the policy names is read by both engines alike; a flag that says otherwise is a coded error everywhere', () => {
    writeFileSync(join(dir, 'semi.csv'), 'id;email;age\n1;ann@example.com;34\n2;bob@example.org;41\n');
    writeFileSync(join(dir, 'semi.yaml'), 'version: 1\ninput: { delimiter: ";" }\ncolumns:\n  id: keep\n  email: { transform: hash, normalize: email }\n  age: keep\n');
    const run = (engine: string) => veil(['apply', join(dir, 'semi.csv'), '--policy', join(dir, 'semi.yaml'), '--engine', engine, '-q', '-o', join(dir, `semi-${engine}.csv`)]);
    for (const engine of ['stream', 'duckdb']) {
      const r = run(engine);
      expect([engine, r.status, r.stderr]).toEqual([engine, 0, '']);
    }
    expect(read('semi-duckdb.csv')).toBe(read('semi-stream.csv'));
    expect(read('semi-stream.csv').split('\n')[0]).toBe('id;email;age');
    const conflict = 'veil: --delimiter "," and the policy\'s input.delimiter ";" disagree: leave out one of them [USAGE_INPUT_CONFLICT]\n';
    for (const engine of ['stream', 'duckdb']) {
      const r = veil(['apply', join(dir, 'semi.csv'), '--policy', join(dir, 'semi.yaml'), '--engine', engine, '--delimiter', ',', '-o', join(dir, 'never.csv')]);
      expect([r.status, r.stderr]).toEqual([2, conflict]);
    }
    const check = veil(['check', join(dir, 'semi.csv'), '--policy', join(dir, 'semi.yaml'), '--qi', 'age', '--k', '1', '--delimiter', ',']);
    expect([check.status, check.stderr]).toEqual([2, conflict]);
    // The same flag as the policy's is no conflict.
    expect(veil(['apply', join(dir, 'semi.csv'), '--policy', join(dir, 'semi.yaml'), '--engine', 'duckdb', '--delimiter', ';', '-q']).stdout).toBe(read('semi-stream.csv'));
  });
});

describe('scan and init read Parquet', () => {
  it('scan finds in a Parquet file what it finds in the CSV of the same rows; init drafts the same starter policy', () => {
    const csv = JSON.parse(veil(['scan', PATIENTS, '--json']).stdout) as { rows_sampled: number; columns: { name: string; kinds: unknown[]; role: string; distinct: number }[] };
    const pq = JSON.parse(veil(['scan', join(dir, 'patients.parquet'), '--json']).stdout) as typeof csv;
    expect(pq.rows_sampled).toBe(40);
    const shape = (s: typeof csv) => s.columns.map((c) => [c.name, c.kinds, c.role, c.distinct]);
    expect(shape(pq)).toEqual(shape(csv));
    expect(pq.columns.find((c) => c.name === 'email')!.kinds).toEqual([{ kind: 'email', share: 1 }]);
    // --sample reads no more than asked (DuckDB's LIMIT).
    expect((JSON.parse(veil(['scan', join(dir, 'patients.parquet'), '--json', '--sample', '7']).stdout) as typeof csv).rows_sampled).toBe(7);
    // A draft of the Parquet file runs on it.
    const draft = veil(['scan', join(dir, 'patients.parquet'), '--policy-out', join(dir, 'draft.yaml')]);
    expect(draft.status, draft.stderr).toBe(0);
    const applied = veil(['apply', join(dir, 'patients.parquet'), '--policy', join(dir, 'draft.yaml'), '-q', '-o', join(dir, 'draft.csv')]);
    expect(applied.status, applied.stderr).toBe(0);
    const init = (input: string) => veil(['init', input]).stdout.replace(/^# Starter policy written by veil init from the header of .*$/m, '');
    expect(init(join(dir, 'patients.parquet'))).toBe(init(PATIENTS));
    // Standard input that is Parquet is known by its first bytes.
    const stdin = veil(['scan', '--json'], { input: readFileSync(join(dir, 'patients.parquet')) });
    expect(shape(JSON.parse(stdin.stdout) as typeof csv)).toEqual(shape(csv));
  });
});

describe("the README's example policy on Parquet", () => {
  it('runs on both engines, scrub and all, with the output of the CSV run; Parquet to Parquet keeps the kept types alike', async () => {
    const csv = veil(['apply', PATIENTS, '--policy', README_POLICY, '-q', '-o', join(dir, 'from-csv.csv'), '--report', join(dir, 'from-csv.json')]);
    expect(csv.status, csv.stderr).toBe(0);
    for (const engine of ['stream', 'duckdb']) {
      const r = veil(['apply', join(dir, 'patients.parquet'), '--policy', README_POLICY, '--engine', engine, '-q', '-o', join(dir, `pq-${engine}.csv`), '--report', join(dir, `pq-${engine}.json`)]);
      expect([engine, r.status, r.stderr]).toEqual([engine, 0, '']);
      expect(read(`pq-${engine}.csv`)).toBe(read('from-csv.csv'));
      const rep = report(`pq-${engine}.json`);
      expect(rep.rows).toEqual(report('from-csv.json').rows);
      expect(rep.columns.notes).toEqual(report('from-csv.json').columns.notes);
      expect(rep.input).toMatchObject({ format: 'parquet', path: join(dir, 'patients.parquet') });
      expect(rep.engine).toMatchObject({ name: 'stream', io: expect.stringMatching(/^duckdb v/) });
    }
    // Typed Parquet to Parquet: a kept column keeps its type on both engines (city stays text; a kept age an integer).
    writeFileSync(join(dir, 'kept.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  notes: { transform: scrub }\n  email: { transform: hash, normalize: email }\n');
    writeFileSync(join(dir, 'kept-sql.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  notes: drop\n  email: { transform: hash, normalize: email }\n');
    for (const [policy, engine] of [['kept', 'stream'], ['kept', 'duckdb'], ['kept-sql', 'duckdb'], ['kept-sql', 'stream']] as const) {
      const r = veil(['apply', join(dir, 'typed.parquet'), '--policy', join(dir, `${policy}.yaml`), '--engine', engine, '-q', '-o', join(dir, `${policy}-${engine}.parquet`)]);
      // The phones and SSNs kept as they are: the residual check warns, alike on both engines.
      expect([policy, engine, r.status, r.stderr]).toEqual([policy, engine, 0, expect.stringMatching(/^veil: warning: the residual-PII check found personal data in published columns: phone \(phone 40\); ssn \(ssn 40\);[^\n]*\n$/)]);
    }
    const types = async (name: string) => (await query<string>(`SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, name)}'))`)).map((r) => r[0]);
    const input = await types('typed.parquet');
    expect(input).toContain('age BIGINT');
    for (const name of ['kept-stream.parquet', 'kept-duckdb.parquet']) expect((await types(name)).filter((t) => !t!.startsWith('notes') && !t!.startsWith('email'))).toEqual(input.filter((t) => !t!.startsWith('notes') && !t!.startsWith('email')));
    expect(await types('kept-sql-stream.parquet')).toEqual(await types('kept-sql-duckdb.parquet'));
    const rows = async (name: string) => query(`SELECT * EXCLUDE (notes) FROM read_parquet('${join(dir, name)}') ORDER BY ALL`);
    expect(await rows('kept-stream.parquet')).toEqual(await rows('kept-duckdb.parquet'));
    const sqlRows = async (name: string) => query(`SELECT * FROM read_parquet('${join(dir, name)}') ORDER BY ALL`);
    expect(await sqlRows('kept-sql-stream.parquet')).toEqual(await sqlRows('kept-sql-duckdb.parquet'));
  });

  it('refuses, naming the column, a kept Parquet list that the streaming engine would write as JSON text', async () => {
    await query(`COPY (SELECT 1 AS id, ['a', 'b'] AS tags, 'see ann@example.com' AS notes) TO '${join(dir, 'list.parquet')}' (FORMAT parquet)`);
    writeFileSync(join(dir, 'list.yaml'), 'version: 1\ncolumns:\n  id: keep\n  tags: keep\n  notes: { transform: scrub }\n');
    const r = veil(['apply', join(dir, 'list.parquet'), '--policy', join(dir, 'list.yaml'), '-o', join(dir, 'list.out.parquet')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the kept VARCHAR\[\] column tags as JSON text[^\n]*\[USAGE_ENGINE\]\n$/);
    // To CSV, where both engines write a list as its JSON text, it runs, as the compiled run writes it.
    const csv = veil(['apply', join(dir, 'list.parquet'), '--policy', join(dir, 'list.yaml'), '-q']);
    expect([csv.status, csv.stdout]).toEqual([0, 'id,tags,notes\n1,"[""a"",""b""]",see <EMAIL>\n']);
    writeFileSync(join(dir, 'list-sql.yaml'), 'version: 1\ncolumns:\n  id: keep\n  tags: keep\n  notes: redact\n');
    const sql = veil(['apply', join(dir, 'list.parquet'), '--policy', join(dir, 'list-sql.yaml'), '-q', '--engine', 'duckdb']);
    expect(sql.stdout.split('\n')[1]!.split(',').slice(0, 3).join(',')).toBe('1,"[""a"",""b""]"');
  });
});

describe('one engine seam', () => {
  // Every engine returns the same result type, and src/engines/finish.ts makes the report of it:
  // the reports of one compiled run differ only in what names the engine and the time.
  it('the report of a run the duckdb engine compiles is the streaming engine\'s, but for its engine section', () => {
    const policy = join(dir, 'seam.yaml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'unlisted: drop',
        'columns:',
        '  patient_id: { transform: hash }',
        '  email: { transform: hash, normalize: email }',
        '  zip: { transform: generalize, prefix: 3 }',
        '  age: { transform: generalize, width: 10 }',
        '  income: keep',
        'k_anonymity: { k: 3, quasi_identifiers: [zip, age] }',
        '',
      ].join('\n'),
    );
    const reports = ['stream', 'duckdb'].map((engine) => {
      const r = veil(['apply', PATIENTS, '--policy', policy, '--engine', engine, '-o', join(dir, `seam-${engine}.csv`), '--report', join(dir, `seam-${engine}.json`), '--plan-out', join(dir, `seam-${engine}.plan.json`)]);
      expect([engine, r.status]).toEqual([engine, 0]);
      expect(r.stderr).not.toMatch(/streaming engine's transforms/);
      return report(`seam-${engine}.json`);
    });
    const [stream, duck] = reports as [Record<string, any>, Record<string, any>];
    expect(stream.engine).toEqual({ name: 'stream' });
    expect(duck.engine).toMatchObject({ name: 'duckdb', threads: expect.any(Number) });
    const same = (r: Record<string, any>) => ({ ...r, started_at: 0, duration_seconds: 0, engine: 0, output: { ...r.output, path: 0 } });
    expect(same(duck)).toEqual(same(stream));
    expect(stream.privacy.k_anonymity.k).toBe(3);
    expect(stream.rows.in).toBe(40);
    expect(read('seam-duckdb.csv')).toBe(read('seam-stream.csv'));
    expect(read('seam-duckdb.plan.json')).toBe(read('seam-stream.plan.json'));
  });

  it('refuses on every engine an output that is also the report, before anything is read', () => {
    writeFileSync(join(dir, 'keep.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  email: hash\n');
    for (const engine of ['stream', 'duckdb']) {
      const out = join(dir, `same-${engine}.csv`);
      writeFileSync(out, 'left alone\n');
      const r = veil(['apply', PATIENTS, '--policy', join(dir, 'keep.yaml'), '--engine', engine, '-o', out, '--report', out]);
      expect([engine, r.status, r.stderr]).toEqual([engine, 2, `veil: --report ${out} is the same file as --output ${out}: each must be a file of its own [USAGE_PATHS]\n`]);
      expect(readFileSync(out, 'utf8')).toBe('left alone\n');
    }
  });
});
