// Multidimensional local recoding for k-anonymity: top-down partitioning in
// the manner of Mondrian (LeFevre, DeWitt & Ramakrishnan, "Mondrian
// Multidimensional K-Anonymity", ICDE 2006), with two changes that lower the
// information loss:
//   - each cut is chosen greedily for the largest drop of the loss measure
//     GCP (Xu et al. 2006) rather than at the median of the widest dimension;
//   - each class is summarized tightly: the range of the numbers it holds,
//     the set of values it holds, or the lowest hierarchy node above them.
// A cut keeps equal values together (thresholds on numbers, subsets of
// values, hierarchy children), so identical quasi-identifier combinations
// always share a class and the recoding is a function of the values: a plan
// that can be applied to other data.
//
// Rows are row indices in one Uint32Array, partitioned in place.

import type { LDiversity } from './k-anonymity.js';
import { diversityOf } from './measures.js';
import type { Dim, QiTable } from './qi-table.js';

export interface Partition {
  /** Row indices, grouped by class. */
  readonly order: Uint32Array;
  /** [start, end) of each class in `order`. */
  readonly classes: readonly { readonly start: number; readonly end: number }[];
}

interface Cut {
  readonly gain: number;
  /** Group of each code of the dimension (scratch, valid for this cut). */
  readonly groupOf: Int32Array;
  readonly groups: number;
  readonly dim: number;
}

/** Per-dimension scratch space, reused across nodes. */
interface Scratch {
  readonly count: Int32Array;
  readonly touched: Int32Array;
  readonly groupOf: Int32Array;
}

export function partition(table: QiTable, k: number, lDiversity: LDiversity | undefined, rows?: Uint32Array): Partition {
  const order = rows ?? Uint32Array.from({ length: table.rows }, (_, i) => i);
  const classes: { start: number; end: number }[] = [];
  const n = order.length;
  if (n === 0) return { order, classes };
  const diverse = (start: number, end: number, groupOf?: Int32Array, dim?: Dim, groups = 1): boolean => {
    if (!lDiversity || !table.sensitive) return true;
    return splitIsDiverse(order, start, end, table.sensitive.codes, lDiversity, groupOf, dim, groups);
  };
  if (n < k || !diverse(0, n)) return { order, classes: [] };

  const scratch: Scratch[] = table.dims.map((d) => ({
    count: new Int32Array(d.cardinality),
    touched: new Int32Array(d.cardinality),
    groupOf: new Int32Array(d.cardinality),
  }));
  const buffer = new Uint32Array(n);
  const stack: [number, number][] = [[0, n]];
  while (stack.length > 0) {
    const [start, end] = stack.pop()!;
    const cuts: Cut[] = [];
    if (end - start >= 2 * k) {
      for (let j = 0; j < table.dims.length; j++) {
        const cut = bestCut(table.dims[j]!, j, order, start, end, k, scratch[j]!);
        if (cut && cut.gain > 1e-12) cuts.push(cut);
      }
      cuts.sort((a, b) => b.gain - a.gain);
    }
    const cut = cuts.find((c) => diverse(start, end, c.groupOf, table.dims[c.dim], c.groups));
    if (!cut) {
      classes.push({ start, end });
      continue;
    }
    // Counting sort of the node's rows by group, then one child per group.
    const dim = table.dims[cut.dim]!;
    const sizes = new Int32Array(cut.groups + 1);
    for (let i = start; i < end; i++) sizes[cut.groupOf[dim.codes[order[i]!]!]! + 1]!++;
    for (let g = 1; g <= cut.groups; g++) sizes[g]! += sizes[g - 1]!;
    const offsets = sizes.slice();
    for (let i = start; i < end; i++) {
      const row = order[i]!;
      buffer[start + offsets[cut.groupOf[dim.codes[row]!]!]!++] = row;
    }
    order.set(buffer.subarray(start, end), start);
    for (let g = cut.groups - 1; g >= 0; g--) stack.push([start + sizes[g]!, start + sizes[g + 1]!]);
  }
  classes.sort((a, b) => a.start - b.start);
  return { order, classes };
}

/** Distinct codes of the node with their counts (in scratch.touched[0..m), scratch.count). */
function histogram(dim: Dim, order: Uint32Array, start: number, end: number, s: Scratch): number {
  let m = 0;
  const { count, touched } = s;
  const codes = dim.codes;
  for (let i = start; i < end; i++) {
    const c = codes[order[i]!]!;
    if (count[c] === 0) touched[m++] = c;
    count[c]!++;
  }
  return m;
}

function clear(s: Scratch, m: number): void {
  for (let i = 0; i < m; i++) s.count[s.touched[i]!] = 0;
}

function bestCut(dim: Dim, j: number, order: Uint32Array, start: number, end: number, k: number, s: Scratch): Cut | undefined {
  const m = histogram(dim, order, start, end, s);
  try {
    if (m < 2) return undefined;
    const codes = Array.from(s.touched.subarray(0, m));
    if (dim.kind === 'hierarchy') return hierarchyCut(dim, j, codes, s, k);
    // Order the distinct values: by number, or for sets by count (largest first).
    if (dim.kind === 'numeric') codes.sort((a, b) => a - b);
    else codes.sort((a, b) => s.count[b]! - s.count[a]! || a - b);
    const total = end - start;
    // GCP of one dimension for the values codes[lo..hi]: a single value costs nothing.
    const loss = (lo: number, hi: number): number =>
      dim.kind === 'numeric' ? (dim.numbers![codes[hi]!]! - dim.numbers![codes[lo]!]!) / span(dim) : lo === hi ? 0 : (hi - lo + 1) / dim.cardinality;
    const whole = total * loss(0, m - 1);
    let left = 0;
    let best = -1;
    let bestGain = 0;
    let bestBalance = 0;
    for (let t = 0; t < m - 1; t++) {
      left += s.count[codes[t]!]!;
      const right = total - left;
      if (left < k) continue;
      if (right < k) break;
      const gain = whole - left * loss(0, t) - right * loss(t + 1, m - 1);
      const balance = Math.min(left, right);
      if (gain > bestGain + 1e-12 || (Math.abs(gain - bestGain) <= 1e-12 && balance > bestBalance)) {
        best = t;
        bestGain = gain;
        bestBalance = balance;
      }
    }
    if (best < 0) return undefined;
    for (let t = 0; t < m; t++) s.groupOf[codes[t]!] = t <= best ? 0 : 1;
    return { gain: bestGain, groupOf: s.groupOf, groups: 2, dim: j };
  } finally {
    clear(s, m);
  }
}

export function span(dim: Dim): number {
  const nums = dim.numbers!;
  const range = nums[nums.length - 1]! - nums[0]!;
  return range > 0 ? range : 1;
}

/** The lowest level at which all codes share one node. */
export function commonLevel(dim: Dim, codes: readonly number[]): number {
  const h = dim.hierarchy!;
  for (let level = 0; level < h.levels; level++) {
    const nodes = h.node[level]!;
    const first = nodes[codes[0]!]!;
    if (codes.every((c) => nodes[c] === first)) return level;
  }
  return h.levels - 1;
}

function hierarchyCut(dim: Dim, j: number, codes: number[], s: Scratch, k: number): Cut | undefined {
  const h = dim.hierarchy!;
  const level = commonLevel(dim, codes);
  if (level === 0) return undefined;
  const leavesAt = (cs: number[]) => {
    const at = commonLevel(dim, cs);
    return at === 0 ? 0 : h.leaves[h.node[at]![cs[0]!]!]!;
  };
  // Children of the common node, with their rows.
  const below = h.node[level - 1]!;
  const children = new Map<number, { codes: number[]; rows: number }>();
  for (const c of codes) {
    const child = children.get(below[c]!) ?? { codes: [], rows: 0 };
    child.codes.push(c);
    child.rows += s.count[c]!;
    children.set(below[c]!, child);
  }
  if (children.size < 2) return undefined;
  // Children with k rows or more stand alone; the rest are merged, and a merged rest below k joins the smallest big child.
  const big = [...children.values()].filter((c) => c.rows >= k).sort((a, b) => a.rows - b.rows);
  const small = [...children.values()].filter((c) => c.rows < k);
  if (big.length === 0) return undefined;
  const groups: { codes: number[]; rows: number }[] = big.map((c) => ({ codes: [...c.codes], rows: c.rows }));
  if (small.length > 0) {
    const rest = { codes: small.flatMap((c) => c.codes), rows: small.reduce((a, c) => a + c.rows, 0) };
    if (rest.rows >= k) groups.push(rest);
    else {
      groups[0]!.codes.push(...rest.codes);
      groups[0]!.rows += rest.rows;
    }
  }
  if (groups.length < 2) return undefined;
  const total = groups.reduce((a, g) => a + g.rows, 0);
  const gain = (total * h.leaves[h.node[level]![codes[0]!]!]! - groups.reduce((a, g) => a + g.rows * leavesAt(g.codes), 0)) / dim.cardinality;
  groups.forEach((g, gi) => g.codes.forEach((c) => (s.groupOf[c] = gi)));
  return { gain, groupOf: s.groupOf, groups: groups.length, dim: j };
}

function splitIsDiverse(
  order: Uint32Array,
  start: number,
  end: number,
  sensitive: Uint32Array,
  ld: LDiversity,
  groupOf: Int32Array | undefined,
  dim: Dim | undefined,
  groups: number,
): boolean {
  const counts = Array.from({ length: groups }, () => new Map<number, number>());
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    const g = groupOf && dim ? groupOf[dim.codes[row]!]! : 0;
    const m = counts[g]!;
    const v = sensitive[row]!;
    m.set(v, (m.get(v) ?? 0) + 1);
  }
  return counts.every((m) => diversityOf([...m.values()], ld.variant, ld.c) >= ld.l);
}
