// Worker threads in `veil apply`: inputs of several pieces (src/io/pieces.ts)
// give the same output, rejects and report whatever the number of threads,
// and a problem in a later piece is reported as it is without threads.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, veil } from './helpers.js';

const ROWS = 40_000;
let dir: string;

/** About 2.6 MB (three pieces): quoted notes with commas, quotes and line breaks, now and then an email left in a kept column, an invalid age. */
function csv(): string {
  const lines = ['id,email,name,note,city,age'];
  for (let i = 0; i < ROWS; i++) {
    const note = i % 7 === 0 ? `"called back, said ""fine""\nnext visit in ${i % 30} days"` : i % 11 === 0 ? `"ok, ${i}"` : `plain note ${i}`;
    const city = i % 997 === 0 ? `mail p${i}@example.org` : ['Lyon', 'Oslo', 'Quito', 'Nara'][i % 4]!;
    const age = i % 1009 === 0 ? 'unknown' : String(18 + (i % 70));
    lines.push(`P${String(Math.floor(i / 3)).padStart(6, '0')},p${Math.floor(i / 3)}@Example.org,Name ${i % 500},${note},${city},${age}`);
  }
  return `${lines.join('\n')}\n`;
}

const POLICY = `version: 1
on_invalid: quarantine
columns:
  id:    { transform: hash, length: 16 }
  email: { transform: hash, normalize: email }
  name:  { transform: fake, as: person.fullName }
  note:  keep
  city:  keep
  age:   { transform: generalize, width: 10, type: integer, min: 0, max: 120 }
`;

/** The report without what changes from run to run (time, file names). */
function report(file: string): unknown {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  delete r.started_at;
  delete r.duration_seconds;
  delete (r.output as Record<string, unknown>).path;
  return r;
}

beforeAll(() => {
  dir = tempDir();
  const text = csv();
  writeFileSync(join(dir, 'in.csv'), text);
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  // The same rows as JSON Lines.
  const [head, ...rows] = text.trimEnd().split(/\n(?=P\d{6},)/);
  const names = head!.split(',');
  const jsonl = rows.map((r) => {
    const m = /^([^,]*),([^,]*),([^,]*),("(?:[^"]|"")*"|[^,]*),([^,]*),([^,]*)$/s.exec(r)!;
    const values = m.slice(1).map((v) => (v.startsWith('"') ? v.slice(1, -1).replaceAll('""', '"') : v));
    return JSON.stringify(Object.fromEntries(names.map((n, i) => [n, values[i]])));
  });
  writeFileSync(join(dir, 'in.jsonl'), `${jsonl.join('\n')}\n`);
});

describe('veil apply with worker threads', () => {
  for (const input of ['in.csv', 'in.jsonl']) {
    it(`${input}: 1, 2 and 3 threads write the same output, rejects and report`, () => {
      const outputs = [1, 2, 3].map((threads) => {
        const ext = input.split('.')[1];
        const run = veil(['apply', input, '--policy', 'policy.yaml', '-o', `out${threads}.${ext}`, '--rejects', `rejects${threads}.jsonl`, '--report', `report${threads}.json`, '--threads', String(threads), '-q'], { cwd: dir });
        // The emails left in a kept column are published, with a warning (the same whatever the threads).
        expect(run.stderr).toMatch(/^veil: warning: the residual-PII check found personal data in published columns: city \(email \d+\); .*--fail-on-pii.*\n/);
        // And the rows quarantined as invalid are named.
        expect(run.stderr).toMatch(/\nveil: warning: \d+ of \d+ rows were removed as invalid \(on_invalid: quarantine; max_invalid [\d.]+\)\n$/);
        expect(run.status).toBe(0);
        return {
          stderr: run.stderr,
          out: readFileSync(join(dir, `out${threads}.${ext}`)),
          rejects: readFileSync(join(dir, `rejects${threads}.jsonl`), 'utf8'),
          report: report(`report${threads}.json`),
        };
      });
      // The test means something: several pieces, rows removed, findings made.
      expect(readFileSync(join(dir, input)).length).toBeGreaterThan(2 << 20);
      const r = outputs[0]!.report as { rows: { in: number; out: number; removed: Record<string, number> }; privacy: { residual_pii: { total: number } } };
      expect(r.rows.in).toBe(ROWS);
      expect(r.rows.removed.invalid).toBe(Math.ceil(ROWS / 1009));
      expect(r.rows.out).toBe(ROWS - r.rows.removed.invalid!);
      expect(outputs[0]!.rejects.trimEnd().split('\n')).toHaveLength(r.rows.removed.invalid!);
      expect(r.privacy.residual_pii.total).toBeGreaterThan(0);
      // Every published row was counted in each column's statistics.
      const columns = (outputs[0]!.report as { columns: Record<string, { values: Record<string, number> }> }).columns;
      expect(Object.keys(columns)).toHaveLength(6);
      for (const [name, c] of Object.entries(columns)) expect(c.values.changed! + c.values.unchanged! + c.values.empty!, name).toBe(r.rows.out);
      for (const o of outputs.slice(1)) {
        expect(o.out.equals(outputs[0]!.out)).toBe(true);
        expect(o.rejects).toBe(outputs[0]!.rejects);
        expect(o.stderr).toBe(outputs[0]!.stderr);
        expect(o.report).toEqual(outputs[0]!.report);
      }
    });
  }

  it('starts workers from 4 pieces when --threads asks, from 32 by default, and says so on the summary line', () => {
    const summary = (args: string[]) => veil(['apply', 'in.csv', '--policy', 'policy.yaml', '--rejects', 'r0.jsonl', '-o', 'o0.csv', ...args], { cwd: dir }).stderr;
    expect(summary(['--threads', '2'])).toMatch(/ rows\/s, 2 worker threads; \d warnings? above\n$/);
    expect(summary(['--threads', '3'])).toMatch(/ rows\/s, 3 worker threads; \d warnings? above\n$/);
    // About 2.6 MB: under the default's 8 MiB, and one thread when asked.
    expect(summary([])).toMatch(/ rows\/s; \d warnings? above\n$/);
    expect(summary(['--threads', '1'])).toMatch(/ rows\/s; \d warnings? above\n$/);
  });

  it('stdin and a gzipped file give the same bytes as the file, with threads', () => {
    const file = veil(['apply', 'in.csv', '--policy', 'policy.yaml', '--rejects', 'r1.jsonl', '--threads', '2', '-q'], { cwd: dir });
    const piped = veil(['apply', '--policy', 'policy.yaml', '--rejects', 'r2.jsonl', '--threads', '2', '-q'], { cwd: dir, input: readFileSync(join(dir, 'in.csv')) });
    writeFileSync(join(dir, 'in.csv.gz'), gzipSync(readFileSync(join(dir, 'in.csv'))));
    const gz = veil(['apply', 'in.csv.gz', '--policy', 'policy.yaml', '--rejects', 'r3.jsonl', '--threads', '2', '-q'], { cwd: dir });
    for (const run of [file, piped, gz]) expect(run.status, run.stderr).toBe(0);
    expect(file.stdout.length).toBeGreaterThan(1 << 20);
    expect(piped.stdout).toBe(file.stdout);
    expect(gz.stdout).toBe(file.stdout);
  });

  it('a broken record in a later piece: the same message, exit code and no output, with or without threads', () => {
    const text = readFileSync(join(dir, 'in.csv'), 'utf8').split('\n');
    // The first record that starts at or after line 30,001 (lines inside quoted notes start otherwise) gets a broken quote
    // (a field count that is wrong is removed under this policy's on_invalid: quarantine, not an error).
    const index = text.findIndex((l, i) => i >= 30_000 && /^P\d{6},/.test(l));
    text[index] = `"x"y${text[index]!.slice(text[index]!.indexOf(','))}`;
    writeFileSync(join(dir, 'broken.csv'), text.join('\n'));
    const runs = [1, 2].map((threads) => veil(['apply', 'broken.csv', '--policy', 'policy.yaml', '-o', `broken${threads}.csv`, '--rejects', 'r.jsonl', '--threads', String(threads), '-q'], { cwd: dir }));
    for (const run of runs) {
      expect(run.status).toBe(3);
      expect(run.stderr).toContain(`broken.csv:${index + 1}`);
      expect(run.stderr).toMatch(/a closing quote is followed by something other than a delimiter/);
      expect(run.stderr).toBe(runs[0]!.stderr);
    }
    expect(() => readFileSync(join(dir, 'broken1.csv'))).toThrow();
    expect(() => readFileSync(join(dir, 'broken2.csv'))).toThrow();
  });

  it('--threads must be an integer from 1 to 64, checked before any input is read (also when no worker would start)', () => {
    writeFileSync(join(dir, 'k.yaml'), `${POLICY}k_anonymity: { k: 5, quasi_identifiers: [city] }\n`);
    for (const bad of ['0', '65', 'two', '-1']) {
      for (const policy of ['policy.yaml', 'k.yaml']) {
        const run = veil(['apply', 'in.csv', '--policy', policy, '--rejects', 'r.jsonl', '--threads', bad, '-o', 'x.csv'], { cwd: dir });
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/invalid --threads/);
      }
    }
  });
});
