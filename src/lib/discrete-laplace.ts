// Exact samplers for differential privacy, after Canonne, Kamath & Steinke,
// "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), which is
// also what OpenDP uses: every probability is a ratio of integers and every
// draw a uniform integer, so no floating-point arithmetic touches the noise
// (Mironov 2012 showed that textbook floating-point Laplace leaks the input
// in its low bits).
//
//   bernoulli(n, d)          1 with probability n/d
//   bernoulliExp(n, d)       1 with probability exp(-n/d)         (Algorithm 1)
//   discreteLaplace(t, s)    P(z) proportional to exp(-|z| s / t) (Algorithm 2): scale t/s

import { uniform, type RandomSource } from './random.js';

/** Largest numerator or denominator the samplers take: products stay exact in doubles. */
export const MAX_RATIONAL = 2 ** 40;

export function bernoulli(rng: RandomSource, n: number, d: number): boolean {
  return uniform(rng, d) < n;
}

/** 1 with probability exp(-n/d), n >= 0, d >= 1. */
export function bernoulliExp(rng: RandomSource, n: number, d: number): boolean {
  let whole = Math.floor(n / d);
  const rest = n - whole * d;
  while (whole-- > 0) if (!bernoulliExpUnit(rng, 1, 1)) return false;
  return bernoulliExpUnit(rng, rest, d);
}

/** For n/d in [0, 1]: count the successive successes of Bernoulli(n/(d k)). */
function bernoulliExpUnit(rng: RandomSource, n: number, d: number): boolean {
  let k = 1;
  while (bernoulli(rng, n, d * k)) k++;
  return k % 2 === 1;
}

/** One draw of the discrete Laplace with scale t/s (t, s positive integers). */
export function discreteLaplace(rng: RandomSource, t: number, s: number): number {
  for (;;) {
    const u = uniform(rng, t);
    if (!bernoulliExp(rng, u, t)) continue;
    let v = 0;
    while (bernoulliExp(rng, 1, 1)) v++;
    const y = Math.floor((u + t * v) / s);
    const negative = bernoulli(rng, 1, 2);
    if (negative && y === 0) continue;
    return negative ? -y : y;
  }
}

/** The exact fraction n/d (in lowest terms) of a number as written in decimal, e.g. 0.1 -> 1/10. */
export function decimalFraction(x: number): { n: number; d: number } | undefined {
  if (!Number.isFinite(x)) return undefined;
  const text = x.toString();
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!m) return undefined;
  let digits = BigInt(`${m[2]}${m[3] ?? ''}`);
  const scale = -(m[3]?.length ?? 0) + Number(m[4] ?? 0);
  let d = 1n;
  if (scale >= 0) digits *= 10n ** BigInt(scale);
  else d = 10n ** BigInt(-scale);
  const g = gcd(digits, d);
  const n = (m[1] === '-' ? -1n : 1n) * (digits / g);
  d /= g;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER) || d > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { n: Number(n), d: Number(d) };
}

export function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}
