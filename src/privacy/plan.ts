// A recoding plan: for every class, which quasi-identifier values it matches
// and what it publishes. `--plan-out` writes it, `--plan` applies it to other
// data (a test split, next month's export) so both are generalized alike.
// It holds no key, seed or row order, only values and their classes, so a
// database can apply it too: a row matches a class when each numeric
// quasi-identifier lies in [min, max] (an empty value only where the match
// says `"empty": true`) and each other one is among `in`.
// A row belongs to the first class it matches, in the order listed: classes
// of a later tier hold the outliers of earlier ones and may overlap them. A
// row that matches none is suppressed.
//
// {
//   "format": "veil-plan", "version": 1,
//   "k": 5, "l_diversity": null,
//   "quasi_identifiers": [{ "name": "age", "kind": "numeric" }, { "name": "sex", "kind": "set" }],
//   "classes": [{ "size": 12, "match": { "age": { "min": 30, "max": 39 }, "sex": { "in": ["Male"] } },
//                 "output": { "age": "30-39", "sex": "Male" } }]
// }

import { BoundedCache } from '../lib/bounded-cache.js';
import { parseNumber } from '../lib/numeric.js';
import { tupleKey } from '../lib/tuple-key.js';
import type { KAnonymity, Publishing } from './k-anonymity.js';
import type { DimKind } from './qi-table.js';
import type { Match, PlanClass } from './recode.js';

export interface Plan {
  readonly format: 'veil-plan';
  readonly version: 1;
  readonly k: number;
  readonly l_diversity: Record<string, unknown> | null;
  readonly quasi_identifiers: readonly { readonly name: string; readonly kind: DimKind }[];
  readonly classes: readonly PlanClass[];
  /** The form the outputs were published in (absent in plans of the generalized form). */
  readonly publish?: Publishing;
}

export function buildPlan(model: KAnonymity, kinds: readonly DimKind[], classes: readonly PlanClass[]): Plan {
  return {
    format: 'veil-plan',
    version: 1,
    k: model.k,
    l_diversity: model.lDiversity ? { sensitive: model.lDiversity.sensitive, l: model.lDiversity.l, variant: model.lDiversity.variant, c: model.lDiversity.c ?? null } : null,
    quasi_identifiers: model.quasiIdentifiers.map((name, j) => ({ name, kind: kinds[j]! })),
    ...(model.publish.form === 'representative' && { publish: { form: model.publish.form, numbers: model.publish.numbers, categories: model.publish.categories } }),
    classes,
  };
}

/** Reads a plan, or returns what is wrong with it (structure only; no data is quoted). */
export function parsePlan(text: string): Plan | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const p = v as Partial<Plan>;
  if (p === null || typeof p !== 'object' || p.format !== 'veil-plan') return 'not a veil plan (format is not "veil-plan")';
  if (p.version !== 1) return `plan version ${String(p.version)} is not supported (expected 1)`;
  if (!Number.isInteger(p.k) || (p.k as number) < 1) return 'k must be a positive integer';
  if (!Array.isArray(p.quasi_identifiers) || p.quasi_identifiers.length === 0) return 'quasi_identifiers must be a non-empty list';
  const names = p.quasi_identifiers.map((q) => q?.name);
  if (names.some((n) => typeof n !== 'string')) return 'every quasi-identifier needs a name';
  if (!Array.isArray(p.classes)) return 'classes must be a list';
  if (p.publish !== undefined) {
    const f = p.publish as Partial<Publishing>;
    if (f === null || typeof f !== 'object' || !['generalized', 'representative'].includes(f.form as string) || !['median', 'midpoint'].includes(f.numbers as string) || !['mode', 'node'].includes(f.categories as string)) {
      return 'publish must name form, numbers and categories';
    }
  }
  for (const [i, c] of p.classes.entries()) {
    if (!c || typeof c !== 'object' || typeof c.match !== 'object' || typeof c.output !== 'object') return `class ${i} needs match and output`;
    for (const n of names as string[]) {
      const m = (c.match as Record<string, Match>)[n];
      const ok = m && ('in' in m ? Array.isArray(m.in) : typeof m.min === 'number' && typeof m.max === 'number' && (m.empty === undefined || m.empty === true));
      if (!ok || typeof (c.output as Record<string, unknown>)[n] !== 'string') return `class ${i} lacks a valid match or output for ${n}`;
    }
  }
  return p as Plan;
}

/**
 * A function from a row's quasi-identifier values (in the plan's order) to its
 * class, or -1. Each set-valued quasi-identifier maps a value to the bitset of
 * classes that hold it; a row's candidates are the intersection, then ranges
 * are checked. Results are memoized per combination.
 */
export function planMatcher(plan: Plan): (values: readonly string[]) => number {
  const names = plan.quasi_identifiers.map((q) => q.name);
  const n = plan.classes.length;
  const words = Math.ceil(n / 32);
  const ranges: ({ min: number; max: number; empty?: true } | undefined)[][] = plan.classes.map((c) => names.map((name) => { const m = c.match[name]!; return 'in' in m ? undefined : m; }));
  const setDims: number[] = [];
  const bitsets = names.map((name, j) => {
    if (!plan.classes.some((c) => 'in' in c.match[name]!)) return undefined;
    setDims.push(j);
    const map = new Map<string, Uint32Array>();
    plan.classes.forEach((c, ci) => {
      const m = c.match[name]!;
      const values = 'in' in m ? m.in : [];
      for (const v of values) {
        let bits = map.get(v);
        if (!bits) map.set(v, (bits = new Uint32Array(words)));
        bits[ci >>> 5]! |= 1 << (ci & 31);
      }
    });
    return map;
  });
  // Classes whose match for a set dimension is a range (never for plans veil writes, but allowed) are candidates for any value.
  const rangeOnly = names.map((name) => {
    const bits = new Uint32Array(words);
    plan.classes.forEach((c, ci) => { if (!('in' in c.match[name]!)) bits[ci >>> 5]! |= 1 << (ci & 31); });
    return bits;
  });
  const fitsRanges = (ci: number, values: readonly string[]): boolean =>
    ranges[ci]!.every((m, j) => {
      if (!m) return true;
      if (values[j] === '') return m.empty === true;
      const x = parseNumber(values[j]!);
      return x !== undefined && x >= m.min && x <= m.max;
    });
  const candidates = new Uint32Array(words);
  const memo = new BoundedCache<number>();
  return (values) =>
    memo.get(tupleKey(values), () => {
      candidates.fill(0xffffffff);
      for (const j of setDims) {
        const bits = bitsets[j]!.get(values[j]!);
        const other = rangeOnly[j]!;
        for (let w = 0; w < words; w++) candidates[w]! &= (bits ? bits[w]! : 0) | other[w]!;
      }
      for (let w = 0; w < words; w++) {
        let word = candidates[w]!;
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          const ci = w * 32 + bit;
          if (ci < n && fitsRanges(ci, values)) return ci;
          word &= word - 1;
        }
      }
      return -1;
    });
}

/**
 * For featurizing (`--plan-mode featurize`): a function from a row's
 * quasi-identifier values to a class that always answers. The class the
 * row matches, else the nearest one: each quasi-identifier outside a class
 * costs 1 (a value it does not hold), or for a number its distance to the
 * class's range over the span of the plan's ranges (at most 1); the lowest
 * total wins, ties going to the class listed first. -1 only for a plan
 * without classes.
 */
export function planNearest(plan: Plan): (values: readonly string[]) => number {
  const exact = planMatcher(plan);
  const names = plan.quasi_identifiers.map((q) => q.name);
  const spans = names.map((name) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of plan.classes) {
      const m = c.match[name]!;
      if ('in' in m) continue;
      lo = Math.min(lo, m.min);
      hi = Math.max(hi, m.max);
    }
    return hi > lo ? hi - lo : 1;
  });
  const sets = plan.classes.map((c) => names.map((name) => { const m = c.match[name]!; return 'in' in m ? new Set(m.in) : undefined; }));
  const distance = (ci: number, values: readonly string[]): number => {
    let d = 0;
    names.forEach((name, j) => {
      const set = sets[ci]![j];
      const v = values[j]!;
      if (set) {
        if (!set.has(v)) d += 1;
        return;
      }
      const m = plan.classes[ci]!.match[name] as { min: number; max: number; empty?: true };
      if (v === '') {
        if (m.empty !== true) d += 1;
        return;
      }
      const x = parseNumber(v);
      if (x === undefined) d += 1;
      else if (x < m.min) d += Math.min(1, (m.min - x) / spans[j]!);
      else if (x > m.max) d += Math.min(1, (x - m.max) / spans[j]!);
    });
    return d;
  };
  const memo = new BoundedCache<number>();
  return (values) =>
    memo.get(tupleKey(values), () => {
      const found = exact(values);
      if (found !== -1) return found;
      let best = -1;
      let bestDistance = Infinity;
      for (let ci = 0; ci < plan.classes.length; ci++) {
        const d = distance(ci, values);
        if (d < bestDistance) {
          best = ci;
          bestDistance = d;
        }
      }
      return best;
    });
}
