// The utility measures against values computed by hand, the sample's
// uniformity and merging, and the report's utility section through the CLI:
// the noise warning, the model's accuracies, and that no protected value
// reaches the section.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cramersV, kolmogorovSmirnov, moments, numberOf, pearson, totalVariation } from '../src/utility/measures.js';
import { priorityOf, UtilitySample, type SampledRow } from '../src/utility/sample.js';
import { TEST_KEY, tempDir, veil } from './helpers.js';

describe('utility measures, by hand', () => {
  it('total variation: half the sum of the differences of the shares', () => {
    // a .5 b .25 c .25 against a .25 b .5 d .25: (.25 + .25 + .25 + .25) / 2
    expect(totalVariation(['a', 'a', 'b', 'c'], ['a', 'b', 'b', 'd'])).toBeCloseTo(0.5, 12);
    expect(totalVariation(['x', 'y'], ['y', 'x'])).toBe(0);
    expect(totalVariation(['x'], ['y'])).toBe(1);
  });

  it('Kolmogorov-Smirnov: the largest gap of the two distribution functions', () => {
    // At 3: 3/4 against 1/4; at 4: 1 against 2/4.
    expect(kolmogorovSmirnov([1, 2, 3, 4], [3, 4, 5, 6])).toBeCloseTo(0.5, 12);
    expect(kolmogorovSmirnov([1, 1, 2], [2, 1, 1])).toBe(0);
    expect(kolmogorovSmirnov([1, 2], [3, 4])).toBe(1);
  });

  it('mean and population standard deviation', () => {
    expect(moments([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2 });
  });

  it("Pearson's r and Cramér's V", () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12); // cov 1 / (1.118 * 1.118)
    // x: p 2, q 1; y: p 0, q 3. Expected 1, 2, 1, 2; chi2 = 1 + 1/2 + 1 + 1/2 = 3; V = sqrt(3 / 6).
    expect(cramersV(['x', 'x', 'x', 'y', 'y', 'y'], ['p', 'p', 'q', 'q', 'q', 'q'])).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(cramersV(['x', 'x', 'y', 'y'], ['p', 'q', 'p', 'q'])).toBe(0);
    expect(cramersV(['x', 'y', 'z'], ['a', 'b', 'c'])).toBeCloseTo(1, 12);
    // Values are kept apart however they are written ("ab" + "c" is not "a" + "bc").
    expect(cramersV(['ab', 'a', 'ab', 'a'], ['c', 'bc', 'c', 'bc'])).toBeCloseTo(1, 12);
  });

  it('reads published numbers, ranges as midpoints, and nothing else', () => {
    expect(numberOf('37')).toBe(37);
    expect(numberOf('30-39')).toBe(34.5);
    expect(numberOf('[1.5, 2.25]')).toBe(1.875);
    expect(numberOf('[20000, 50000)')).toBe(35000);
    expect(numberOf('90+')).toBe(90);
    expect(numberOf('-3--1')).toBe(-2);
    for (const x of ['*', '', 'a|b', 'Male', '1984-03-12']) expect(numberOf(x)).toBeUndefined();
  });
});

describe('the utility sample', () => {
  const row = (line: number): SampledRow => ({ priority: priorityOf(line), line, input: [String(line)], output: [String(line)] });

  it('is the same rows whichever writers saw which rows (bottom-k merges)', () => {
    const one = new UtilitySample(true, 200);
    for (let line = 1; line <= 20_000; line++) one.offer(row(line));
    // Two writers, the main thread telling them now and then what its sample has reached.
    const a = new UtilitySample(false, 200);
    const b = new UtilitySample(false, 200);
    const merged = new UtilitySample(true, 200);
    for (let line = 1; line <= 20_000; line++) {
      const w = line % 1000 < 500 ? a : b;
      if (w.wants(line)) w.offer(row(line));
      else w.skip();
      if (line % 997 === 0) {
        merged.absorb((line % 2 ? a : b).take());
        a.narrow(merged.reached);
        b.narrow(merged.reached);
      }
    }
    merged.absorb(a.take());
    merged.absorb(b.take());
    expect(merged.rows().map((r) => r.line)).toEqual(one.rows().map((r) => r.line));
    expect(merged.seen).toBe(20_000);
  });

  it('is uniform over the input: the mean line of 2,000 of 200,000 lies within 3 standard errors of the middle', () => {
    const s = new UtilitySample(true, 2000);
    for (let line = 1; line <= 200_000; line++) s.offer(row(line));
    const mean = s.rows().reduce((sum, r) => sum + r.line, 0) / 2000;
    const se = 200_000 / Math.sqrt(12) / Math.sqrt(2000);
    expect(Math.abs(mean - 100_000)).toBeLessThan(3 * se);
    // And by decile: a chi-square with 9 degrees of freedom below its 0.999 quantile (27.9).
    const counts = new Array(10).fill(0);
    for (const r of s.rows()) counts[Math.floor((r.line - 1) / 20_000)]++;
    expect(counts.reduce((c, n) => c + (n - 200) ** 2 / 200, 0)).toBeLessThan(27.9);
  });
});

describe('the report\'s utility section', () => {
  const dir = tempDir();
  const rows: string[] = ['id,email,age,income,group'];
  let x = 11;
  const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
  for (let i = 0; i < 3000; i++) {
    const age = 20 + rnd(60);
    const group = age > 50 ? (rnd(10) < 8 ? 'senior' : 'junior') : rnd(10) < 8 ? 'junior' : 'senior';
    rows.push(`u${i},person${i}@example.org,${age},${30000 + 500 * age + rnd(1000)},${group}`);
  }
  writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'key'), TEST_KEY);
  const policy = (income: string, age: string) =>
    `version: 1\ncolumns:\n  id: hash\n  email: hash\n  age: ${age}\n  income: ${income}\n  group: keep\n`;
  const run = (income: string, extra: string[] = [], age = 'keep') => {
    writeFileSync(join(dir, 'p.yaml'), policy(income, age));
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--key-file', join(dir, 'key'), '-o', join(dir, 'out.csv'), '--report', join(dir, 'r.json'), '--utility', ...extra]);
    return { ...r, report: r.status === 0 ? JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) : undefined };
  };

  it('warns on stderr, even with -q, when the noise dwarfs a column, and reports the ratio', () => {
    const r = run('{ transform: noise, epsilon: 0.01, bounds: [0, 100000] }', ['-q']);
    expect(r.status).toBe(0);
    const n = r.report.utility.noise.income;
    // Discrete Laplace of scale 100000 / 0.01: standard deviation scale * sqrt(2), far above the column's (~8,700).
    expect(n.noise_std).toBeCloseTo(r.report.columns.income.params.scale * Math.SQRT2, 3);
    expect(n.noise_std).toBeGreaterThan(1e7 * Math.SQRT2);
    expect(n.ratio).toBeGreaterThan(100);
    expect(Math.abs(n.correlation)).toBeLessThan(0.1);
    expect(r.stderr).toMatch(/^veil: warning: the noise of income dwarfs its spread/m);
    const quiet = run('{ transform: noise, epsilon: 20, bounds: [30000, 80000] }', ['-q']);
    expect(quiet.report.utility.noise.income.ratio).toBeLessThan(1);
    expect(quiet.stderr).toBe('');
  });

  it('measures a column kept as it is as unchanged, and a hashed one as not comparable', () => {
    const r = run('keep');
    const { age, email } = r.report.utility.columns;
    expect(age).toMatchObject({ kind: 'number', changed: 0, ks: 0, mean_change: 0, std_change: 0 });
    expect(email).toMatchObject({ changed: 1, compared: false });
    const pair = r.report.utility.pairs.find((p: { columns: string[] }) => p.columns.join() === 'age,income');
    expect(pair).toMatchObject({ measure: 'pearson', change: 0 });
    expect(pair.input).toBeGreaterThan(0.99);
    expect(r.report.utility.sample).toMatchObject({ rows: 3000, of: 3000 });
  });

  it('is left out unless asked for (or implied by a noise column)', () => {
    writeFileSync(join(dir, 'p.yaml'), policy('keep', 'keep'));
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--key-file', join(dir, 'key'), '-o', join(dir, 'out.csv'), '--report', join(dir, 'plain.json')]);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8')).utility).toBeUndefined();
  });

  it('reports the accuracy of a model trained on the input and on the output (--utility-target)', () => {
    const r = run('keep', ['--utility-target', 'group']);
    const m = r.report.utility.model;
    expect(m.features).toEqual(['age', 'income']);
    expect(m.train_rows + m.held_out_rows).toBe(3000);
    // Nothing changed in the features: the same model, the same accuracy, well above the majority's share (age decides 80 %).
    expect(m.accuracy_trained_on_output).toBe(m.accuracy_trained_on_input);
    expect(m.accuracy_trained_on_input).toBeGreaterThan(0.75);
    expect(m.accuracy_trained_on_input).toBeGreaterThan(m.majority_class_share + 0.1);
    // Noise on both features (income follows age): the model trained on the output learns little.
    const noised = run('{ transform: noise, epsilon: 0.01, bounds: [0, 100000] }', ['--utility-target', 'group', '-q'], '{ transform: noise, epsilon: 0.01, bounds: [0, 100] }');
    expect(noised.report.utility.model.accuracy_trained_on_output).toBeLessThan(m.accuracy_trained_on_input - 0.1);
    const named = run('keep', ['--utility-pairs', 'income:group']);
    expect(named.report.utility.pairs).toHaveLength(1);
    expect(named.report.utility.pairs[0]).toMatchObject({ columns: ['income', 'group'], measure: 'cramers_v', change: 0 });
    const hashed = run('keep', ['--utility-pairs', 'age:email']);
    expect(hashed.status).toBe(2);
    expect(hashed.stderr).toContain('email is not published as values');
    const bad = run('keep', ['--utility-target', 'email']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('the target must be published as values');
  });

  it('never holds a value of a protected column, nor a count under min_count', () => {
    const r = run('keep');
    const text = readFileSync(join(dir, 'r.json'), 'utf8');
    for (const line of rows.slice(1, 300)) {
      const [id, email] = line.split(',');
      expect(text).not.toContain(`"${id}"`);
      expect(text).not.toContain(email);
    }
    for (const c of Object.values(r.report.utility.columns) as { distribution?: { input: (number | null)[]; output: (number | null)[] } }[]) {
      for (const n of [...(c.distribution?.input ?? []), ...(c.distribution?.output ?? [])]) expect(n === null || n === 0 || n >= 10).toBe(true);
    }
  });
});
