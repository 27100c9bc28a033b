// Attacks on the k-anonymity and l-diversity promises, played against the
// built CLI: each test takes the attacker's side (the lone masked outlier,
// values that collide in a joined key, a sensitive value drawn twice, a plan
// whose l-diversity is dropped) and recounts k and l from the output itself.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, veil } from '../helpers.js';

/** The groups of published rows sharing every quasi-identifier value (compared as arrays, never joined), with their sensitive values. */
function groups(rows: Record<string, unknown>[], qis: readonly string[], sensitive?: string): { size: number; sensitive: Set<unknown> }[] {
  const found: { key: unknown[]; size: number; sensitive: Set<unknown> }[] = [];
  const index = new Map<string, typeof found>();
  for (const r of rows) {
    const key = qis.map((q) => r[q]);
    const hash = JSON.stringify(key);
    const bucket = index.get(hash) ?? [];
    index.set(hash, bucket);
    let g = bucket.find((x) => x.key.every((v, i) => v === key[i]));
    if (!g) bucket.push((g = { key, size: 0, sensitive: new Set() }));
    g.size++;
    if (sensitive) g.sensitive.add(r[sensitive]);
  }
  return [...index.values()].flat();
}

const csvRows = (text: string): Record<string, string>[] => parse(text, { columns: true }) as Record<string, string>[];
const jsonRows = (text: string): Record<string, unknown>[] => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** The attacker's view: every published group (the all-'*' one included) holds k rows and l distinct sensitive values. */
function expectKAndL(out: Record<string, unknown>[], k: number, l: number): void {
  for (const g of groups(out, ['age', 'zip'], 'diagnosis')) {
    expect(g.size).toBeGreaterThanOrEqual(k);
    expect(g.sensitive.size).toBeGreaterThanOrEqual(l);
  }
}

/** Five tidy classes of 40 rows (one age, one ZIP code each), each with two diagnoses. */
function tidyClasses(): string[] {
  const rows = ['age,zip,diagnosis'];
  for (let c = 0; c < 5; c++) for (let i = 0; i < 40; i++) rows.push(`${30 + 10 * c},0213${c},${i % 2 ? 'flu' : 'cold'}`);
  return rows;
}

describe('attack: the masked outlier (suppressed: mask)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    // Five tidy classes plus one outlier everybody can recognize.
    const rows = tidyClasses();
    rows.splice(101, 0, '104,99999,cancer');
    writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
    writeFileSync(
      join(dir, 'mask.yaml'),
      'version: 1\ncolumns: { age: keep, zip: keep, diagnosis: keep }\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age, zip]\n  l_diversity: { sensitive: diagnosis, l: 2 }\n  max_suppression: 0.02\n  suppressed: mask\n',
    );
  });

  it('never publishes a group of masked rows smaller than k or not l-diverse, and the report and check agree', () => {
    const run = veil(['apply', 'in.csv', '--policy', 'mask.yaml', '-o', 'out.csv', '--report', 'report.json', '-q'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = csvRows(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expectKAndL(out, 5, 2);
    expect(out.some((r) => r.diagnosis === 'cancer')).toBe(false);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    // The lone masked row could not be published: it is removed, and counted.
    expect(report.rows).toEqual({ in: 201, out: 200, removed: { k_anonymity: 1 } });
    expect(report.privacy.k_anonymity.achieved.k).toBe(Math.min(...groups(out, ['age', 'zip']).map((g) => g.size)));
    const check = veil(['check', 'out.csv', '--policy', 'mask.yaml'], { cwd: dir });
    expect(check.status).toBe(0);
  });

  it('removes a masked group of k rows that all share one diagnosis', () => {
    const rows = tidyClasses();
    // Five outliers, one per class, all with cancer: too uniform to form a class of their own.
    for (let c = 0; c < 5; c++) rows.push(`${101 + c},0213${c},cancer`);
    writeFileSync(join(dir, 'five.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'mask5.yaml'), readFileSync(join(dir, 'mask.yaml'), 'utf8').replace('0.02', '0.05'));
    const run = veil(['apply', 'five.csv', '--policy', 'mask5.yaml', '-o', 'five.out.csv', '--report', 'five.json', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    const out = csvRows(readFileSync(join(dir, 'five.out.csv'), 'utf8'));
    expectKAndL(out, 5, 2);
    expect(out.some((r) => r.diagnosis === 'cancer')).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'five.json'), 'utf8')).rows.removed).toEqual({ k_anonymity: 5 });
  });

  it('publishes masked rows that form a class of k l-diverse rows, and measures them as one class', () => {
    const train = tidyClasses();
    writeFileSync(join(dir, 'train.csv'), `${train.join('\n')}\n`);
    expect(veil(['apply', 'train.csv', '--policy', 'mask.yaml', '--plan-out', 'plan.json', '-o', 'train.out.csv', '-q'], { cwd: dir }).status).toBe(0);
    // New data: the same classes, plus six rows no class of the plan covers, with two diagnoses.
    const rows = [...train];
    for (let i = 0; i < 6; i++) rows.push(`${101 + i},9999${i},${i % 2 ? 'cancer' : 'hiv'}`);
    writeFileSync(join(dir, 'six.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'mask6.yaml'), readFileSync(join(dir, 'mask.yaml'), 'utf8').replace('0.02', '0.05'));
    const run = veil(['apply', 'six.csv', '--policy', 'mask6.yaml', '--plan', 'plan.json', '-o', 'six.out.csv', '--report', 'six.json', '-q'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = csvRows(readFileSync(join(dir, 'six.out.csv'), 'utf8'));
    expect(out.filter((r) => r.age === '*' && r.zip === '*').length).toBe(6);
    const report = JSON.parse(readFileSync(join(dir, 'six.json'), 'utf8'));
    expect(report.rows.removed).toEqual({});
    const sizes = groups(out, ['age', 'zip']).map((g) => g.size);
    expect(report.privacy.k_anonymity.achieved.classes).toBe(sizes.length);
    expect(report.privacy.k_anonymity.achieved.k).toBe(Math.min(...sizes));
    expect(report.privacy.k_anonymity.achieved.k).toBe(6);
    expect(veil(['check', 'six.out.csv', '--policy', 'mask6.yaml'], { cwd: dir }).status).toBe(0);
  });

  it('veil check counts a group of all-* rows as a class: one * row beside five others is k=1', () => {
    writeFileSync(join(dir, 'lone.csv'), 'age,zip\n30,02139\n30,02139\n30,02139\n30,02139\n30,02139\n*,*\n');
    const check = veil(['check', 'lone.csv', '--qi', 'age,zip', '--k', '5'], { cwd: dir });
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/NOT met/);
    expect(check.stdout).toMatch(/smallest class 1 rows/);
  });
});

describe('attack: values that collide in a joined key', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it('veil check keeps ("x\\0", "y") and ("x", "\\0y") apart', () => {
    const input = `${JSON.stringify({ a: 'x\u0000', b: 'y' })}\n${JSON.stringify({ a: 'x', b: '\u0000y' })}\n`;
    writeFileSync(join(dir, 'nul.jsonl'), input);
    const check = veil(['check', 'nul.jsonl', '--qi', 'a,b', '--k', '2'], { cwd: dir });
    expect(check.stdout).toMatch(/2 rows in 2 classes/);
    expect(check.status).toBe(1);
  });

  it('a plan whose outputs collide when joined cannot publish classes of one', () => {
    const plan = {
      format: 'veil-plan',
      version: 1,
      k: 2,
      l_diversity: null,
      quasi_identifiers: [{ name: 'a', kind: 'set' }, { name: 'b', kind: 'set' }],
      classes: [
        { size: 2, match: { a: { in: ['x\u0000'] }, b: { in: ['y'] } }, output: { a: 'x\u0000', b: 'y' } },
        { size: 2, match: { a: { in: ['x'] }, b: { in: ['\u0000y'] } }, output: { a: 'x', b: '\u0000y' } },
      ],
    };
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { a: keep, b: keep }\n');
    const input = `${JSON.stringify({ a: 'x\u0000', b: 'y' })}\n${JSON.stringify({ a: 'x', b: '\u0000y' })}\n`;
    writeFileSync(join(dir, 'new.jsonl'), input);
    const run = veil(['apply', 'new.jsonl', '--policy', 'p.yaml', '--plan', 'plan.json', '-o', 'out.jsonl'], { cwd: dir });
    // Each class holds one row: both must be suppressed, which the budget (0) does not allow.
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SUPPRESSION_OVER_BUDGET/);
  });
});

describe('attack: a plan applied without the l-diversity it was made with', () => {
  it('keeps the plan\'s l as the floor: every class all "hiv" cannot be published', () => {
    const dir = tempDir();
    const train = ['age,diagnosis'];
    for (let i = 0; i < 100; i++) train.push(`${20 + (i % 50)},${i % 2 ? 'flu' : 'hiv'}`);
    writeFileSync(join(dir, 'train.csv'), `${train.join('\n')}\n`);
    writeFileSync(join(dir, 'l2.yaml'), 'version: 1\ncolumns: { age: keep, diagnosis: keep }\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age]\n  l_diversity: { sensitive: diagnosis, l: 2 }\n');
    expect(veil(['apply', 'train.csv', '--policy', 'l2.yaml', '--plan-out', 'plan.json', '-o', 'train.out.csv', '-q'], { cwd: dir }).status).toBe(0);
    const test = ['age,diagnosis'];
    for (let i = 0; i < 100; i++) test.push(`${20 + (i % 50)},hiv`);
    writeFileSync(join(dir, 'test.csv'), `${test.join('\n')}\n`);
    writeFileSync(join(dir, 'k-only.yaml'), 'version: 1\ncolumns: { age: keep, diagnosis: keep }\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age]\n  max_suppression: 0.5\n');
    const run = veil(['apply', 'test.csv', '--policy', 'k-only.yaml', '--plan', 'plan.json', '-o', 'test.out.csv'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/l=2/);
  });
});
describe('a numeric quasi-identifier with empty values', () => {
  it('keeps the numbers as ranges and the empty values as their own value', () => {
    const dir = tempDir();
    const rows = ['age,sex'];
    for (let i = 0; i < 200; i++) rows.push(`${i % 10 === 0 ? '' : 20 + (i % 60)},${i % 2 ? 'F' : 'M'}`);
    writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { age: keep, sex: keep }\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age, sex]\n');
    const run = veil(['apply', 'in.csv', '--policy', 'p.yaml', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    const out = csvRows(run.stdout);
    const ages = new Set(out.map((r) => r.age));
    for (const a of ages) expect(a).toMatch(/^(\d+(-\d+)?|\*|)$/);
    // The 20 empty ages (k=5, two sexes) are a class of their own in each sex.
    expect(out.filter((r) => r.age === '').length).toBe(20);
    for (const g of groups(out, ['age', 'sex'])) expect(g.size).toBeGreaterThanOrEqual(5);
  });
});
describe('attack: a randomized sensitive value drawn twice', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    const rows = ['age,zip,smoker'];
    for (let i = 0; i < 400; i++) rows.push(`${20 + (i % 40)},${10000 + (i % 7)},${i % 3 === 0 ? 'yes' : 'no'}`);
    writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
    writeFileSync(
      join(dir, 'rr.yaml'),
      'version: 1\ncolumns:\n  age: keep\n  zip: keep\n  smoker: { transform: randomized-response, epsilon: 1, values: [yes, no] }\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age, zip]\n  l_diversity: { sensitive: smoker, l: 2 }\n',
    );
  });

  it('publishes the values the classes were made on: l holds in every unseeded run', () => {
    for (let run = 0; run < 6; run++) {
      const r = veil(['apply', 'in.csv', '--policy', 'rr.yaml', '-q'], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const g of groups(csvRows(r.stdout), ['age', 'zip'], 'smoker')) {
        expect(g.size).toBeGreaterThanOrEqual(5);
        expect(g.sensitive.size).toBe(2);
      }
    }
  });
});


describe('the report counts what was published', () => {
  it('a kept quasi-identifier that k-anonymity generalized is counted as changed, value by value', () => {
    const dir = tempDir();
    const rows = ['age,sex,zip'];
    for (let i = 0; i < 300; i++) rows.push(`${20 + ((i * 7) % 73)},${i % 3 ? 'F' : 'M'},${i % 5 === 0 ? '' : `0213${i % 4}`}`);
    writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { age: keep, sex: keep, zip: keep }\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age, sex, zip]\n');
    expect(veil(['apply', 'in.csv', '--policy', 'p.yaml', '-o', 'out.csv', '--report', 'r.json', '-q'], { cwd: dir }).status).toBe(0);
    const input = csvRows(`${rows.join('\n')}\n`);
    const output = csvRows(readFileSync(join(dir, 'out.csv'), 'utf8'));
    const columns = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).columns;
    for (const q of ['age', 'sex', 'zip']) {
      const changed = output.filter((r, i) => r[q] !== input[i]![q]).length;
      const empty = output.filter((r, i) => r[q] === '' && input[i]![q] === '').length;
      expect(columns[q].values, q).toEqual({ changed, unchanged: output.length - changed - empty, empty, ...(changed > 0 && { generalized_by_k_anonymity: changed }) });
    }
    expect(columns.age.values.changed + columns.zip.values.changed).toBeGreaterThan(50);
  });
});

describe('attack: the rows a representative gives their own tuple', () => {
  // The auditor's view: the input beside the output, row by row (nothing is suppressed, so row i is row i).
  const QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation'];
  const example = join(import.meta.dirname, '..', '..', 'examples', 'adult');
  let work: string;
  let raw: Record<string, string>[];
  beforeAll(() => {
    work = tempDir();
    raw = parse(readFileSync(join(example, 'adult-sample.csv'), 'utf8'), { columns: true, delimiter: ';' }) as Record<string, string>[];
  });

  /** Runs the example policy at k=5, nothing suppressed, in a form; returns the rows and the report's risk section. */
  function publish(name: string, form: string, engine = 'stream'): { rows: Record<string, string>[]; risk: Record<string, number> } {
    const policy = readFileSync(join(example, 'policy.yaml'), 'utf8').replace('max_suppression: 0.05', 'max_suppression: 0').replace(/adult_hierarchy_/g, `${example}/adult_hierarchy_`);
    writeFileSync(join(work, `${name}.yaml`), policy + form);
    const r = veil(['apply', join(example, 'adult-sample.csv'), '--policy', `${name}.yaml`, '-o', `${name}.csv`, '--report', `${name}.json`, '--engine', engine, '--delimiter', ';', '--output-delimiter', ';'], { cwd: work });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.status).toBe(0);
    const rows = parse(readFileSync(join(work, `${name}.csv`), 'utf8'), { columns: true, delimiter: ';' }) as Record<string, string>[];
    expect(rows.length).toBe(raw.length);
    return { rows, risk: JSON.parse(readFileSync(join(work, `${name}.json`), 'utf8')).privacy.k_anonymity.risk };
  }
  const own = (rows: Record<string, string>[]) => rows.filter((o, i) => QIS.every((q) => o[q] === raw[i]![q])).length;
  const k = (rows: Record<string, string>[]) => Math.min(...groups(rows, QIS).map((g) => g.size));

  it('the report gives the share of rows published with their own raw tuple, as counted from the output', () => {
    const [gen, rep] = [publish('generalized', ''), publish('representative', '  publish: representative\n')];
    for (const { rows, risk } of [gen, rep]) {
      expect(risk.own_tuple_rows).toBe(own(rows));
      expect(risk.own_tuple_share).toBeCloseTo(own(rows) / rows.length, 5);
    }
    // Generalized output gives a row its own tuple only in a class of one tuple; a representative does more.
    expect(gen.risk.own_tuple_rows).toBe(gen.risk.own_tuple_rows_of_uniform_classes);
    expect(rep.risk.own_tuple_rows).toBeGreaterThan(gen.risk.own_tuple_rows);
  });

  it('max_own_share caps it: classes over the cap fall back to generalized values, and the output stays k-anonymous', () => {
    const gen = own(publish('generalized', '').rows);
    const free = own(publish('representative', '  publish: representative\n').rows);
    for (const cap of [0, 0.2, 0.5]) {
      const { rows, risk } = publish(`cap-${cap}`, `  publish: representative\n  representative: { max_own_share: ${cap} }\n`);
      const mine = own(rows);
      expect(risk.own_tuple_rows).toBe(mine);
      // Beyond the classes of one tuple (their own in any form), at most the cap's share.
      expect(mine, `cap ${cap}`).toBeLessThanOrEqual(gen + cap * rows.length);
      expect(mine).toBeLessThanOrEqual(free);
      expect(risk.classes_generalized_for_max_own_share).toBeGreaterThan(0);
      expect(k(rows)).toBeGreaterThanOrEqual(5);
      if (cap === 0) expect(mine).toBe(gen);
    }
  });

  it('the DuckDB engine publishes and counts the same', () => {
    const form = '  publish: representative\n  representative: { max_own_share: 0.2 }\n';
    const stream = publish('cap-stream', form);
    const duck = publish('cap-duckdb', form, 'duckdb');
    expect(duck.rows).toEqual(stream.rows);
    expect(duck.risk).toEqual(stream.risk);
  });
});
