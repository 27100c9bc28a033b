// Distances between an input column and its output, and associations
// between columns: the plain statistics of the utility report, each
// unit-tested against values computed by hand.
//
//   totalVariation   categories: half the sum of |p(v) - q(v)| over values (0 same, 1 disjoint)
//   kolmogorovSmirnov   numbers: the largest gap between the two empirical distribution functions
//   moments          numbers: mean and standard deviation (population)
//   pearson          correlation of two numeric columns
//   cramersV         association of two categorical columns: sqrt(chi2 / (n (min(r, c) - 1)))

export function totalVariation(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : 1;
  const p = frequencies(a);
  const q = frequencies(b);
  let sum = 0;
  for (const [v, n] of p) sum += Math.abs(n / a.length - (q.get(v) ?? 0) / b.length);
  for (const [v, n] of q) if (!p.has(v)) sum += n / b.length;
  return sum / 2;
}

export function frequencies(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

export function kolmogorovSmirnov(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : 1;
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

export function moments(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length) };
}

/** NaN when either column is constant. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const ma = moments(a);
  const mb = moments(b);
  if (!(ma.std > 0) || !(mb.std > 0)) return NaN;
  let c = 0;
  for (let i = 0; i < a.length; i++) c += (a[i]! - ma.mean) * (b[i]! - mb.mean);
  return c / a.length / (ma.std * mb.std);
}

/** Cramér's V of two paired categorical columns; NaN when either has one value. */
export function cramersV(a: readonly string[], b: readonly string[]): number {
  return cramersVCodes(codesOf(a), codesOf(b));
}

/** Values as small integers (first seen first), and how many there are. */
export function codesOf(xs: readonly string[]): { codes: Int32Array; size: number } {
  const id = new Map<string, number>();
  const codes = new Int32Array(xs.length);
  xs.forEach((x, i) => {
    let c = id.get(x);
    if (c === undefined) id.set(x, (c = id.size));
    codes[i] = c;
  });
  return { codes, size: id.size };
}

/**
 * Cramér's V of two coded columns: chi2 = n (sum over the observed cells of
 * O^2 / (R C) - 1), so only the cells that occur are visited.
 */
export function cramersVCodes(a: { codes: Int32Array; size: number }, b: { codes: Int32Array; size: number }): number {
  const n = a.codes.length;
  const c = b.size;
  const rows = new Float64Array(a.size);
  const cols = new Float64Array(c);
  const cells = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    rows[a.codes[i]!]!++;
    cols[b.codes[i]!]!++;
    const key = a.codes[i]! * c + b.codes[i]!;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  // The values that occur (codes may come from a larger column).
  const r = rows.filter((x) => x > 0).length;
  const k = cols.filter((x) => x > 0).length;
  if (r < 2 || k < 2) return NaN;
  let sum = 0;
  for (const [key, o] of cells) sum += (o * o) / (rows[Math.floor(key / c)]! * cols[key % c]!);
  return Math.sqrt(Math.max(0, n * (sum - 1)) / (n * (Math.min(r, k) - 1)));
}

/**
 * A published cell as a number: the number itself, or the midpoint of a
 * published range (`30-39`, `[1.5, 2.25]`, `[20000, 50000)`), the bound of
 * a top bin (`90+`); undefined for anything else
 * ('*', a set, text).
 */
export function numberOf(text: string): number | undefined {
  if (text === '' || text === '*') return undefined;
  const x = Number(text);
  if (Number.isFinite(x) && /^\s*[-+]?(\d|\.\d)/.test(text)) return x;
  const top = /^(-?\d+(?:\.\d+)?)\+$/.exec(text);
  if (top) return Number(top[1]);
  const range = /^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)$/.exec(text) ?? /^\[(-?[\d.e+-]+), (-?[\d.e+-]+)[\])]$/.exec(text);
  if (!range) return undefined;
  const lo = Number(range[1]);
  const hi = Number(range[2]);
  return Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2 : undefined;
}

/** Decile edges of numbers (for associations of a number with a category). */
export function binEdges(xs: readonly number[], bins = 10): number[] {
  const s = Float64Array.from(xs).sort();
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const e = s[Math.floor((b * s.length) / bins)]!;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

export function binOf(x: number, edges: readonly number[]): string {
  let b = 0;
  while (b < edges.length && x >= edges[b]!) b++;
  return String(b);
}

/** A number as a column of numbers holds it: decimal, no leading zeros (`02139` is a code, not a number). */
export function isNumberText(text: string): boolean {
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(text);
}
