// k-anonymity in-process: the partition and recoding checked by independent
// re-grouping and recomputation, never by the code's own figures.

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERALIZED } from '../src/privacy/k-anonymity.js';
import { parseHierarchy, type Hierarchy } from '../src/lib/hierarchy.js';
import { combinations } from '../src/privacy/combinations.js';
import { diversityOf } from '../src/privacy/measures.js';
import { partition } from '../src/privacy/mondrian.js';
import { buildPlan, parsePlan, planMatcher } from '../src/privacy/plan.js';
import { QiCollector, type QiTable } from '../src/privacy/qi-table.js';
import { parseSetValue, recode } from '../src/privacy/recode.js';
import { tupleKey, tupleValues } from '../src/lib/tuple-key.js';
import { REPO } from './helpers.js';

const EDUCATION = parseHierarchy(readFileSync(join(REPO, 'fixtures/adult/adult_hierarchy_education.csv'), 'utf8')) as { hierarchy: Hierarchy };
const LEAVES = [...EDUCATION.hierarchy.rows.keys()];

function table(rows: readonly string[][], names: readonly string[], hierarchies: Record<string, Hierarchy> = {}, sensitive?: readonly string[]): QiTable {
  const c = new QiCollector(names, new Map(Object.entries(hierarchies).map(([n, h]) => [n, { hierarchy: h }])), sensitive ? 'sensitive' : undefined);
  rows.forEach((r, i) => c.add(r, sensitive?.[i]));
  return c.finish();
}

/** Does a published value cover the original one? Read independently from the formats in the README. */
function covers(published: string, original: string, hierarchy?: Hierarchy): boolean {
  if (published === '*') return true;
  if (hierarchy) return hierarchy.rows.get(original)!.includes(published);
  let m = /^(-?\d+)-(-?\d+)$/.exec(published);
  const x = Number(original);
  if (m && original !== '' && !Number.isNaN(x)) return x >= Number(m[1]) && x <= Number(m[2]);
  m = /^\[(-?[\d.e+-]+), (-?[\d.e+-]+)\]$/.exec(published);
  if (m && original !== '' && !Number.isNaN(x)) return x >= Number(m[1]) && x <= Number(m[2]);
  return parseSetValue(published).includes(original);
}

/** GCP recomputed from the published values, per the definition in the issue and README. */
function gcpOf(input: readonly string[][], output: readonly (readonly string[] | undefined)[], hierarchies: (Hierarchy | undefined)[]): number {
  const dims = input[0]!.length;
  let loss = 0;
  for (let j = 0; j < dims; j++) {
    const column = input.map((r) => r[j]!);
    const distinct = new Set(column);
    // Numbers, the empty value aside (a value of its own, outside every range).
    const numeric = !hierarchies[j] && column.some((v) => v !== '') && column.every((v) => v === '' || !Number.isNaN(Number(v)));
    const nums = numeric ? column.filter((v) => v !== '').map(Number) : [];
    const range = numeric ? Math.max(...nums) - Math.min(...nums) || 1 : 1;
    output.forEach((o, r) => {
      if (!o) return void (loss += 1);
      const v = o[j]!;
      if (v === '*') return void (loss += 1);
      if (v === input[r]![j] && !v.includes('|')) return;
      if (hierarchies[j]) {
        const h = hierarchies[j]!;
        const level = h.rows.get(input[r]![j]!)!.indexOf(v);
        loss += level === 0 ? 0 : [...distinct].filter((d) => h.rows.get(d)![level] === v).length / distinct.size;
      } else if (numeric) {
        const m = /^(-?\d+)-(-?\d+)$/.exec(v) ?? /^\[(-?[\d.e+-]+), (-?[\d.e+-]+)\]$/.exec(v);
        loss += m ? (Number(m[2]) - Number(m[1])) / range : 0;
      } else {
        const set = parseSetValue(v);
        loss += set.length === 1 ? 0 : set.length / distinct.size;
      }
    });
  }
  return loss / (input.length * dims);
}

const rowArb = fc.tuple(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 17, max: 90 }) }, { weight: 1, arbitrary: fc.constant('') }), fc.constantFrom('M', 'F'), fc.constantFrom('a', 'b|c', 'd\\e', '*', ''), fc.constantFrom(...LEAVES));

describe('k-anonymous recoding', () => {
  it('every published class holds at least k rows, every value covers its input, and GCP matches an independent recount', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 0.05), (raw, k, budget) => {
        const rows = raw.map(([age, sex, s, edu]) => [String(age), sex, s, edu]);
        const names = ['age', 'sex', 's', 'edu'];
        const t = table(rows, names, { edu: EDUCATION.hierarchy });
        const p = partition(t, k, undefined, Math.floor(budget * rows.length));
        const r = recode(t, p);
        const output = rows.map((_, i) => (r.classOf[i] === -1 ? undefined : r.outputs[r.classOf[i]!]!));
        // Independent re-grouping by published values.
        const groups = new Map<string, number>();
        for (const o of output) if (o) groups.set(o.join('\u0000'), (groups.get(o.join('\u0000')) ?? 0) + 1);
        for (const size of groups.values()) expect(size).toBeGreaterThanOrEqual(k);
        const suppressed = output.filter((o) => !o).length;
        expect(suppressed + [...groups.values()].reduce((a, b) => a + b, 0)).toBe(rows.length);
        if (rows.length >= k) expect(suppressed).toBeLessThanOrEqual(Math.floor(budget * rows.length));
        else expect(suppressed).toBe(rows.length);
        output.forEach((o, i) => {
          if (!o) return;
          o.forEach((v, j) => expect(covers(v, rows[i]![j]!, j === 3 ? EDUCATION.hierarchy : undefined), `${v} covers ${rows[i]![j]}`).toBe(true));
        });
        // Identical combinations share a class: the recoding is a function of the values.
        const byCombo = new Map<string, number>();
        rows.forEach((row, i) => {
          const key = row.join('\u0000');
          if (byCombo.has(key)) expect(r.classOf[i]).toBe(byCombo.get(key));
          byCombo.set(key, r.classOf[i]!);
        });
        expect(r.gcp).toBeCloseTo(gcpOf(rows, output, [undefined, undefined, undefined, EDUCATION.hierarchy]), 9);
      }),
      { seed: 21, numRuns: 150 },
    );
  });

  it('l-diversity: every class holds l distinct sensitive values (recounted)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(rowArb, fc.constantFrom('x', 'y', 'z', 'x', 'x')), { minLength: 10, maxLength: 200 }), fc.integer({ min: 2, max: 3 }), (raw, l) => {
        const rows = raw.map(([[age, sex]]) => [String(age), sex]);
        const sensitive = raw.map(([, s]) => s);
        const t = table(rows, ['age', 'sex'], {}, sensitive);
        const r = recode(t, partition(t, 2, { sensitive: 'sensitive', l, variant: 'distinct', c: undefined }));
        const classes = new Map<number, Set<string>>();
        rows.forEach((_, i) => {
          const c = r.classOf[i]!;
          if (c >= 0) classes.set(c, (classes.get(c) ?? new Set()).add(sensitive[i]!));
        });
        if (new Set(sensitive).size >= l) for (const s of classes.values()) expect(s.size).toBeGreaterThanOrEqual(l);
        else expect(classes.size).toBe(0); // the whole table cannot be l-diverse: all suppressed
      }),
      { seed: 22, numRuns: 100 },
    );
  });

  it('edge cases: k above the row count, one row, a constant column, duplicates at the cut, empty values', () => {
    const few = table([['30'], ['31'], ['32']], ['age']);
    expect(recode(few, partition(few, 5, undefined)).suppressed).toBe(3);
    const one = table([['30']], ['age']);
    expect(recode(one, partition(one, 1, undefined)).outputs).toEqual([['30']]);
    expect(recode(one, partition(one, 2, undefined)).suppressed).toBe(1);
    const constant = table(Array.from({ length: 10 }, (_, i) => ['same', String(i)]), ['c', 'n']);
    const rc = recode(constant, partition(constant, 3, undefined));
    expect(rc.outputs.every((o) => o[0] === 'same')).toBe(true);
    // 8 rows of 40, 2 of 41, 5 of 60: the 40s cannot be split, so with k=3 the two 41s join them.
    const dup = table([...Array(8).fill(['40']), ['41'], ['41'], ...Array(5).fill(['60'])], ['age']);
    expect(recode(dup, partition(dup, 3, undefined)).outputs).toEqual([['40-41'], ['60']]);
    const empty = table([[''], [''], ['x'], ['x']], ['v']);
    const re = recode(empty, partition(empty, 2, undefined));
    expect(re.outputs.map((o) => o[0]).sort()).toEqual(['', 'x']);
  });

  it('a value containing | or \\ round-trips through the set format', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', '|', '\\', '*'), minLength: 1 }), { minLength: 1, maxLength: 5 }), (values) => {
        // The five Q rows form one class, the values another (k = their count).
        const t = table([...values.map((v) => [v]), ...Array(5).fill(['Q'])], ['v']);
        const r = recode(t, partition(t, values.length, undefined));
        const published = r.outputs.map((o) => o[0]!).filter((o) => o !== 'Q');
        expect(published).toHaveLength(1);
        expect(new Set(parseSetValue(published[0]!))).toEqual(new Set(values));
      }),
      { seed: 23, numRuns: 200 },
    );
  });

  it('a plan maps every row of its own data to its class, and rows outside every class to none', () => {
    const rows = Array.from({ length: 200 }, (_, i) => [i % 13 === 0 ? '' : String(20 + (i % 40)), i % 3 === 0 ? 'F' : 'M', LEAVES[i % LEAVES.length]!]);
    const t = table(rows, ['age', 'sex', 'edu'], { edu: EDUCATION.hierarchy });
    const r = recode(t, partition(t, 5, undefined));
    const model = { k: 5, quasiIdentifiers: ['age', 'sex', 'edu'], maxSuppression: 0, hierarchies: new Map(), lDiversity: undefined, suppressed: 'remove' as const, riskThreshold: 0.2, publish: GENERALIZED };
    const plan = parsePlan(JSON.stringify(buildPlan(model, t.dims.map((d) => d.kind), r.classes())));
    expect(typeof plan).toBe('object');
    const match = planMatcher(plan as Exclude<typeof plan, string>);
    rows.forEach((row, i) => expect(match(row)).toBe(r.classOf[i]));
    expect(match(['200', 'M', 'Bachelors'])).toBe(-1);
    expect(match(['30', 'X', 'Bachelors'])).toBe(-1);
    // Empty ages are matched by the classes that hold them, never by a range alone.
    expect(t.dims[0]!.kind).toBe('numeric');
    expect(r.outputs.every((o) => /^(\d+(-\d+)?|\*|)$/.test(o[0]!))).toBe(true);
    expect(JSON.stringify(plan)).not.toMatch(/key|seed/i);
    expect(parsePlan('{"format":"veil-plan","version":2}')).toMatch(/version/);
  });
});

describe('combinations (what the partitioner works on)', () => {
  it('one per distinct combination (with the sensitive value when asked), numbered by first row, weighted by its rows', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('1', '2', '3'), fc.constantFrom('a', 'b'), fc.constantFrom('x', 'y')), { maxLength: 80 }), fc.boolean(), (raw, withSensitive) => {
        const t = table(raw.map(([a, b]) => [a, b]), ['a', 'b'], {}, raw.map(([, , s]) => s));
        const c = combinations(t, withSensitive);
        // Independent grouping by the text of each row's key, in order of first appearance.
        const keyOf = (r: number): string => raw[r]!.slice(0, withSensitive ? 3 : 2).join('\u0000');
        const groups = new Map<string, number[]>();
        raw.forEach((_, r) => groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]));
        const expected = [...groups.values()];
        expect(c.table.rows).toBe(expected.length);
        expected.forEach((rows, id) => {
          expect(c.weight[id]).toBe(rows.length);
          expect(rows.every((r) => c.combinationOf[r] === id)).toBe(true);
          expect(c.table.dims.map((d) => d.values[d.codes[id]!])).toEqual(raw[rows[0]!]!.slice(0, 2));
        });
      }),
    );
  });

  it('stays exact when the columns together have more values than a double counts exactly (2^53)', () => {
    // Four columns of about 2,000 values, then one of 1,000: the key is folded into dense ids before the fifth.
    // Rows r, r + 1000 and r + 2000 differ only in the first four, which the fold must keep.
    const raw = Array.from({ length: 3000 }, (_, r) => [...[7, 11, 13, 17].map((m) => String((r * m) % 2003)), String(r % 1000), 'same']);
    raw.push(...raw.slice(0, 400)); // repeated combinations
    const t = table(raw, ['a', 'b', 'c', 'd', 'e', 'f']);
    expect(t.dims[0]!.cardinality ** 4).toBeLessThan(2 ** 53);
    expect(t.dims.reduce((p, d) => p * d.cardinality, 1)).toBeGreaterThan(2 ** 53);
    expect(new Set(raw.map((row) => row.join())).size).toBe(3000);
    const c = combinations(t, false);
    const ids = new Map<string, number>();
    raw.forEach((row, r) => {
      const key = row.join('\u0000');
      if (!ids.has(key)) ids.set(key, ids.size);
      expect(c.combinationOf[r]).toBe(ids.get(key));
    });
    expect(c.table.rows).toBe(ids.size);
  });
});

describe('tiers on Adult (8 quasi-identifiers, 7 hierarchies)', () => {
  const dir = join(REPO, 'fixtures/adult');
  const lines = readFileSync(join(dir, 'adult.csv'), 'utf8').trim().split('\n').map((l) => l.split(';'));
  const names = lines[0]!.slice(0, 8);
  const rows = lines.slice(1).map((l) => l.slice(0, 8));
  const hierarchies = Object.fromEntries(
    names.filter((n) => n !== 'age').map((n) => [n, (parseHierarchy(readFileSync(join(dir, `adult_hierarchy_${n}.csv`), 'utf8')) as { hierarchy: Hierarchy }).hierarchy]),
  );
  const t = table(rows, names, hierarchies);
  const model = (k: number) => ({ k, quasiIdentifiers: names, maxSuppression: 0.01, hierarchies: new Map(), lDiversity: undefined, suppressed: 'remove' as const, riskThreshold: 0.2, publish: GENERALIZED });

  it('deferred rows form later classes that overlap earlier ones; the first matching class is each row\'s own, suppressed rows match none', () => {
    const k = 20;
    const r = recode(t, partition(t, k, undefined, Math.floor(0.01 * rows.length)));
    const plan = parsePlan(JSON.stringify(buildPlan(model(k), t.dims.map((d) => d.kind), r.classes())));
    if (typeof plan === 'string') throw new Error(plan);
    // Every class a row matches, read from the plan's JSON independently of planMatcher.
    const matches = (row: readonly string[]): number[] =>
      plan.classes.flatMap((c, ci) =>
        names.every((n, j) => {
          const m = c.match[n]!;
          return 'in' in m ? m.in.includes(row[j]!) : Number(row[j]) >= m.min && Number(row[j]) <= m.max;
        })
          ? [ci]
          : [],
      );
    const match = planMatcher(plan);
    let overlapping = 0;
    rows.forEach((row, i) => {
      const all = matches(row);
      if (all.length > 1) overlapping++;
      expect(all[0] ?? -1).toBe(r.classOf[i]);
      expect(match(row)).toBe(r.classOf[i]);
    });
    // The test means something only if tiers were made and do overlap.
    expect(overlapping).toBeGreaterThan(0);
    expect(r.suppressed).toBeGreaterThan(0);
    const sizes = new Map<number, number>();
    for (const c of r.classOf) if (c >= 0) sizes.set(c, (sizes.get(c) ?? 0) + 1);
    for (const n of sizes.values()) expect(n).toBeGreaterThanOrEqual(k);
  });
});

describe('diversity measures', () => {
  it('distinct, entropy and recursive (c, l) on known counts', () => {
    expect(diversityOf([5, 0, 3], 'distinct')).toBe(2);
    expect(diversityOf([1, 1, 1, 1], 'entropy')).toBeCloseTo(4, 9); // uniform over 4: e^ln4
    expect(diversityOf([9, 1], 'entropy')).toBeCloseTo(Math.exp(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1))), 9);
    // recursive: r1 < c (r_l + ... + r_m); counts 5,3,2 with c=2: l=2 holds (5 < 2*5), l=3 holds (5 < 2*2? no).
    expect(diversityOf([5, 3, 2], 'recursive', 2)).toBe(2);
    expect(diversityOf([5, 3, 2], 'recursive', 3)).toBe(3);
  });
});

describe('tuple keys', () => {
  it('are injective and read back: no two tuples share a key, whatever characters they hold', () => {
    const tuple = fc.array(fc.string({ unit: fc.constantFrom('x', 'y', ':', '1', '\u0000', '|', 'é') }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        expect(tupleValues(tupleKey(a))).toEqual(a);
        expect(tupleKey(a) === tupleKey(b)).toBe(a.length === b.length && a.every((v, i) => v === b[i]));
      }),
      { numRuns: 2000, seed: 12 },
    );
  });
});
