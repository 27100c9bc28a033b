// noise: the Laplace mechanism done exactly, for local differential privacy
// of one numeric value (Dwork et al. 2006). The value is rounded to a
// power-of-two grid, clamped there to the grid points of the public
// `bounds`, and moved by the grid step times a discrete Laplace draw
// (Canonne, Kamath & Steinke 2020, as in OpenDP), so every output is a grid
// multiple and no floating-point side channel remains (Mironov 2012). The
// sensitivity is the distance between the two enforced grid points, and the
// scale is that over epsilon, as exact fractions: what is stated is what is
// enforced, whatever the decimals of the bounds. The grid is fine enough that
// rounding is negligible beside the noise, and coarse enough that every grid
// point of the bounds is an exact double (at 1e12 a step below 2^-12 is not).
// With `integer: true` the grid is 1.
// Example: `income: { transform: noise, epsilon: 0.5, bounds: [0, 250000] }`.

import { ValueError } from '../lib/errors.js';
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
  /** The bounds as enforced, in grid steps: every value is clamped to [loSteps, hiSteps]. */
  loSteps: number;
  hiSteps: number;
  /** Scale in grid steps, t/s = (hiSteps - loSteps) / epsilon. */
  t: number;
  s: number;
}

/** Grid steps per unit of scale: fine enough that rounding is negligible beside the noise. */
const STEPS_PER_SCALE = 2 ** 12;
/** Grid points of the bounds stay below this many steps from zero: exact doubles, with room for the noise (its scale is at most 2^40 steps). */
const MAX_STEPS = 2 ** 51;

/** x / g rounded half away from zero (g a power of two: the division is exact). */
const toSteps = (x: number, g: number): number => Math.sign(x) * Math.floor(Math.abs(x / g) + 0.5);

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
    if (!e) {
      r.report('POLICY_VALUE', 'epsilon', { expected: 'an epsilon with at most 12 significant digits', found: String(epsilon) });
      return undefined;
    }
    // The finest grid whose points at the bounds' magnitude are exact doubles.
    const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
    const coarsest = magnitude > 0 ? Math.ceil(Math.log2(magnitude / MAX_STEPS)) : -1074;
    const gridExponent = integer ? 0 : Math.max(Math.floor(Math.log2((hi - lo) / epsilon / STEPS_PER_SCALE)), coarsest);
    const g = 2 ** gridExponent;
    if (magnitude / g > MAX_STEPS) {
      r.report('POLICY_VALUE', 'bounds', { expected: `bounds within ${MAX_STEPS} grid steps of zero (integer: true has a grid of 1)`, found: JSON.stringify(bounds) });
      return undefined;
    }
    const loSteps = toSteps(lo, g);
    const hiSteps = toSteps(hi, g);
    if (hiSteps === loSteps) {
      r.report('POLICY_VALUE', 'bounds', { expected: `bounds at least one grid step apart (the grid at this magnitude is ${g})`, found: JSON.stringify(bounds) });
      return undefined;
    }
    // Scale in grid steps = (hiSteps - loSteps) / epsilon, as an exact fraction t/s.
    let t = BigInt(hiSteps - loSteps) * BigInt(e.d);
    let s = BigInt(e.n);
    const d = gcd(t, s);
    t /= d;
    s /= d;
    if (t > BigInt(MAX_RATIONAL) || s > BigInt(MAX_RATIONAL)) {
      r.report('POLICY_VALUE', 'epsilon', { expected: 'an epsilon with fewer decimal digits, or narrower integer bounds (the exact scale must fit in 40 bits)', found: String(epsilon) });
      return undefined;
    }
    return { epsilon, lo, hi, integer, clampOutput, gridExponent, loSteps, hiSteps, t: Number(t), s: Number(s) };
  },
  describe: (o) => {
    const grid = 2 ** o.gridExponent;
    return {
      mechanism: 'Laplace (discrete, on a grid)',
      epsilon: o.epsilon,
      bounds: [o.lo, o.hi],
      bounds_enforced: [o.loSteps * grid, o.hiSteps * grid],
      integer: o.integer,
      grid,
      sensitivity: (o.hiSteps - o.loSteps) * grid,
      scale: (o.t / o.s) * grid,
      scale_exact: `${o.t}/${o.s} grid steps`,
      sampler: 'discrete Laplace, exact (Canonne, Kamath & Steinke 2020)',
      clamp_output: o.clampOutput,
    };
  },
  numericOutput: true,
  async create(o, ctx) {
    const rng = await sourceFor(ctx, 'noise');
    const g = 2 ** o.gridExponent;
    // clamp_output (post-processing): to the grid points within the bounds.
    let [outLo, outHi] = [Math.ceil(o.lo / g), Math.floor(o.hi / g)];
    if (outLo > outHi) [outLo, outHi] = [o.loSteps, o.hiSteps];
    return (value) => {
      const x = parseNumber(value);
      if (x === undefined) throw new ValueError('VALUE_NOT_NUMBER', 'a finite number');
      // Round to the grid, then clamp to the enforced grid points: the distance between any two inputs' steps is at most hiSteps - loSteps.
      const steps = Math.min(o.hiSteps, Math.max(o.loSteps, toSteps(x, g)));
      let out = steps + discreteLaplace(rng, o.t, o.s);
      if (o.clampOutput) out = Math.min(outHi, Math.max(outLo, out));
      out *= g;
      return String(out === 0 ? 0 : out);
    };
  },
});
