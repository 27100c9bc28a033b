// What the report discloses, played as its reader: someone who gets the JSON
// or HTML report but not the data. They look for the town where two people
// live and for the one person whose income is far above everyone's, then
// subtract the counts they are shown from the totals they are told, and read
// the bins' edges for an extreme. Every count the report shows from the
// input must be none or at least min_count (k, at least 10, or the policy's
// report.min_count), and no edge may have fewer than min_count rows of the
// input on either side. Checked on inputs of several sizes and shapes, and
// recounted from the input itself.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, veil } from '../helpers.js';

/** A deterministic generator (mulberry32), so every input is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Input {
  readonly csv: string;
  readonly rare: readonly string[];
  readonly outlier: number;
  readonly incomes: readonly number[];
  readonly ages: readonly number[];
}

/** Rows of common towns, a few rare ones (1, 2 and min_count - 1 rows), incomes with one lone extreme (high or low), ages. */
function input(rows: number, seed: number, minCount: number, low: boolean): Input {
  const next = random(seed);
  const rare = [`Brockway${seed}`, `Cypress Creek${seed}`, `Little Pythagoras${seed}`];
  const towns: string[] = [...Array(1).fill(rare[0]), ...Array(2).fill(rare[1]), ...Array(minCount - 1).fill(rare[2])];
  const common = ['Springfield', 'Shelbyville', 'Ogdenville', 'North Haverbrook'];
  while (towns.length < rows) towns.push(common[Math.floor(next() * next() * common.length)]!);
  for (let i = towns.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [towns[i], towns[j]] = [towns[j]!, towns[i]!];
  }
  const outlier = low ? -7_654_321 : 987_654_321;
  const incomes = towns.map((_, i) => (i === Math.floor(rows / 3) ? outlier : 20_000 + Math.floor(next() * 70_000)));
  const ages = towns.map(() => 18 + Math.floor(next() * 70));
  const csv = `town,income,age\n${towns.map((t, i) => `${t},${incomes[i]},${ages[i]}`).join('\n')}\n`;
  return { csv, rare, outlier, incomes, ages };
}

type Distribution = { values?: string[]; edges?: number[]; input: (number | null)[]; output: (number | null)[]; other?: { input: number; output: number } };

/** The reader's checks on one report. */
function expectNothingSmall(report: Record<string, any>, html: string, x: Input, minCount: number): void {
  const u = report.utility;
  expect(u.sample.min_count).toBe(minCount);
  const text = JSON.stringify(report);
  for (const town of x.rare) {
    expect(text).not.toContain(town);
    expect(html).not.toContain(town);
  }
  for (const digits of [String(Math.abs(x.outlier)), String(Math.abs(x.outlier)).slice(0, 4)]) {
    expect(text).not.toContain(digits);
    expect(html).not.toContain(digits);
  }
  const small = (n: number | null) => n !== null && n > 0 && n < minCount;
  for (const [name, c] of Object.entries(u.columns as Record<string, { distribution?: Distribution }>)) {
    const d = c.distribution;
    if (!d) continue;
    const counts = [...d.input, ...d.output, ...(d.other ? [d.other.input, d.other.output] : [])];
    expect(counts.filter(small), name).toEqual([]);
    // Nothing to subtract: what is shown adds up to the sample, so no withheld count hides in the difference.
    expect(d.input.every((n) => n !== null), name).toBe(true);
    expect(d.input.reduce((s: number, n) => s + n!, 0) + (d.other?.input ?? 0), name).toBe(u.sample.rows);
    if (d.edges) {
      // Recounted from the input: every edge has at least min_count rows below it and from it up.
      const values = name === 'income' ? x.incomes : x.ages;
      for (const e of d.edges) {
        expect(values.filter((v) => v < e).length, `${name} edge ${e}`).toBeGreaterThanOrEqual(minCount);
        expect(values.filter((v) => v >= e).length, `${name} edge ${e}`).toBeGreaterThanOrEqual(minCount);
      }
      expect(d.input.length).toBe(d.edges.length + 1);
    }
  }
}

function run(dir: string, x: Input, policy: string): { report: Record<string, any>; html: string } {
  writeFileSync(join(dir, 'in.csv'), x.csv);
  writeFileSync(join(dir, 'policy.yaml'), policy);
  const r = veil(['apply', 'in.csv', '--policy', 'policy.yaml', '-o', 'out.csv', '--report', 'report.json', '--report-html', 'report.html'], { cwd: dir });
  expect(r.stderr).not.toMatch(/Error:|at .*\.js:\d+/);
  expect(r.status).toBe(0);
  return { report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')), html: readFileSync(join(dir, 'report.html'), 'utf8') };
}

describe('the report shows no small count and no lone extreme', () => {
  const kPolicy = (k: number) => `version: 1\ncolumns:\n  town: keep\n  income: keep\n  age: keep\nk_anonymity:\n  k: ${k}\n  quasi_identifiers: [age]\n`;

  for (const [rows, k, low] of [[25, 5, false], [60, 5, true], [400, 5, false], [400, 25, true], [3000, 12, false]] as const) {
    it(`${rows} rows at k=${k} (min_count ${Math.max(10, k)}), a ${low ? 'low' : 'high'} outlier`, () => {
      const minCount = Math.max(10, k);
      const x = input(rows, rows + k, minCount, low);
      const { report, html } = run(tempDir(), x, kPolicy(k));
      expectNothingSmall(report, html, x, minCount);
    });
  }

  it('without k-anonymity, at the policy\'s report.min_count', () => {
    const x = input(300, 7, 4, false);
    const { report, html } = run(tempDir(), x, 'version: 1\ncolumns:\n  town: keep\n  income: keep\n  age: keep\nreport:\n  min_count: 4\n');
    expectNothingSmall(report, html, x, 4);
    // The common towns are still shown: the rule withholds the small, not the rest.
    expect(report.utility.columns.town.distribution.values).toContain('Springfield');
  });

  it('a report.min_count below k is refused: the report would show counts the classes do not', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'town,age\nA,30\n');
    writeFileSync(join(dir, 'policy.yaml'), `version: 1\ncolumns:\n  town: keep\n  age: keep\nk_anonymity:\n  k: 5\n  quasi_identifiers: [age]\nreport:\n  min_count: 3\n`);
    const r = veil(['apply', 'in.csv', '--policy', 'policy.yaml', '-o', 'out.csv'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('POLICY_CONFLICT');
    expect(r.stderr).toContain('min_count');
  });

  it('a sample too small for two groups of min_count shows no distribution at all, and says so', () => {
    const x = input(15, 3, 10, false);
    const { report, html } = run(tempDir(), x, kPolicy(5));
    expectNothingSmall(report, html, x, 10);
    expect(report.utility.columns.income.distribution).toBeUndefined();
    expect(report.utility.columns.income.distribution_withheld).toMatch(/min_count/);
  });
});
