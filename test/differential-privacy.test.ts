// Differential privacy: the samplers' distributions by statistical tests on
// 100,000 seeded draws (chi-square at the 0.1% level, mean and variance), the
// noise transform's grid, clamping and rounding, and the randomness source.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bernoulliExp, discreteLaplace } from '../src/lib/discrete-laplace.js';
import { RowRandomness, seededSource } from '../src/lib/random.js';
import { columnFn, REPO } from './helpers.js';

const crypto = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    randomFillSync: (buffer: NodeJS.ArrayBufferView) => {
      crypto.calls++;
      return actual.randomFillSync(buffer);
    },
  };
});

const N = 100_000;

/** Upper critical value of chi-square with df degrees of freedom at p = 0.001 (Wilson-Hilferty). */
function chi2Critical(df: number): number {
  const z = 3.090232; // standard normal quantile at 0.999
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

async function draws(t: number, s: number, seed: number): Promise<number[]> {
  const rng = await seededSource(seed, 'test', 'laplace');
  return Array.from({ length: N }, () => discreteLaplace(rng, t, s));
}

describe('discrete Laplace sampler', () => {
  for (const [t, s] of [
    [5, 2],
    [111, 1],
    [15629, 2000],
  ] as const) {
    it(`matches the discrete Laplace of scale ${t}/${s}: chi-square (p=0.001), mean and variance`, async () => {
      const z = await draws(t, s, 7);
      const q = Math.exp(-s / t);
      const pmf = (k: number) => ((1 - q) / (1 + q)) * q ** Math.abs(k);
      // Bins: every z with an expected count of at least 20, and two tails.
      let B = 0;
      while (N * pmf(B + 1) >= 20) B++;
      const observed = new Array<number>(2 * B + 3).fill(0);
      for (const x of z) observed[x < -B ? 0 : x > B ? 2 * B + 2 : x + B + 1]!++;
      const tail = (q ** (B + 1) / (1 + q)) * N; // P(z > B) = q^(B+1) / (1 + q)
      const expected = [tail, ...Array.from({ length: 2 * B + 1 }, (_, i) => N * pmf(i - B)), tail];
      expect(chiSquare(observed, expected)).toBeLessThan(chi2Critical(expected.length - 1));
      const mean = z.reduce((a, b) => a + b, 0) / N;
      const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
      const trueVariance = (2 * q) / (1 - q) ** 2;
      expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(trueVariance / N));
      expect(variance / trueVariance).toBeGreaterThan(0.97);
      expect(variance / trueVariance).toBeLessThan(1.03);
    });
  }

  it('Bernoulli(exp(-n/d)) holds its rate', async () => {
    const rng = await seededSource(3, 'test', 'bern');
    for (const [n, d] of [
      [3, 10],
      [1, 1],
      [23, 10],
    ] as const) {
      const p = Math.exp(-n / d);
      let hits = 0;
      for (let i = 0; i < N; i++) if (bernoulliExp(rng, n, d)) hits++;
      expect(Math.abs(hits / N - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
    }
  });
});

describe('noise transform', () => {
  const spec = '{ transform: noise, epsilon: 0.5, bounds: [0, 250000] }';

  it('outputs only multiples of the grid (64 here), and the noise has the reported scale', async () => {
    const f = await columnFn('income', spec, { seed: 11 });
    const out = Array.from({ length: 20_000 }, () => Number(f('34000.5')));
    for (const x of out) expect(Math.abs(x % 64)).toBe(0);
    // Centered on the rounded value, with the variance of the reported scale (500128 = 15629/2 * 64).
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    const q = Math.exp(-2 / 15629);
    const sd = Math.sqrt((2 * q) / (1 - q) ** 2) * 64;
    expect(Math.abs(mean - 34048)).toBeLessThan((4 * sd) / Math.sqrt(out.length));
  });

  it('clamps inputs to the bounds before noise: far outside equals the bound itself', async () => {
    for (const [outside, bound] of [
      ['1e9', '250000'],
      ['-77', '0'],
    ]) {
      const a = await columnFn('income', spec, { seed: 5 });
      const b = await columnFn('income', spec, { seed: 5 });
      for (let i = 0; i < 100; i++) expect(a(outside)).toBe(b(bound));
    }
  });

  it('rounds to the grid half away from zero, negative values too', async () => {
    const neg = '{ transform: noise, epsilon: 1, bounds: [-1000, 1000] }'; // grid 0.25: 2000 / 1 / 4096 rounded down to a power of two
    const same = async (x: string, y: string, s = spec) => {
      const a = await columnFn('v', s, { seed: 9 });
      const b = await columnFn('v', s, { seed: 9 });
      for (let i = 0; i < 20; i++) expect(a(x)).toBe(b(y));
    };
    await same('32', '64'); // a tie goes up
    await same('31.99', '0');
    await same('-0.125', '-0.25', neg); // a negative tie goes down (away from zero)
    await same('-0.124', '0', neg);
  });

  it('clamp_output keeps outputs on grid multiples inside the bounds', async () => {
    const f = await columnFn('age', '{ transform: noise, epsilon: 1, bounds: [0, 110], integer: true, clamp_output: true }', { seed: 2 });
    const out = Array.from({ length: 5000 }, () => Number(f('5')));
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBe(110);
    for (const x of out) expect(Number.isInteger(x)).toBe(true);
  });

  it('rejects what is not a finite number', async () => {
    const f = await columnFn('income', spec, { seed: 1 });
    for (const bad of ['NaN', 'Infinity', '-Infinity', 'abc', '1,5']) {
      expect(() => f(bad)).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'VALUE_NOT_NUMBER' })] }));
    }
  });

  it('draws from the secure generator when no seed is given, and only then', async () => {
    crypto.calls = 0;
    const seeded = await columnFn('income', spec, { seed: 4 });
    seeded('1000');
    expect(crypto.calls).toBe(0);
    const secure = await columnFn('income', spec);
    secure('1000');
    expect(crypto.calls).toBeGreaterThan(0);
  });
});

describe('randomized response', () => {
  it('keeps the true value at rate e^eps / (e^eps + k - 1), the others uniformly', async () => {
    const f = await columnFn('smoker', '{ transform: randomized-response, epsilon: 1.0, values: [a, b, c, d] }', { seed: 3 });
    const counts = { a: 0, b: 0, c: 0, d: 0 } as Record<string, number>;
    for (let i = 0; i < N; i++) counts[f('a') as string]!++;
    const p = Math.E / (Math.E + 3);
    expect(Math.abs(counts.a! / N - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
    const others = [counts.b!, counts.c!, counts.d!];
    const each = (N * (1 - p)) / 3;
    expect(chiSquare(others, [each, each, each])).toBeLessThan(chi2Critical(2));
  });

  it('maps unlisted values through `other`, else fails', async () => {
    const withOther = await columnFn('s', '{ transform: randomized-response, epsilon: 50, values: [yes, no], other: no }', { seed: 1 });
    expect(withOther('maybe')).toBe('no'); // epsilon 50: keeps the (mapped) value
    const strict = await columnFn('s', '{ transform: randomized-response, epsilon: 1, values: [yes, no] }', { seed: 1 });
    expect(() => strict('maybe')).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ code: 'VALUE_NOT_LISTED' })] }));
  });
});

describe('randomness per row (the two passes of a k-anonymity stage)', () => {
  it('draws the same values for the same line in any order, other values for other lines, uniformly', () => {
    const rows = RowRandomness.forRun(undefined);
    const first = rows.source('noise', 'income');
    const again = rows.source('noise', 'income');
    const other = rows.source('noise', 'age');
    const drawn = new Map<number, number[]>();
    for (const line of [2, 3, 4, 5]) {
      rows.begin(line);
      drawn.set(line, [first.next32(), first.next32(), ...Array.from({ length: 20 }, () => first.next32())]);
    }
    // A second pass, rows in another order: the same words, line by line; another column draws others.
    for (const line of [5, 3, 2, 4]) {
      rows.begin(line);
      expect(Array.from({ length: 22 }, () => again.next32())).toEqual(drawn.get(line));
      expect(other.next32()).not.toBe(drawn.get(line)![0]);
    }
    expect(new Set([...drawn.values()].map((w) => w[0])).size).toBe(4);
    // Another run (another secret) draws other values; a seeded run repeats itself.
    const run2 = RowRandomness.forRun(undefined).source('noise', 'income');
    const s1 = RowRandomness.forRun(7);
    const s2 = RowRandomness.forRun(7);
    s1.begin(2);
    s2.begin(2);
    expect(s1.source('noise', 'x').next32()).toBe(s2.source('noise', 'x').next32());
    rows.begin(2);
    expect(run2.next32()).not.toBe(drawn.get(2)![0]);
    // Uniform bytes: chi-square of the low byte over 100,000 words drawn across rows.
    const counts = new Array<number>(256).fill(0);
    const src = rows.source('test', 'uniform');
    for (let i = 0; i < N; i++) {
      if (i % 10 === 0) rows.begin(i);
      counts[src.next32() & 255]!++;
    }
    expect(chiSquare(counts, new Array(256).fill(N / 256))).toBeLessThan(chi2Critical(255));
  });
});

it('no Math.random anywhere in src/', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(REPO, 'src'));
  expect(files.length).toBeGreaterThan(20);
  for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toContain('Math.random');
});
