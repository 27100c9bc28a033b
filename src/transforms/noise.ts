// noise: the Laplace mechanism done exactly, for local differential privacy
// of one numeric value (Dwork et al. 2006). The value is clamped to the
// public `bounds`, rounded to a power-of-two grid, and moved by the grid
// step times a discrete Laplace draw (Canonne, Kamath & Steinke 2020, as in
// OpenDP), so every output is a grid multiple and no floating-point side
// channel remains (Mironov 2012). Sensitivity is the bounds' width plus one
// grid step (rounding can move two inputs one step further apart); the scale
// is that over epsilon. With `integer: true` the grid is 1.
// Example: `income: { transform: noise, epsilon: 0.5, bounds: [0, 250000] }`.

import { ValueError } from '../core/errors.js';
import { decimalFraction, discreteLaplace, gcd, MAX_RATIONAL } from '../lib/discrete-laplace.js';
import { parseNumber } from '../lib/numeric.js';
import { sourceFor } from '../lib/random.js';
import { defineTransform } from './define.js';

interface NoiseOptions {
  epsilon: number;
  lo: number;
  hi: number;
  integer: boolean;
  clampOutput: boolean;
  /** Grid step: 2^gridExponent. */
  gridExponent: number;
  /** Scale in grid steps, t/s. */
  t: number;
  s: number;
}

/** Grid steps per unit of scale: fine enough that rounding is negligible beside the noise. */
const STEPS_PER_SCALE = 2 ** 12;

export const noise = defineTransform<NoiseOptions>({
  name: 'noise',
  summary: 'Laplace noise, exact discrete sampler on a power-of-two grid (local DP)',
  example: 'income: { transform: noise, epsilon: 0.5, bounds: [0, 250000] }',
  options: ['epsilon', 'bounds', 'integer', 'clamp_output'],
  keyed: false,
  epsilon: (o) => o.epsilon,
  parse(r) {
    const epsilon = r.number('epsilon', { required: true, above: 0 });
    const bounds = r.numberList('bounds', { required: true, minLength: 2, increasing: true });
    const integer = r.boolean('integer') ?? false;
    const clampOutput = r.boolean('clamp_output') ?? false;
    if (epsilon === undefined || bounds === undefined) return undefined;
    if (bounds.length !== 2) {
      r.report('POLICY_VALUE', 'bounds', { expected: 'two numbers [low, high]', found: JSON.stringify(bounds) });
      return undefined;
    }
    const [lo, hi] = bounds as [number, number];
    if (integer && (!Number.isInteger(lo) || !Number.isInteger(hi))) {
      r.report('POLICY_VALUE', 'bounds', { expected: 'integer bounds with integer: true', found: JSON.stringify(bounds) });
      return undefined;
    }
    const e = decimalFraction(epsilon);
    const a = decimalFraction(lo);
    const b = decimalFraction(hi);
    if (!e || !a || !b) {
      r.report('POLICY_VALUE', 'epsilon', { expected: 'an epsilon and bounds with at most 12 significant digits', found: String(epsilon) });
      return undefined;
    }
    const gridExponent = integer ? 0 : Math.floor(Math.log2((hi - lo) / epsilon / STEPS_PER_SCALE));
    // Scale in grid steps = (width + step) / (epsilon * step), as an exact fraction t/s.
    const width = { n: BigInt(b.n) * BigInt(a.d) - BigInt(a.n) * BigInt(b.d), d: BigInt(a.d) * BigInt(b.d) };
    const [gn, gd] = gridExponent >= 0 ? [2n ** BigInt(gridExponent), 1n] : [1n, 2n ** BigInt(-gridExponent)];
    // (width + g) / (eps * g) = (wn*gd + gn*wd) * ed / (wd * en * gn)
    let t = (width.n * gd + gn * width.d) * BigInt(e.d);
    let s = width.d * BigInt(e.n) * gn;
    const g = gcd(t, s);
    t /= g;
    s /= g;
    if (t > BigInt(MAX_RATIONAL) || s > BigInt(MAX_RATIONAL)) {
      r.report('POLICY_VALUE', 'epsilon', { expected: 'an epsilon and bounds with fewer decimal digits (the exact scale must fit in 40 bits)', found: String(epsilon) });
      return undefined;
    }
    return { epsilon, lo, hi, integer, clampOutput, gridExponent, t: Number(t), s: Number(s) };
  },
  describe: (o) => {
    const grid = 2 ** o.gridExponent;
    return {
      mechanism: 'Laplace (discrete, on a grid)',
      epsilon: o.epsilon,
      bounds: [o.lo, o.hi],
      integer: o.integer,
      grid,
      sensitivity: o.hi - o.lo + grid,
      scale: (o.t / o.s) * grid,
      scale_exact: `${o.t}/${o.s} grid steps`,
      sampler: 'discrete Laplace, exact (Canonne, Kamath & Steinke 2020)',
      clamp_output: o.clampOutput,
    };
  },
  async create(o, ctx) {
    const rng = await sourceFor(ctx, 'noise');
    const g = 2 ** o.gridExponent;
    const [outLo, outHi] = [Math.ceil(o.lo / g) * g, Math.floor(o.hi / g) * g];
    return (value) => {
      const x = parseNumber(value);
      if (x === undefined) throw new ValueError('VALUE_NOT_NUMBER', 'a finite number');
      const clamped = Math.min(o.hi, Math.max(o.lo, x));
      // Round half away from zero to the grid (x / g is exact: g is a power of two).
      const steps = Math.sign(clamped) * Math.floor(Math.abs(clamped / g) + 0.5);
      let out = (steps + discreteLaplace(rng, o.t, o.s)) * g;
      if (o.clampOutput) out = Math.min(outHi, Math.max(outLo, out));
      return String(out === 0 ? 0 : out);
    };
  },
});

