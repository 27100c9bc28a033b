// Measures of a k-anonymous dataset, computed from its equivalence classes
// (rows sharing all quasi-identifier values), for the report and for
// `veil check`: k and l achieved, re-identification risk (prosecutor model,
// as in ARX's risk analysis) and information loss (GCP, Xu et al. 2006;
// discernibility, Bayardo & Agrawal 2005; average class size / k,
// LeFevre et al. 2006).

import type { LVariant } from './k-anonymity.js';
import { ownString } from '../lib/own-string.js';

/** The l a class of these sensitive-value counts achieves under a variant. */
export function diversityOf(counts: readonly number[], variant: LVariant, c = 1): number {
  const present = counts.filter((x) => x > 0);
  if (variant === 'distinct') return present.length;
  const total = present.reduce((a, b) => a + b, 0);
  if (variant === 'entropy') {
    // Entropy l-diversity holds for l when H >= ln l, so the class achieves l = e^H.
    const h = -present.reduce((a, x) => a + (x / total) * Math.log(x / total), 0);
    return Math.exp(h) * (1 + 1e-12);
  }
  // Recursive (c, l): r1 < c * (r_l + ... + r_m); the largest l for which it holds.
  const r = [...present].sort((a, b) => b - a);
  let best = 0;
  let tail = total;
  for (let l = 1; l <= r.length; l++) {
    if (r[0]! < c * tail) best = l;
    tail -= r[l - 1]!;
  }
  return best;
}

export interface ClassSummary {
  readonly size: number;
  /** Counts of each sensitive value in the class, when l-diversity is measured. */
  readonly sensitive?: readonly number[];
}

export interface RiskOptions {
  readonly k: number;
  readonly l?: { readonly sensitive: string; readonly l: number; readonly variant: LVariant; readonly c: number | undefined };
  readonly riskThreshold: number;
}

export interface Achieved {
  readonly rows: number;
  readonly classes: number;
  readonly k: number;
  readonly l: number | undefined;
  readonly classSizes: Record<string, number>;
  readonly violatingClasses: number;
  readonly violatingRows: number;
  /** Classes below k; classes of at least k rows that are not l-diverse. */
  readonly belowK: number;
  readonly notDiverse: number;
  readonly risk: {
    readonly prosecutor_highest: number;
    readonly prosecutor_average: number;
    readonly records_at_risk: number;
    readonly threshold: number;
    readonly sample_uniques: number;
  };
  readonly discernibility: number;
  readonly averageClassSizeOverK: number;
}

const BUCKETS: readonly [number, number][] = [
  [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 9], [10, 19], [20, 49], [50, 99], [100, 999], [1000, Infinity],
];

export function histogram(sizes: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [lo, hi] of BUCKETS) {
    const n = sizes.filter((s) => s >= lo && s <= hi).length;
    if (n > 0) out[lo === hi ? String(lo) : hi === Infinity ? `${lo}+` : `${lo}-${hi}`] = n;
  }
  return out;
}

function minOf(xs: readonly number[]): number {
  let min = Infinity;
  for (const x of xs) if (x < min) min = x;
  return min;
}

/** Everything measured from the classes of the rows that are published; `suppressed` rows count in discernibility. */
export function measure(classes: readonly ClassSummary[], suppressed: number, o: RiskOptions): Achieved {
  const rows = classes.reduce((a, c) => a + c.size, 0);
  const sizes = classes.map((c) => c.size);
  // Loops, not Math.min(...sizes): spreading a data-sized array into a call overflows the stack past about 125,000 classes.
  const k = sizes.length ? minOf(sizes) : 0;
  const lValues = o.l ? classes.map((c) => diversityOf(c.sensitive ?? [], o.l!.variant, o.l!.c)) : undefined;
  const violating = classes.filter((c, i) => c.size < o.k || (lValues !== undefined && lValues[i]! < o.l!.l));
  const belowK = classes.filter((c) => c.size < o.k).length;
  return {
    rows,
    classes: classes.length,
    k,
    l: lValues && (lValues.length ? minOf(lValues) : 0),
    classSizes: histogram(sizes),
    violatingClasses: violating.length,
    violatingRows: violating.reduce((a, c) => a + c.size, 0),
    belowK,
    notDiverse: violating.length - belowK,
    risk: {
      prosecutor_highest: k > 0 ? 1 / k : 0,
      prosecutor_average: rows > 0 ? classes.length / rows : 0,
      records_at_risk: rows > 0 ? classes.filter((c) => 1 / c.size > o.riskThreshold).reduce((a, c) => a + c.size, 0) / rows : 0,
      threshold: o.riskThreshold,
      sample_uniques: classes.filter((c) => c.size === 1).length,
    },
    discernibility: classes.reduce((a, c) => a + c.size * c.size, 0) + suppressed * (rows + suppressed),
    averageClassSizeOverK: classes.length ? rows / classes.length / o.k : 0,
  };
}

/** Groups rows by a key (their quasi-identifier tuple) into class summaries. */
export class ClassCounter {
  private readonly classes = new Map<string, { size: number; sensitive: Map<string, number> }>();

  add(key: string, sensitive: string | undefined): void {
    let c = this.classes.get(key);
    if (!c) {
      c = { size: 0, sensitive: new Map() };
      this.classes.set(ownString(key), c);
    }
    c.size++;
    if (sensitive !== undefined) c.sensitive.set(sensitive, (c.sensitive.get(sensitive) ?? 0) + 1);
  }

  /** Adds a whole class at once (merged with any class of the same key). */
  addClass(key: string, size: number, sensitive: ReadonlyMap<string, number> | undefined): void {
    let c = this.classes.get(key);
    if (!c) {
      c = { size: 0, sensitive: new Map() };
      this.classes.set(key, c);
    }
    c.size += size;
    for (const [v, n] of sensitive ?? []) c.sensitive.set(v, (c.sensitive.get(v) ?? 0) + n);
  }

  summaries(): ClassSummary[] {
    return [...this.classes.values()].map((c) => ({ size: c.size, sensitive: [...c.sensitive.values()] }));
  }

  /** Keys of the classes that violate k (or l), smallest first, at most `limit`. */
  violations(o: RiskOptions, limit: number): { key: string; size: number }[] {
    return [...this.classes]
      .filter(([, c]) => c.size < o.k || (o.l !== undefined && diversityOf([...c.sensitive.values()], o.l.variant, o.l.c) < o.l.l))
      .sort((a, b) => a[1].size - b[1].size)
      .slice(0, limit)
      .map(([key, c]) => ({ key, size: c.size }));
  }
}
