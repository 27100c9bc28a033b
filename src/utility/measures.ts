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
  const n = a.length;
  const rows = frequencies(a);
  const cols = frequencies(b);
  if (rows.size < 2 || cols.size < 2) return NaN;
  const cell = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]!.length}:${a[i]}${b[i]}`;
    cell.set(key, (cell.get(key) ?? 0) + 1);
  }
  let chi2 = 0;
  for (const [r, nr] of rows) {
    for (const [c, nc] of cols) {
      const expected = (nr * nc) / n;
      const observed = cell.get(`${r.length}:${r}${c}`) ?? 0;
      chi2 += (observed - expected) ** 2 / expected;
    }
  }
  return Math.sqrt(chi2 / (n * (Math.min(rows.size, cols.size) - 1)));
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
