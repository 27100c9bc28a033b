// The contract between engines: the same generated inputs and policies
// through the streaming engine and DuckDB (`--engine duckdb`), compared
// byte for byte (CSV) and cell by cell (Parquet); the report's counts and
// residual findings alike; the features DuckDB does not run refused with a
// coded error; and the key never written into the SQL DuckDB is given.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSelect } from '../src/engines/sql/compile.js';
import { duckdb, spark } from '../src/engines/sql/dialect.js';
import { TRANSFORMS } from '../src/transforms/index.js';
import { BIN, keyMaterial, policyFrom, REPO, TEST_KEY, tempDir, veil } from './helpers.js';
import { COMPILED_COLUMNS, generate, HEADER } from './generated-rows.js';
import { query } from './duckdb-query.js';


const POLICY = `version: 1
unlisted: keep
columns:
${COMPILED_COLUMNS}  zip5:    { transform: generalize, prefix: 3, zip: true }
  amount:  { transform: generalize, bins: [0, 100, 1000.5] }
  age:     { transform: generalize, width: 10, top: 90 }
  birth:   { transform: generalize, to: quarter }
  visit:   { transform: date-shift, max_days: 30, by: id }
  edu:     { transform: generalize, hierarchy: edu.csv, level: 1 }
  who:     { transform: fake, as: person.fullName }
  note:    { transform: keep }
  score:   { transform: generalize, width: 2.5, top: 100 }
  capped:  { transform: generalize, top: 90 }
  over:    { transform: generalize, over: 89 }
  week:    { transform: generalize, to: week }
  born:    { transform: generalize, to: year, before: 1940 }
  span:    { transform: generalize, width: 25, bottom: -20, top: 150 }
`;

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'in.csv'), generate(3000, 'engines'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  copyFileSync(join(REPO, 'fixtures/adult/adult_hierarchy_education.csv'), join(dir, 'edu.csv'));
});

const apply = (input: string, out: string, extra: string[] = []) =>
  veil(['apply', input, '--policy', join(dir, 'policy.yaml'), '-o', join(dir, out), '--report', join(dir, `${out}.json`), '-q', ...extra]);
const report = (out: string) => JSON.parse(readFileSync(join(dir, `${out}.json`), 'utf8')) as Record<string, any>;


describe('the duckdb engine against the streaming engine', () => {
  it('writes the same bytes for every compiled and registered transform', () => {
    const stream = apply(join(dir, 'in.csv'), 'stream.csv', ['--engine', 'stream']);
    expect(stream.stderr).toMatch(/^veil: warning: the residual-PII check found personal data in published columns: note \(email \d+, phone \d+, protected_value \d+\);[^\n]*\n$/);
    expect(stream.status).toBe(0);
    const engine = apply(join(dir, 'in.csv'), 'duckdb.csv', ['--engine', 'duckdb']);
    expect(engine.stderr).toBe(stream.stderr);
    expect(engine.status).toBe(0);
    const a = readFileSync(join(dir, 'stream.csv'), 'utf8');
    const b = readFileSync(join(dir, 'duckdb.csv'), 'utf8');
    // Cell by cell first, so that a difference names its place.
    const ra = parse(a) as string[][];
    const rb = parse(b) as string[][];
    expect(rb.length).toBe(3001);
    for (let i = 0; i < ra.length; i++) for (let j = 0; j < HEADER.length; j++) if (ra[i]![j] !== rb[i]![j]) expect({ row: i, column: HEADER[j], value: rb[i]![j] }).toEqual({ row: i, column: HEADER[j], value: ra[i]![j] });
    expect(b).toBe(a);
    // The transforms did transform (a broken pipeline passing values through would agree with itself).
    const raw = parse(readFileSync(join(dir, 'in.csv'), 'utf8')) as string[][];
    expect(ra.slice(1).every((r, i) => r[0] !== raw[i + 1]![0])).toBe(true);
  });

  it('reports the same columns, counts and residual findings, and names its engine', () => {
    const s = report('stream.csv');
    const d = report('duckdb.csv');
    expect(d.columns).toEqual(s.columns);
    expect(d.rows).toEqual(s.rows);
    expect(d.privacy).toEqual(s.privacy);
    expect(s.privacy.residual_pii.total).toBeGreaterThan(0);
    expect(d.output_sha256).toBe(s.output_sha256);
    expect(d.input_sha256).toBe(s.input_sha256);
    expect(d.engine).toMatchObject({ name: 'duckdb', threads: expect.any(Number) });
    expect(s.engine).toEqual({ name: 'stream' });
  });

  it('finds the SSNs and phones of whole kept cells as the scan does (decided in SQL), and the protected values among them', () => {
    // Kept columns of SSN and phone shapes: valid and invalid areas, groups and serials, every separator, mixed ones,
    // spaces around; some cells are the row's own hashed value or another row's, padded or not (then the scan in
    // JavaScript decides).
    const rnd = seedrandom('shapes');
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const lines = ['id,ssn,phone,other'];
    const ids: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const sep = pick(['-', '-', ' ', '.', '']);
      const ssn = `${pick(['000', '666', '900', '999', ...Array(6).fill(pad(int(1, 899), 3))])}${sep}${pick(['00', pad(int(1, 99), 2), pad(int(1, 99), 2)])}${pick([sep, sep, '-'])}${pick(['0000', pad(int(1, 9999), 4), pad(int(1, 9999), 4)])}`;
      const phone = `${pad(int(0, 999), 3)}${pick(['-', '.', ' ', '-'])}${pad(int(0, 999), 3)}${pick(['-', '.', ' '])}${pad(int(0, 9999), 4)}`;
      const id = rnd() < 0.5 ? phone : `P${i}`;
      ids.push(id);
      // Another row's id, padded by the spaces JavaScript trims (a tab, a no-break space, an ideographic space).
      const padded = pick(['\t', '\u00a0', '\u3000', ' ']);
      const another = ids[int(0, ids.length - 1)]!;
      const other = pick([phone, ssn, another, ` ${phone}`, `${ssn} `, '123-45-6789x', `${padded}${another}`, `${another}${padded}`]);
      lines.push([id, pick([ssn, ssn, ` ${ssn}`]), rnd() < 0.1 ? id : phone, other].map((v) => (/^\s|\s$/.test(v) ? `"${v}"` : v)).join(','));
    }
    writeFileSync(join(dir, 'shapes.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'shapes.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  id: { transform: hash }\n');
    const run = (engine: string) => veil(['apply', join(dir, 'shapes.csv'), '--policy', join(dir, 'shapes.yaml'), '-o', join(dir, `shapes.${engine}.csv`), '--report', join(dir, `shapes.${engine}.json`), '-q', '--engine', engine]);
    const s = run('stream');
    const e = run('duckdb');
    expect(e.stderr).toBe(s.stderr);
    const found = (engine: string) => (JSON.parse(readFileSync(join(dir, `shapes.${engine}.json`), 'utf8')) as Record<string, any>).privacy.residual_pii.findings;
    const fs = found('stream');
    // Not every row: the invalid SSNs, the bare numbers and the mixed separators are none.
    expect(fs.ssn.ssn).toBeGreaterThan(400);
    expect(fs.ssn.ssn).toBeLessThan(3000);
    expect(fs.phone.phone).toBeGreaterThan(1500);
    expect(fs.phone.protected_value).toBeGreaterThan(100);
    expect(fs.other.protected_value).toBeGreaterThan(100);
    expect(found('duckdb')).toEqual(fs);
    expect(JSON.stringify(found('duckdb'))).toBe(JSON.stringify(fs));
  });

  it('reads Parquet and writes Parquet: every column as text, the same cells', async () => {
    const csv = join(dir, 'in.csv');
    const pq = join(dir, 'in.parquet');
    await query(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${HEADER.map((h) => `'${h}': 'VARCHAR'`).join(', ')}})) TO '${pq}' (FORMAT parquet)`);
    const r = apply(pq, 'out.parquet');
    expect(r.stderr).toMatch(/^veil: warning: the residual-PII check[^\n]*\n$/);
    expect(r.status).toBe(0);
    // Parquet's dictionaries must not turn counts of rows into counts of values.
    expect(report('out.parquet').engine.name).toBe('duckdb');
    expect(report('out.parquet').columns).toEqual(report('stream.csv').columns);
    expect(report('out.parquet').privacy).toEqual(report('stream.csv').privacy);
    // Read with a '.' before each value: @duckdb/node-api drops a leading byte order mark when it decodes a string.
    const rows = await query<string | null>(`SELECT ${HEADER.map((h) => `'.' || "${h}"`).join(', ')} FROM read_parquet('${join(dir, 'out.parquet')}')`);
    const expected = (parse(readFileSync(join(dir, 'stream.csv'), 'utf8')) as string[][]).slice(1);
    expect(rows.map((row) => row.map((v) => v?.slice(1) ?? ''))).toEqual(expected);
    const types = await query<string>(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'out.parquet')}'))`);
    expect(new Set(types.map((t) => t[0]))).toEqual(new Set(['VARCHAR']));
  });

  it('keeps the types of the columns it keeps, Parquet to Parquet; the others are text of the same cells', async () => {
    const pq = join(dir, 'typed.parquet');
    await query(`COPY (SELECT 'P' || (x % 97) AS id, 'u' || x || '@Example.com' AS email, CAST(18 + x % 70 AS INTEGER) AS age, CAST(x * 1.25 AS DOUBLE) AS income,
      DATE '2024-01-01' + CAST(x % 300 AS INTEGER) AS visit FROM range(500) t(x)) TO '${pq}' (FORMAT parquet)`);
    const csv = join(dir, 'typed.csv');
    await query(`COPY (SELECT * FROM read_parquet('${pq}')) TO '${csv}' (HEADER)`);
    const policy = join(dir, 'typed.yaml');
    writeFileSync(policy, 'version: 1\ncolumns:\n  id: keep\n  email: { transform: hash, normalize: email }\n  age: keep\n  income: keep\n  visit: { transform: date-shift, max_days: 30, by: id }\n');
    const d = veil(['apply', pq, '--policy', policy, '-o', join(dir, 'typed.out.parquet'), '-q']);
    expect(d.status).toBe(0);
    const s = veil(['apply', csv, '--policy', policy, '-o', join(dir, 'typed.out.csv'), '-q']);
    expect(s.status).toBe(0);
    const types = await query<string>(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'typed.out.parquet')}'))`);
    expect(Object.fromEntries(types)).toEqual({ id: 'VARCHAR', email: 'VARCHAR', age: 'INTEGER', income: 'DOUBLE', visit: 'VARCHAR' });
    const rows = await query<string | null>(`SELECT ${['id', 'email', 'age', 'income', 'visit'].map((c) => `'.' || CAST(${c} AS VARCHAR)`).join(', ')} FROM read_parquet('${join(dir, 'typed.out.parquet')}')`);
    expect(rows.map((r) => r.map((v) => v!.slice(1)))).toEqual((parse(readFileSync(join(dir, 'typed.out.csv'), 'utf8')) as string[][]).slice(1));
  });

  it('reads a glob of files, in name order, as one input', () => {
    const text = readFileSync(join(dir, 'in.csv'), 'utf8');
    const records = parse(text, { relax_column_count: false }) as string[][];
    const quote = (v: string) => (/[",\n\r]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    for (const [n, part] of [records.slice(1, 1000), records.slice(1000, 2000), records.slice(2000)].entries()) {
      writeFileSync(join(dir, `part-${n}.csv`), [HEADER, ...part].map((r) => r.map(quote).join(',')).join('\n') + '\n');
    }
    const r = apply(join(dir, 'part-*.csv'), 'glob.csv');
    expect(r.stderr).toMatch(/^veil: warning: the residual-PII check[^\n]*\n$/);
    expect(readFileSync(join(dir, 'glob.csv'), 'utf8')).toBe(readFileSync(join(dir, 'stream.csv'), 'utf8'));
    writeFileSync(join(dir, 'part-3.csv'), `${[...HEADER].reverse().join(',')}\n`);
    const differ = apply(join(dir, 'part-*.csv'), 'glob2.csv');
    expect(differ.status).toBe(3);
    expect(differ.stderr).toContain('INPUT_HEADERS_DIFFER');
    expect(existsSync(join(dir, 'glob2.csv'))).toBe(false);
  });
});

describe('the duckdb engine fails closed', () => {
  it('names the column of a value it cannot read, never the value, and writes nothing', () => {
    const bad = generate(50, 'bad').replace(/\n(E\d+,(?:[^,\n]*,){9})(\d+),/, '\n$1SECRET-AGE-42,');
    expect(bad).toContain('SECRET-AGE-42');
    writeFileSync(join(dir, 'bad.csv'), bad);
    const r = apply(join(dir, 'bad.csv'), 'bad-out.csv', ['--engine', 'duckdb']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('VALUE_NOT_NUMBER');
    expect(r.stderr).toContain('age');
    expect(r.stderr).not.toContain('SECRET-AGE-42');
    expect(readdirSync(dir).filter((f) => f.includes('bad-out'))).toEqual([]);
  });

  it("runs what it does not compile through the streaming engine's transforms: the same rows, and the report says so", () => {
    writeFileSync(join(dir, 'rows.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  age: { transform: keep }\nrows:\n  require: { column: city, in: ["Zürich"] }\n');
    const rows = (engine: string) => veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'rows.yaml'), '--engine', engine, '-o', join(dir, `rows-${engine}.csv`), '--report', join(dir, `rows-${engine}.json`)]);
    const [d, s] = [rows('duckdb'), rows('stream')];
    expect(d.status, d.stderr).toBe(0);
    expect(s.status, s.stderr).toBe(0);
    expect(d.stderr).toContain('as row rules (rows: consent, forget lists) is not compiled to SQL');
    expect(readFileSync(join(dir, 'rows-duckdb.csv'), 'utf8')).toBe(readFileSync(join(dir, 'rows-stream.csv'), 'utf8'));
    const report = (engine: string) => JSON.parse(readFileSync(join(dir, `rows-${engine}.json`), 'utf8'));
    expect(report('duckdb').rows).toEqual(report('stream').rows);
    expect(report('duckdb').rows.removed).not.toEqual({});
    // The streaming engine reads Parquet too (DuckDB as its source): the same rows as the duckdb engine writes.
    const fromParquet = veil(['apply', join(dir, 'in.parquet'), '--policy', join(dir, 'policy.yaml'), '--engine', 'stream', '-o', join(dir, 'pq-stream.csv')]);
    expect(fromParquet.status, fromParquet.stderr).toBe(0);
    const duck = veil(['apply', join(dir, 'in.parquet'), '--policy', join(dir, 'policy.yaml'), '--engine', 'duckdb', '-o', join(dir, 'pq-duck.csv')]);
    expect(duck.status, duck.stderr).toBe(0);
    expect(readFileSync(join(dir, 'pq-stream.csv'), 'utf8')).toBe(readFileSync(join(dir, 'pq-duck.csv'), 'utf8'));
  });

  it('reports missing and unlisted columns as the streaming engine does', () => {
    writeFileSync(join(dir, 'strict.yaml'), 'version: 1\ncolumns:\n  id: { transform: hash }\n  idd: { transform: keep }\n');
    const args = (engine: string) => ['apply', join(dir, 'in.csv'), '--policy', join(dir, 'strict.yaml'), '--engine', engine, '-o', join(dir, `strict-${engine}.csv`)];
    const s = veil(args('stream'));
    const d = veil(args('duckdb'));
    expect(d.status).toBe(3);
    expect(d.stderr).toBe(s.stderr);
  });

  it('fails a run with residual personal data under --fail-on-pii, leaving no output', () => {
    const r = apply(join(dir, 'in.csv'), 'pii.csv', ['--engine', 'duckdb', '--fail-on-pii']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('RESIDUAL_PII');
    expect(readdirSync(dir).filter((f) => f.includes('pii.csv'))).toEqual([]);
  });
});

describe("a value that holds '#'", () => {
  it('is quoted by both engines alike, so a reader that takes # for a comment keeps every row', async () => {
    writeFileSync(join(dir, 'hash-sign.csv'), 'tag,n\n#1 fan,1\nok,2\n#2,3\nC#,4\n');
    writeFileSync(join(dir, 'keep.yaml'), 'version: 1\ncolumns:\n  tag: keep\n  n: keep\n');
    for (const engine of ['stream', 'duckdb']) {
      const r = veil(['apply', join(dir, 'hash-sign.csv'), '--policy', join(dir, 'keep.yaml'), '--engine', engine, '-q', '-o', join(dir, `hash-sign-${engine}.csv`)]);
      expect([engine, r.status, r.stderr]).toEqual([engine, 0, '']);
    }
    const written = readFileSync(join(dir, 'hash-sign-stream.csv'), 'utf8');
    expect(written).toBe('tag,n\n"#1 fan",1\nok,2\n"#2",3\n"C#",4\n');
    expect(readFileSync(join(dir, 'hash-sign-duckdb.csv'), 'utf8')).toBe(written);
    const rows = await query(`SELECT tag FROM read_csv('${join(dir, 'hash-sign-stream.csv')}', comment = '#', header = true, all_varchar = true)`);
    expect(rows.map((r) => r[0])).toEqual(['#1 fan', 'ok', '#2', 'C#']);
  });
});

describe('the duckdb engine writes devices and pipes in place', () => {
  it('writes into a FIFO without replacing it by a file', () => {
    const fifo = join(dir, 'out.fifo');
    const r = spawnSync('sh', ['-c', `mkfifo "${fifo}" && (timeout 20 cat "${fifo}" > "${join(dir, 'from-fifo.csv')}" &) && VEIL_KEY=${TEST_KEY} "${process.execPath}" "${BIN}" apply "${join(dir, 'in.csv')}" --policy "${join(dir, 'policy.yaml')}" --engine duckdb -q -o "${fifo}" 2>/dev/null; wait; sleep 0.2`]);
    expect(r.status).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync(join(dir, 'from-fifo.csv'), 'utf8')).toBe(readFileSync(join(dir, 'stream.csv'), 'utf8'));
  });
});

describe('each transform owns its SQL', () => {
  // The compiler asks each transform for its expression (src/transforms/sql.ts); it never names one.
  it('the compiler names no transform, and reads no report parameter', () => {
    const text = readFileSync(join(REPO, 'src/engines/sql/compile.ts'), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '');
    // 'keep' stays: it is also what `unlisted: keep` says of the columns the policy does not name.
    for (const t of TRANSFORMS.filter((x) => x.name !== 'keep')) expect(text, t.name).not.toContain(`'${t.name}'`);
    expect(text).not.toMatch(/\.params\b|\bswitch\b|\.transform\s*[!=]==/);
  });

  it('compiles a column by its transform\'s SQL part on each dialect; one without an SQL part is refused by name where functions cannot run', async () => {
    const cases: [string, string, RegExp | 'refused'][] = [
      ['keep', '{ transform: keep }', /^i\.veil_c0$/],
      ['redact', '{ transform: redact, with: "X" }', /'X'/],
      ['mask', '{ transform: mask, keep_last: 2 }', /repeat\(/],
      ['hash', '{ transform: hash, normalize: email }', /sha2?\(/],
      ['generalize', '{ transform: generalize, prefix: 2 }', /substring\(i\.veil_c0, 1, 2\)/],
      ['fake', '{ transform: fake, as: person.fullName }', 'refused'],
      ['noise', '{ transform: noise, epsilon: 1, bounds: [0, 100] }', 'refused'],
    ];
    for (const [name, spec, expected] of cases) {
      const { policy, problems } = await policyFrom(`version: 1\ncolumns:\n  v: ${spec}\n`);
      expect([name, problems]).toEqual([name, []]);
      const compile = () => compileSelect(policy!, ['v'], spark, { functions: false });
      if (expected === 'refused') {
        const refusal = (() => {
          try {
            compile();
          } catch (e) {
            return JSON.stringify((e as { problems?: unknown }).problems);
          }
          return 'compiled';
        })();
        expect(refusal, name).toMatch(new RegExp(`"code":"USAGE_ENGINE".*the spark engine does not run ${name} \\(columns\\.v\\) without JavaScript functions: it has no SQL part`));
        expect(compileSelect(policy!, ['v'], duckdb, { functions: true }).functions.map((f) => f.column.name), name).toEqual(['v']);
        continue;
      }
      const [column] = compile().columns;
      expect([name, column!.sql]).toEqual([name, expect.stringMatching(expected)]);
      expect(column!.kept, name).toBe(name === 'keep');
    }
  });
});

describe('the key never reaches SQL text', () => {
  it('compiles hashes against a key table: no subkey, in any spelling, in the SQL', async () => {
    const { policy, problems } = await policyFrom(POLICY, { 'edu.csv': readFileSync(join(dir, 'edu.csv'), 'utf8') });
    expect(problems).toEqual([]);
    const compiled = compileSelect(policy!, HEADER, duckdb, { functions: true });
    const sql = compiled.columns.map((c) => c.sql).join('\n');
    expect(compiled.keys.map((k) => `${k.purpose}/${k.domain}`)).toEqual(['hash/id', 'hash/email', 'hash/contact', 'hash/phone', 'date-shift/id']);
    for (const spelling of keyMaterial(compiled.keys.map((k) => [k.purpose, k.domain]))) expect(sql).not.toContain(spelling);
    expect(sql).toContain('k.k0_i');
  });
});

describe('the duckdb engine draws noise for every row', () => {
  // Parquet stores a constant column as one dictionary value: a function called once per distinct value
  // would give every row the same noise, and averaging the rows would remove nothing.
  it('noise and randomized response on a constant Parquet column: the reported distribution, row by row', async () => {
    const n = 20_000;
    const csv = join(dir, 'constant.csv');
    writeFileSync(csv, `income,smoker\n${'34000.5,a\n'.repeat(n)}`);
    const pq = join(dir, 'constant.parquet');
    await query(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true, header = true, auto_detect = false, delim = ',', columns = {'income': 'VARCHAR', 'smoker': 'VARCHAR'})) TO '${pq}' (FORMAT parquet)`);
    const policy = join(dir, 'dp.yaml');
    writeFileSync(policy, 'version: 1\ncolumns:\n  income: { transform: noise, epsilon: 0.5, bounds: [0, 250000] }\n  smoker: { transform: randomized-response, epsilon: 1.0, values: [a, b, c, d] }\n');
    const out = join(dir, 'dp.csv');
    const r = veil(['apply', pq, '--policy', policy, '-o', out, '--report', `${out}.json`, '-q']);
    expect(r.status).toBe(0);
    const rows = (parse(readFileSync(out, 'utf8')) as string[][]).slice(1);
    expect(rows).toHaveLength(n);
    const income = rows.map((x) => Number(x[0]));
    for (const x of income) expect(Math.abs(x % 64)).toBe(0);
    // Discrete Laplace of scale 15629/2 on a grid of 64 around the rounded value 34048.
    const q = Math.exp(-2 / 15629);
    const sd = Math.sqrt((2 * q) / (1 - q) ** 2) * 64;
    const mean = income.reduce((a, b) => a + b, 0) / n;
    const variance = income.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 34048)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(Math.abs(variance / sd ** 2 - 1)).toBeLessThan(5 * Math.sqrt(5 / n));
    expect(new Set(income).size).toBeGreaterThan(1000);
    const kept = rows.filter((x) => x[1] === 'a').length / n;
    const p = Math.E / (Math.E + 3);
    expect(Math.abs(kept - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    // The report: the same differential-privacy section as the streaming engine's, and the noise measured on every row.
    const d = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    const s = veil(['apply', csv, '--policy', policy, '-o', join(dir, 'dp-stream.csv'), '--report', join(dir, 'dp-stream.json'), '-q']);
    expect(s.status).toBe(0);
    expect(d.privacy.differential_privacy).toEqual(JSON.parse(readFileSync(join(dir, 'dp-stream.json'), 'utf8')).privacy.differential_privacy);
    expect(d.utility.noise.income).toMatchObject({ noise_std: expect.any(Number), column_std: 0, dwarfs: true });
    expect(r.stderr).toContain('the noise of income dwarfs its spread');
  });

  it('with --seed and randomized columns, hands the rows to the streaming engine, which draws them in row order: the same bytes twice', () => {
    const run = (out: string, engine = 'duckdb') => veil(['apply', join(dir, 'constant.parquet'), '--policy', join(dir, 'dp.yaml'), '--seed', '1', '--engine', engine, '-o', join(dir, out)]);
    for (const [out, engine] of [['seeded-1.csv', 'duckdb'], ['seeded-2.csv', 'duckdb'], ['seeded-stream.csv', 'stream']] as const) {
      const r = run(out, engine);
      expect(r.status, r.stderr).toBe(0);
    }
    expect(r('seeded-1.csv')).toBe(r('seeded-2.csv'));
    expect(r('seeded-1.csv')).toBe(r('seeded-stream.csv'));
    function r(name: string): string {
      return readFileSync(join(dir, name), 'utf8');
    }
  });
});

describe('veil check on Parquet (a GROUP BY in DuckDB)', () => {
  it('gives the verdict and the measures the streaming check gives on the same rows', async () => {
    const safe = join(dir, 'adult.safe.csv');
    const a = veil(['apply', join(REPO, 'fixtures/adult/adult.csv'), '--delimiter', ';', '--policy', join(REPO, 'fixtures/adult/training.yaml'), '-o', safe, '-q']);
    expect(a.status).toBe(0);
    const pq = join(dir, 'adult.safe.parquet');
    const raw = join(dir, 'adult.raw.parquet');
    const cols = "columns = {'sex': 'VARCHAR', 'age': 'VARCHAR', 'race': 'VARCHAR', 'marital-status': 'VARCHAR', 'education': 'VARCHAR', 'native-country': 'VARCHAR', 'workclass': 'VARCHAR', 'occupation': 'VARCHAR', 'salary-class': 'VARCHAR'}";
    await query(`COPY (SELECT * FROM read_csv('${safe}', header = true, auto_detect = false, delim = ';', ${cols})) TO '${pq}' (FORMAT parquet)`);
    await query(`COPY (SELECT * FROM read_csv('${join(REPO, 'fixtures/adult/adult.csv')}', header = true, auto_detect = false, delim = ';', ${cols})) TO '${raw}' (FORMAT parquet)`);
    const check = (file: string, extra: string[] = []) => veil(['check', file, '--policy', join(REPO, 'fixtures/adult/training.yaml'), '--json', ...extra]);
    const csv = check(safe, ['--delimiter', ';']);
    const parquet = check(pq);
    expect(csv.status).toBe(0);
    expect(parquet.status).toBe(0);
    expect(JSON.parse(parquet.stdout)).toEqual(JSON.parse(csv.stdout));
    expect(JSON.parse(parquet.stdout).achieved.k).toBeGreaterThanOrEqual(10);
    // The raw data is not 10-anonymous, and l-diversity is counted per class as the streaming check counts it.
    const rawCsv = check(join(REPO, 'fixtures/adult/adult.csv'), ['--delimiter', ';', '--l', '2', '--sensitive', 'salary-class']);
    const rawPq = check(raw, ['--l', '2', '--sensitive', 'salary-class']);
    expect(rawPq.status).toBe(1);
    expect(JSON.parse(rawPq.stdout)).toEqual(JSON.parse(rawCsv.stdout));
    // A glob of JSON Lines files is read as JSON Lines (not as CSV), one file after the other.
    writeFileSync(join(dir, 'rows-1.jsonl'), '{"sex":"Male"}\n{"sex":"Female"}\n');
    writeFileSync(join(dir, 'rows-2.jsonl'), '{"sex":"Male"}');
    writeFileSync(join(dir, 'all-rows.jsonl'), '{"sex":"Male"}\n{"sex":"Female"}\n{"sex":"Male"}\n');
    const jsonl = veil(['check', join(dir, 'rows-*.jsonl'), '--qi', 'sex', '--k', '2', '--json']);
    const whole = veil(['check', join(dir, 'all-rows.jsonl'), '--qi', 'sex', '--k', '2', '--json']);
    expect(whole.status).toBe(1);
    expect(jsonl.status).toBe(1);
    expect(JSON.parse(jsonl.stdout)).toEqual(JSON.parse(whole.stdout));
    expect(JSON.parse(jsonl.stdout).achieved).toMatchObject({ k: 1 });
  });
});

describe('a glob of JSON Lines files: our reader, one file after the other', () => {
  // DuckDB's JSON reader is not used for them: it writes 1.50 as 1.5 and 1e5 as 100000.0, and takes a trailing comma and NaN.
  const files: Record<string, string | Buffer> = {
    'part-1.jsonl': '\ufeff{"id":"1","email":"ann@example.com","contact":{"zip":"02139","city":"Boston"},"amount":1.50}\n{"id":"2","email":"bo@example.com","contact":{"zip":"10115"}}\n',
    'part-2.jsonl.gz': gzipSync('{"id":"3","email":"cy@example.com","contact":null,"amount":1e5}\r\n{"id":"4","email":"di@example.com","contact":{"zip":"75002","city":"Paris"},"amount":-0.0}'),
    'part-3.jsonl': '\n{"id":"5","email":"ed@example.com","contact":{"zip":"SW1A 2AA"},"amount":12345678901234567890}\n',
  };
  // The same rows as one file: each file's lines in turn, the byte-order mark dropped and the last line ended.
  const concatenation = '{"id":"1","email":"ann@example.com","contact":{"zip":"02139","city":"Boston"},"amount":1.50}\n{"id":"2","email":"bo@example.com","contact":{"zip":"10115"}}\n{"id":"3","email":"cy@example.com","contact":null,"amount":1e5}\r\n{"id":"4","email":"di@example.com","contact":{"zip":"75002","city":"Paris"},"amount":-0.0}\n\n{"id":"5","email":"ed@example.com","contact":{"zip":"SW1A 2AA"},"amount":12345678901234567890}\n';
  const policy = 'version: 1\nunlisted: keep\ncolumns:\n  email: { transform: hash }\n  contact.zip: { transform: generalize, prefix: 2 }\n';
  let at: string;
  const run = (input: string, out: string, extra: string[] = []) =>
    veil(['apply', input, '--input-format', 'jsonl', '--policy', join(at, 'policy.yaml'), '-o', join(at, out), '--report', join(at, `${out}.json`), '-q', ...extra]);
  const reportOf = (out: string) => JSON.parse(readFileSync(join(at, `${out}.json`), 'utf8')) as Record<string, any>;
  beforeAll(() => {
    at = tempDir();
    mkdirSync(join(at, 'parts'));
    for (const [name, body] of Object.entries(files)) writeFileSync(join(at, 'parts', name), body);
    writeFileSync(join(at, 'all.jsonl'), concatenation);
    writeFileSync(join(at, 'policy.yaml'), policy);
  });

  it('publishes the rows of the files in name order, as the concatenation of the files, on either engine', () => {
    const one = run(join(at, 'all.jsonl'), 'one.jsonl');
    expect(one.status, one.stderr).toBe(0);
    const expected = readFileSync(join(at, 'one.jsonl'), 'utf8');
    // Numbers keep their text, nested objects their shape, a null object stays null.
    expect(expected).toContain('"amount":1.50}');
    expect(expected).toContain('"amount":1e5}');
    expect(expected).toContain('"amount":12345678901234567890}');
    expect(expected).toContain('"contact":{"zip":"02","city":"Boston"}');
    expect(expected.trim().split('\n')).toHaveLength(5);
    for (const engine of [[], ['--engine', 'duckdb'], ['--engine', 'stream']]) {
      const name = `glob${engine.join('')}.jsonl`;
      const r = run(join(at, 'parts', 'part-*'), name, engine);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(at, name), 'utf8')).toBe(expected);
      const rep = reportOf(name);
      expect(rep.rows).toEqual(reportOf('one.jsonl').rows);
      // The input's bytes and digest are the files', not the spool's.
      const bytes = Object.values(files).reduce((n, b) => n + Buffer.byteLength(b), 0);
      expect(rep.input).toMatchObject({ files: 3, bytes });
      expect(rep.input_sha256).toBe(createHash('sha256').update(Buffer.concat(Object.values(files).map((b) => Buffer.from(b)))).digest('hex'));
      // DuckDB neither read nor wrote these files, and the report does not say it did.
      expect(rep.engine.io).toBeUndefined();
      expect(rep.engine.name).toBe('stream');
    }
    const stderr = run(join(at, 'parts', 'part-*'), 'said.jsonl', ['--engine', 'duckdb']).stderr;
    expect(stderr).toBe('');
    const told = veil(['apply', join(at, 'parts', 'part-*'), '--input-format', 'jsonl', '--policy', join(at, 'policy.yaml'), '-o', join(at, 'told.jsonl'), '--engine', 'duckdb']);
    expect(told.stderr).toContain('veil: the streaming engine reads and writes the files; the rows go through the streaming engine');
  });

  it('says a problem of its file and line, and quarantines with them', () => {
    const bad = join(at, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'a.jsonl'), '{"id":"1","email":"ann@example.com"}\n{"id":"2","email":"bo@example.com"}\n');
    writeFileSync(join(bad, 'b.jsonl'), '{"id":"3","email":"cy@example.com"}\n{"id":"4","email":"ok@example.com","email":"secret@example.com"}\n{"id":"5","email":"ed@example.com"}\n');
    writeFileSync(join(bad, 'c.jsonl'), '{"id":"6","email":"fy@example.com"}\n{"id":"7","email":\n');
    const strict = 'version: 1\nunlisted: keep\ncolumns:\n  email: { transform: hash }\n';
    writeFileSync(join(at, 'strict.yaml'), strict);
    const r = veil(['apply', join(bad, '*.jsonl'), '--policy', join(at, 'strict.yaml'), '-o', join(at, 'bad.jsonl')]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`${join(bad, 'b.jsonl')}:2: `);
    expect(r.stderr).toContain('[INPUT_DUPLICATE_COLUMN]');
    expect(r.stderr).not.toContain('secret@example.com');
    expect(existsSync(join(at, 'bad.jsonl'))).toBe(false);
    // Quarantined: the record given a key twice set aside with its file and line; the broken last line is fatal, at its place.
    writeFileSync(join(at, 'policy.yaml'), `${strict}on_invalid: quarantine\nmax_invalid: 0.5\n`);
    const q = run(join(bad, '*.jsonl'), 'q.jsonl', ['--rejects', join(at, 'rejects.jsonl')]);
    expect(q.status).toBe(3);
    expect(q.stderr).toContain(`${join(bad, 'c.jsonl')}:2: `);
    expect(q.stderr).toContain('[JSON_INVALID]');
    writeFileSync(join(bad, 'c.jsonl'), '{"id":"6","email":"fy@example.com"}\n');
    const ok = run(join(bad, '*.jsonl'), 'q.jsonl', ['--rejects', join(at, 'rejects.jsonl')]);
    expect(ok.status, ok.stderr).toBe(0);
    const rejects = readFileSync(join(at, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ file: join(bad, 'b.jsonl'), line: 2, reason: 'malformed' });
    expect(reportOf('q.jsonl').rows).toMatchObject({ in: 6, out: 5, removed: { malformed: 1 } });
    writeFileSync(join(at, 'policy.yaml'), policy);
  });

  it('is checked in the encoding asked for, as one input', () => {
    const enc = join(at, 'latin1');
    mkdirSync(enc);
    writeFileSync(join(enc, 'a.jsonl'), Buffer.from('{"city":"Z\xfcrich"}\n{"city":"Z\xfcrich"}\n', 'latin1'));
    writeFileSync(join(enc, 'b.jsonl'), Buffer.from('{"city":"Z\xfcrich"}\n{"city":"Bern"}\n', 'latin1'));
    const r = veil(['check', join(enc, '*.jsonl'), '--qi', 'city', '--k', '3', '--encoding', 'latin1', '--json']);
    // Read as latin1 (as UTF-8 it would be INPUT_NOT_UTF8, exit 3): three Zürich rows and one Bern row, so k is 1.
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).achieved).toMatchObject({ k: 1 });
    expect(veil(['check', join(enc, '*.jsonl'), '--qi', 'city', '--k', '1']).status).toBe(3);
  });

  it('is scanned as one input', () => {
    const r = veil(['scan', join(at, 'parts', 'part-*'), '--input-format', 'jsonl']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('5 rows sampled');
    expect(r.stdout).toMatch(/^contact\.zip\s/m);
  });
});

describe('k-anonymity on DuckDB: the engine counts the combinations, veil makes the classes, the engine joins them', () => {
  const adult = join(REPO, 'fixtures/adult/adult.csv');
  const QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation'];
  /** fixtures/adult/training.yaml, its k_anonymity lines `k` replaced, and (but for `representative`) published as generalized values. */
  const variant = (name: string, k: string): string => {
    for (const f of readdirSync(join(REPO, 'fixtures/adult')).filter((x) => x.startsWith('adult_hierarchy_'))) copyFileSync(join(REPO, 'fixtures/adult', f), join(dir, f));
    let text = readFileSync(join(REPO, 'fixtures/adult/training.yaml'), 'utf8');
    if (name !== 'representative') text = text.replace('  k: 10\n', k).replace(/ {2}publish: representative.*\n {2}representative:.*\n/, '');
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  const both = (name: string, policy: string) => {
    const args = (engine: string) => ['apply', adult, '--delimiter', ';', '--policy', policy, '--engine', engine, '-o', join(dir, `${name}-${engine}.csv`), '--report', join(dir, `${name}-${engine}.json`), '--plan-out', join(dir, `${name}-${engine}.plan.json`), '-q'];
    const s = veil(args('stream'));
    const d = veil(args('duckdb'));
    return { s, d, out: (e: string) => readFileSync(join(dir, `${name}-${e}.csv`), 'utf8'), report: (e: string) => JSON.parse(readFileSync(join(dir, `${name}-${e}.json`), 'utf8')), plan: (e: string) => readFileSync(join(dir, `${name}-${e}.plan.json`), 'utf8') };
  };
  /** The smallest class of the output and its classes' sensitive values, regrouped here from the file itself. */
  const regroup = (text: string, sensitive?: string): { k: number; l: number } => {
    const rows = parse(text, { delimiter: ';' }) as string[][];
    const at = QIS.map((q) => rows[0]!.indexOf(q));
    const s = sensitive ? rows[0]!.indexOf(sensitive) : -1;
    const classes = new Map<string, { n: number; values: Set<string> }>();
    for (const row of rows.slice(1)) {
      const key = JSON.stringify(at.map((i) => row[i]));
      const c = classes.get(key) ?? { n: 0, values: new Set<string>() };
      c.n++;
      if (s >= 0) c.values.add(row[s]!);
      classes.set(key, c);
    }
    return { k: Math.min(...[...classes.values()].map((c) => c.n)), l: Math.min(...[...classes.values()].map((c) => c.values.size)) };
  };

  it('publishes the same classes as the streaming engine (representative values, k=10), and the same plan', () => {
    const r = both('representative', variant('representative', ''));
    expect(r.s.status).toBe(0);
    expect(r.d.stderr).toBe(r.s.stderr);
    expect(r.d.status).toBe(0);
    expect(r.out('duckdb')).toBe(r.out('stream'));
    expect(r.plan('duckdb')).toBe(r.plan('stream'));
    expect(r.report('duckdb').privacy).toEqual(r.report('stream').privacy);
    expect(r.report('duckdb').columns).toEqual(r.report('stream').columns);
    expect(regroup(r.out('duckdb')).k).toBeGreaterThanOrEqual(10);
  });

  it('removes the suppressed rows as the streaming engine does (generalized form, k=50, l=2, 2% suppression), counted in the report', () => {
    const policy = variant('suppress', '  k: 50\n  max_suppression: 0.02\n  l_diversity: { sensitive: salary-class, l: 2 }\n');
    const r = both('suppress', policy);
    expect(r.s.status).toBe(0);
    expect(r.d.status).toBe(0);
    expect(r.out('duckdb')).toBe(r.out('stream'));
    const rows = r.report('duckdb').rows;
    expect(rows).toEqual(r.report('stream').rows);
    expect(rows.removed.k_anonymity).toBeGreaterThan(0);
    expect(rows.in).toBe(rows.out + rows.removed.k_anonymity);
    expect(r.report('duckdb').privacy.k_anonymity).toEqual(r.report('stream').privacy.k_anonymity);
    expect(r.report('duckdb').columns).toEqual(r.report('stream').columns);
    const got = regroup(r.out('duckdb'), 'salary-class');
    expect(got.k).toBeGreaterThanOrEqual(50);
    expect(got.l).toBeGreaterThanOrEqual(2);
  });

  it('publishes masked rows as one class when asked (suppressed: mask)', () => {
    const policy = variant('mask', '  k: 50\n  max_suppression: 0.02\n  suppressed: mask\n');
    const r = both('mask', policy);
    expect(r.d.status).toBe(r.s.status);
    expect(r.out('duckdb')).toBe(r.out('stream'));
    expect(r.report('duckdb').privacy.k_anonymity).toEqual(r.report('stream').privacy.k_anonymity);
  });

  it('hands a randomized quasi-identifier to the streaming engine, whose two passes draw each row once', () => {
    const policy = join(dir, 'noisy-qi.yaml');
    writeFileSync(policy, readFileSync(variant('noisy', '  k: 10\n'), 'utf8').replace('  age: keep', '  age: { transform: noise, epsilon: 1, bounds: [0, 100], integer: true }'));
    const run = (engine: string) => veil(['apply', adult, '--delimiter', ';', '--policy', policy, '--engine', engine, '--seed', '3', '-o', join(dir, `noisy-${engine}.csv`)]);
    const d = run('duckdb');
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toContain('as k_anonymity over noise (age): each phase would draw it anew is not compiled to SQL');
    expect(run('stream').status).toBe(0);
    expect(readFileSync(join(dir, 'noisy-duckdb.csv'), 'utf8')).toBe(readFileSync(join(dir, 'noisy-stream.csv'), 'utf8'));
  });
});
