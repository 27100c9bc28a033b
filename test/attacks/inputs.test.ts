// Inputs an attacker shapes to slip a removed column past a policy, and
// faults of the file system: on every engine and format, a column named
// twice is an input error that writes nothing; names are compared as written
// (diagnosis and Diagnosis are two columns); a Parquet struct's fields are
// columns by path and a kept struct stays a struct (or its JSON); a cell of
// 10 MB passes; files of a glob that differ are named; a write the system
// refuses is said as the streaming engine says it.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../duckdb-query.js';
import { tempDir, veil } from '../helpers.js';

/** A Parquet file whose footer names two columns alike: written with a stand-in name of the same length, then patched. */
async function parquetNaming(path: string, select: string, standIn: string, name: string): Promise<void> {
  expect(standIn.length).toBe(name.length);
  await query(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  const bytes = readFileSync(path);
  const from = Buffer.from(standIn);
  let at = bytes.indexOf(from);
  expect(at).toBeGreaterThan(0);
  for (; at >= 0; at = bytes.indexOf(from, at + 1)) Buffer.from(name).copy(bytes, at);
  writeFileSync(path, bytes);
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

const files = (d: string) => readdirSync(d).sort();

describe('a column named twice', () => {
  it('is refused in Parquet (exit 3, the file and the column named, nothing written), even where a policy drops it', async () => {
    const pq = join(dir, 'twice.parquet');
    await parquetNaming(pq, "SELECT 1 AS id, 'flu' AS diagnosis, 'HIV' AS diagnosiX", 'diagnosiX', 'diagnosis');
    // The file does hold two columns of that name.
    expect((await query<string>(`SELECT name FROM parquet_schema('${pq}')`)).map((r) => r[0])).toEqual(['duckdb_schema', 'id', 'diagnosis', 'diagnosis']);
    writeFileSync(join(dir, 'drop.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  diagnosis: { transform: drop }\n');
    const out = join(dir, 'twice-out');
    mkdirSync(out);
    for (const format of ['csv', 'parquet']) {
      const r = veil(['apply', pq, '--policy', join(dir, 'drop.yaml'), '-o', join(out, `o.${format}`), '--fail-on-pii', '-q']);
      expect(r.stderr).toBe(`veil: ${pq}: the input names column "diagnosis" (#3) twice: a policy cannot tell the two apart, so nothing is read; rename one [INPUT_DUPLICATE_COLUMN]\n`);
      expect(r.status).toBe(3);
      expect(r.stderr).not.toContain('HIV');
    }
    expect(files(out)).toEqual([]);
    // veil check reads it the same way.
    const c = veil(['check', pq, '--qi', 'id', '--k', '1']);
    expect(c.stderr).toContain('[INPUT_DUPLICATE_COLUMN]');
    expect(c.status).toBe(3);
  });

  it('is refused in a JSON Lines record by default, and set aside and counted under on_invalid', () => {
    const jsonl = join(dir, 'keys.jsonl');
    writeFileSync(jsonl, '{"id":1,"diagnosis":"flu"}\n{"id":2,"diagnosis":"HIV","diagnosis":"cold"}\n{"id":3,"contact":{"ssn":"1","ssn":"2"},"diagnosis":"x"}\n{"id":4,"diagnosis":"y"}\n');
    writeFileSync(join(dir, 'json-drop.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  diagnosis: { transform: drop }\n');
    const fatal = veil(['apply', jsonl, '--policy', join(dir, 'json-drop.yaml'), '-o', join(dir, 'keys.out.jsonl')]);
    expect(fatal.stderr).toBe(`veil: ${jsonl}:2: the input names column "diagnosis" twice: a policy cannot tell the two apart, so nothing is read; rename one [INPUT_DUPLICATE_COLUMN]\n`);
    expect(fatal.status).toBe(3);
    expect(existsSync(join(dir, 'keys.out.jsonl'))).toBe(false);
    // The exact parser names the path of a key inside an object.
    writeFileSync(join(dir, 'json-lenient.yaml'), 'version: 1\nunlisted: keep\non_invalid: quarantine\ncolumns:\n  diagnosis: { transform: drop }\n');
    const q = veil(['apply', jsonl, '--policy', join(dir, 'json-lenient.yaml'), '-o', join(dir, 'keys.q.jsonl'), '--rejects', join(dir, 'rejects.jsonl'), '--report', join(dir, 'keys.json'), '-q']);
    expect(q.stderr).toBe('');
    expect(q.status).toBe(0);
    expect(readFileSync(join(dir, 'keys.q.jsonl'), 'utf8')).toBe('{"id":1}\n{"id":4}\n');
    const rows = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')).rows;
    expect(rows).toEqual({ in: 4, out: 2, removed: { malformed: 2 } });
    const rejects = readFileSync(join(dir, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.line, r.reason, r.expected])).toEqual([
      [2, 'malformed', 'each key once (diagnosis is given twice)'],
      [3, 'malformed', 'each key once (contact.ssn is given twice)'],
    ]);
  });
});

describe('names that differ only in case are two columns on every engine', () => {
  const csv = 'id,diagnosis,Diagnosis\n1,flu,A12\n2,HIV,B34\n';
  it('drops one and hashes the other alike on both engines, CSV and Parquet', async () => {
    writeFileSync(join(dir, 'case.csv'), csv);
    const pq = join(dir, 'case.parquet');
    await parquetNaming(pq, "SELECT * FROM (VALUES ('1', 'flu', 'A12'), ('2', 'HIV', 'B34')) t(id, diagnosis, Xiagnosis)", 'Xiagnosis', 'Diagnosis');
    writeFileSync(join(dir, 'case.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  diagnosis: { transform: drop }\n  Diagnosis: { transform: hash }\n');
    const run = (input: string, out: string, engine: string) => veil(['apply', input, '--policy', join(dir, 'case.yaml'), '--engine', engine, '-o', join(dir, out), '-q']);
    const stream = run(join(dir, 'case.csv'), 'case.stream.csv', 'stream');
    expect(stream.status).toBe(0);
    const expected = readFileSync(join(dir, 'case.stream.csv'), 'utf8');
    expect(expected.split('\n')[0]).toBe('id,Diagnosis');
    expect(expected).not.toMatch(/flu|HIV|A12|B34/);
    for (const [input, out] of [['case.csv', 'case.duck.csv'], ['case.parquet', 'case.pq.csv']] as const) {
      const r = run(join(dir, input), out, 'duckdb');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(readFileSync(join(dir, out), 'utf8')).toBe(expected);
    }
  });

  it('refuses, naming both, to write two such names on DuckDB, whose names ignore case', () => {
    writeFileSync(join(dir, 'case-keep.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  diagnosis: { transform: hash }\n');
    const r = veil(['apply', join(dir, 'case.csv'), '--policy', join(dir, 'case-keep.yaml'), '--engine', 'duckdb', '-o', join(dir, 'case-keep.csv')]);
    expect(r.stderr).toBe('veil: the duckdb engine cannot write two columns whose names differ only in case (diagnosis, Diagnosis): its names ignore case; rename one, or run it with --engine stream [USAGE_ENGINE]\n');
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 'case-keep.csv'))).toBe(false);
  });
});

describe('Parquet structs', () => {
  const select = `SELECT * FROM (VALUES
    (1, struct_pack(email := 'p0@example.com', ssn := '123-45-6700', zip := 2139), [1, 2], 'a'),
    (2, struct_pack(email := 'p1@example.com', ssn := NULL, zip := 94110), [], 'b'),
    (3, NULL, NULL, 'c')) t(id, contact, tags, note)`;
  let pq: string;
  beforeAll(async () => {
    pq = join(dir, 'struct.parquet');
    await query(`COPY (${select}) TO '${pq}' (FORMAT parquet)`);
  });

  it('names a field by path: contact.ssn dropped, contact.email hashed, nested again in Parquet and JSON Lines, by path in CSV', async () => {
    writeFileSync(join(dir, 'paths.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  contact.ssn: { transform: drop }\n  contact.email: { transform: hash }\n  note: { transform: drop }\n');
    const run = (out: string) => veil(['apply', pq, '--policy', join(dir, 'paths.yaml'), '-o', join(dir, out), '-q']);
    for (const out of ['paths.csv', 'paths.parquet', 'paths.jsonl']) expect(run(out).status).toBe(0);
    const csv = parse(readFileSync(join(dir, 'paths.csv'))) as string[][];
    expect(csv[0]).toEqual(['id', 'contact.email', 'contact.zip', 'tags']);
    expect(csv.slice(1).map((r) => [r[0], r[2], r[3]])).toEqual([['1', '2139', '[1,2]'], ['2', '94110', '[]'], ['3', '', '']]);
    expect(csv[1]![1]).toMatch(/^[0-9a-f]{32}$/);
    expect(readFileSync(join(dir, 'paths.csv'), 'utf8')).not.toMatch(/p0@|123-45/);
    // Parquet: contact is a struct again, without ssn; its email the same pseudonym.
    const types = await query<string>(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'paths.parquet')}'))`);
    expect(types).toEqual([['id', 'INTEGER'], ['contact', 'STRUCT(email VARCHAR, zip INTEGER)'], ['tags', 'INTEGER[]']]);
    expect((await query(`SELECT contact.email FROM read_parquet('${join(dir, 'paths.parquet')}') ORDER BY id`)).map((r) => r[0])).toEqual([csv[1]![1], csv[2]![1], null]);
    const jsonl = readFileSync(join(dir, 'paths.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl[0]).toEqual({ id: '1', contact: { email: csv[1]![1], zip: '2139' }, tags: [1, 2] });
    // The streaming engine, on the same records as JSON Lines, names the same columns and the same pseudonyms.
    writeFileSync(join(dir, 'struct.jsonl'), '{"id":"1","contact":{"email":"p0@example.com","ssn":"123-45-6700","zip":"2139"},"tags":[1,2],"note":"a"}\n');
    const s = veil(['apply', join(dir, 'struct.jsonl'), '--policy', join(dir, 'paths.yaml'), '-o', join(dir, 'struct.stream.csv'), '-q']);
    expect(s.status).toBe(0);
    expect(readFileSync(join(dir, 'struct.stream.csv'), 'utf8').split('\n').slice(0, 2)).toEqual(readFileSync(join(dir, 'paths.csv'), 'utf8').split('\n').slice(0, 2));
  });

  it('keeps a struct named whole: a struct in Parquet, JSON in CSV and JSON Lines, never DuckDB\'s text form', async () => {
    writeFileSync(join(dir, 'whole.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  contact: { transform: keep }\n');
    for (const out of ['whole.csv', 'whole.parquet', 'whole.jsonl']) expect(veil(['apply', pq, '--policy', join(dir, 'whole.yaml'), '-o', join(dir, out), '-q']).status).toBe(0);
    const csv = parse(readFileSync(join(dir, 'whole.csv'))) as string[][];
    expect(csv[0]).toEqual(['id', 'contact', 'tags', 'note']);
    expect(JSON.parse(csv[1]![1]!)).toEqual({ email: 'p0@example.com', ssn: '123-45-6700', zip: 2139 });
    expect(JSON.parse(csv[2]![1]!)).toEqual({ email: 'p1@example.com', ssn: null, zip: 94110 });
    expect(csv[3]![1]).toBe('');
    const types = await query<string>(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'whole.parquet')}'))`);
    expect(types.map((t) => t[0])).toEqual(['INTEGER', 'STRUCT(email VARCHAR, ssn VARCHAR, zip INTEGER)', 'INTEGER[]', 'VARCHAR']);
    const jsonl = readFileSync(join(dir, 'whole.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl[0].contact).toEqual({ email: 'p0@example.com', ssn: '123-45-6700', zip: 2139 });
    // The residual check reads the kept struct's JSON: the email and SSN inside it are found.
    const r = veil(['apply', pq, '--policy', join(dir, 'whole.yaml'), '-o', join(dir, 'whole2.csv'), '--fail-on-pii']);
    expect(r.stderr).toContain('[RESIDUAL_PII]');
    expect(r.status).toBe(1);
  });
});

describe('files and cells the DuckDB engine reads', () => {
  it('names the first file of a glob whose columns differ', async () => {
    const d = join(dir, 'glob');
    mkdirSync(d);
    await query(`COPY (SELECT 1 AS id, 'a' AS email) TO '${join(d, 'part-1.parquet')}' (FORMAT parquet)`);
    await query(`COPY (SELECT 2 AS id, 'b' AS email) TO '${join(d, 'part-2.parquet')}' (FORMAT parquet)`);
    await query(`COPY (SELECT 3 AS id, 'c' AS email, 'HIV' AS diagnosis) TO '${join(d, 'part-3.parquet')}' (FORMAT parquet)`);
    writeFileSync(join(dir, 'glob.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  email: { transform: hash }\n');
    const r = veil(['apply', join(d, 'part-*.parquet'), '--policy', join(dir, 'glob.yaml'), '-o', join(dir, 'glob.csv')]);
    expect(r.stderr).toBe(`veil: ${join(d, 'part-3.parquet')}: the files read together do not share one header: expected the columns of ${join(d, 'part-1.parquet')} [INPUT_HEADERS_DIFFER]\n`);
    expect(r.status).toBe(3);
    expect(existsSync(join(dir, 'glob.csv'))).toBe(false);
  });

  it('writes a Parquet cell of 10 MB to CSV, as the streaming engine would', async () => {
    const pq = join(dir, 'cell.parquet');
    await query(`COPY (SELECT 1 AS id, repeat('x', 10000000) AS note UNION ALL SELECT 2, 'short') TO '${pq}' (FORMAT parquet)`);
    writeFileSync(join(dir, 'cell.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  id: { transform: hash }\n');
    const r = veil(['apply', pq, '--policy', join(dir, 'cell.yaml'), '-o', join(dir, 'cell.csv'), '--report', join(dir, 'cell.json'), '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = parse(readFileSync(join(dir, 'cell.csv'))) as string[][];
    expect(rows.map((x) => x[1]!.length)).toEqual([4, 10_000_000, 5]);
    expect(JSON.parse(readFileSync(join(dir, 'cell.json'), 'utf8')).columns.note.values).toEqual({ changed: 0, unchanged: 2, empty: 0 });
  });

  it('answers a CSV record longer than its documented limit with a coded error and its line', () => {
    writeFileSync(join(dir, 'long.csv'), `id,note\n1,a\n2,${'x'.repeat((32 << 20) + 10)}\n`);
    writeFileSync(join(dir, 'long.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  id: { transform: hash }\n');
    const r = veil(['apply', join(dir, 'long.csv'), '--policy', join(dir, 'long.yaml'), '--engine', 'duckdb', '-o', join(dir, 'long.out.csv')]);
    expect(r.stderr).toBe(`veil: ${join(dir, 'long.csv')}:3: a record is longer than the duckdb engine reads (at most 32 MiB): run it with --engine stream, which holds a record whole in memory [CSV_RECORD_TOO_LONG]\n`);
    expect(r.status).toBe(3);
    const s = veil(['apply', join(dir, 'long.csv'), '--policy', join(dir, 'long.yaml'), '--engine', 'stream', '-o', join(dir, 'long.out.csv'), '-q']);
    expect(s.status).toBe(0);
  });
});

describe('a write the system refuses is said as the streaming engine says it, on both engines', () => {
  beforeAll(() => {
    writeFileSync(join(dir, 'w.csv'), `id,email\n${Array.from({ length: 20000 }, (_, i) => `${i},user${i}@example.com`).join('\n')}\n`);
    writeFileSync(join(dir, 'w.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  email: { transform: hash }\n');
  });
  const both = (output: string): [string, number | null][] =>
    ['stream', 'duckdb'].map((engine) => {
      const r = veil(['apply', join(dir, 'w.csv'), '--policy', join(dir, 'w.yaml'), '--engine', engine, '-o', output, '-q']);
      return [r.stderr, r.status];
    });

  it('a folder that does not exist (ENOENT)', () => {
    const [s, d] = both('/proc/veil-no-such/out.csv');
    expect(s).toEqual(['veil: cannot write the output /proc/veil-no-such/out.csv (ENOENT) [OUTPUT_WRITE_FAILED]\n', 4]);
    expect(d).toEqual(s);
  });

  // A full and a read-only file system: small tmpfs mounts, which need root (CI runs as root; elsewhere skipped, saying why).
  const root = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  if (!root) console.log('test/attacks/inputs.test.ts: not root, so no tmpfs can be mounted: the ENOSPC and EROFS cases are skipped');
  it.skipIf(!root)('a full disk (ENOSPC) and a read-only file system (EROFS)', () => {
    for (const [options, errno] of [['size=64k', 'ENOSPC'], ['ro,size=64k', 'EROFS']] as const) {
      const mnt = join(dir, `mnt-${errno}`);
      mkdirSync(mnt);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt]).status).toBe(0);
      try {
        const [s, d] = both(join(mnt, 'out.csv'));
        expect(s).toEqual([`veil: cannot write the output ${join(mnt, 'out.csv')} (${errno}) [OUTPUT_WRITE_FAILED]\n`, 4]);
        expect(d).toEqual(s);
        expect(readdirSync(mnt)).toEqual([]);
      } finally {
        spawnSync('umount', [mnt]);
      }
    }
  });
});
