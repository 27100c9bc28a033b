// Multidimensional local recoding for k-anonymity: top-down partitioning in
// the manner of Mondrian (LeFevre, DeWitt & Ramakrishnan, "Mondrian
// Multidimensional K-Anonymity", ICDE 2006), with three changes that lower
// the information loss:
//   - each cut is chosen greedily for the largest drop of the loss measure
//     GCP (Xu et al. 2006) rather than at the median of the widest dimension;
//   - each class is summarized tightly: the range of the numbers it holds,
//     the set of values it holds, or the lowest hierarchy node above them;
//   - tiers: the small groups of outliers that hold a class back (the few
//     Cubans among the Americans of a class, which keep it at "North
//     America") are deferred, and the deferred rows get classes of their own
//     in a next tier, as ARX's local recoding recodes its suppressed rows.
// A cut keeps equal values together (thresholds on numbers, subsets of
// values, hierarchy children), so identical quasi-identifier combinations
// always share a class and the recoding is a function of the values: a plan
// that can be applied to other data. A row's class is the first class, in
// tier order, whose values it matches: deferred rows match no class of an
// earlier tier, since every value of a deferred group left its class whole.
//
// The partitioner works on the distinct combinations of quasi-identifier
// values (combinations.ts), each weighted by its rows: "rows" below are
// combination indices in one Uint32Array, partitioned in place, and every
// count is a sum of weights.

import type { LDiversity } from './k-anonymity.js';
import { combinations, rowsOf, type Combinations } from './combinations.js';
import { diversityOf } from './measures.js';
import { inputRows, type Dim, type HierarchyIndex, type QiTable } from './qi-table.js';

export interface Partition {
  /** The distinct quasi-identifier combinations the classes are made of. */
  readonly combinations: Combinations;
  /** The combinations of each class, in match order (tier by tier). */
  readonly classes: readonly Uint32Array[];
  /** Combinations published in no class. */
  readonly suppressed: Uint32Array;
}

interface Cut {
  readonly gain: number;
  /** Group of each code of the dimension (scratch, valid for this cut); -1: the group is removed. */
  readonly groupOf: Int32Array;
  readonly groups: number;
  readonly dim: number;
  /** Rows the cut removes. */
  readonly suppressing: number;
  /** Distinct codes of the node, in the dimension's scratch.touched when the cut was made (0: not recorded). */
  readonly values: number;
}

/** Per-dimension scratch space, reused across nodes. */
interface Scratch {
  readonly count: Int32Array;
  readonly touched: Int32Array;
  readonly groupOf: Int32Array;
  /** Sort keys of the distinct values. */
  readonly keys: Float64Array;
  /** Hierarchies: rows under each node, and the group of each node. */
  readonly nodeRows: Int32Array;
  readonly nodeGroup: Int32Array;
  /** Hierarchy cuts: the children of the common node, the big ones in order, and each group's first code, level and rows. */
  readonly children: Int32Array;
  readonly bigChildren: Int32Array;
  readonly groupFirst: Int32Array;
  readonly groupLevel: Int32Array;
  readonly groupWeight: Int32Array;
  /** Removal candidates: a class's distinct codes, their counts, and their order. */
  readonly codes: Int32Array;
  readonly counts: Int32Array;
  readonly order: Int32Array;
  /** A candidate's groups kept through the lookahead (only the node's codes are valid). */
  readonly held: Int32Array;
}

interface Context {
  /** The combinations of the input's quasi-identifiers. */
  readonly table: QiTable;
  /** Input rows of each combination. */
  readonly weight: Uint32Array;
  readonly k: number;
  readonly lDiversity: LDiversity | undefined;
  readonly scratch: Scratch[];
  /** max - min of each numeric dimension (1 when constant). */
  readonly spans: Float64Array;
  /** Distinct codes of each dimension in the class bestSuppressingCut examines. */
  readonly distinct: Int32Array;
  /** Row buffers of the lookahead. */
  readonly probe: Uint32Array;
  readonly spare: Uint32Array;
  /**
   * Rank cuts by their gain plus the gains their groups could make next.
   * Hierarchies make greedy cuts short-sighted (a cut that merges small
   * children keeps them at the parent node); without hierarchies the
   * lookahead changes little and doubles the time.
   */
  readonly lookahead: boolean;
}

/**
 * Cuts along a hierarchy are ranked at twice their immediate gain. A number
 * or a value set can be cut anywhere later at little cost, but a hierarchy
 * only along its tree: once other cuts have mixed a large subtree with its
 * small siblings, the subtree stays at their common node. Tuned on Adult
 * (k = 2..100, GCP 5-8% lower than at weight 1; 3 and more do no better).
 */
const HIERARCHY_WEIGHT = 2;

/** Candidates that get the lookahead: on Adult, three give the GCP of all eight in two thirds of the time. */
const LOOKAHEAD_WIDTH = 3;

/**
 * What a deferred row is assumed to cost in each quasi-identifier when a
 * tier decides what to defer (its classes in the next tier are coarse: the
 * outliers of every class meet there). On Adult, with hierarchies and
 * without, 0.3 gives the lowest GCP at every k from 2 to 100 (0.2-0.5 are
 * within 2%); 1, the cost of a suppressed row, defers almost nothing.
 */
const DEFERRED_COST = 0.3;

/** Tiers of classes: a third gains 1-2% on Adult, a fourth under 1% for more time. */
const TIERS = 3;

/**
 * Partitions the rows into classes of at least k rows (l-diverse if asked),
 * in tiers. Then, within `maxSuppressed` rows, suppresses the small groups of
 * the last tier whose removal lets a class be cut further, where that lowers
 * the total loss most per row suppressed (a suppressed row costs 1 in every
 * quasi-identifier, as in GCP).
 */
export function partition(input: QiTable, k: number, lDiversity: LDiversity | undefined, maxSuppressed = 0): Partition {
  const found = combinations(input, lDiversity !== undefined);
  const { table, weight } = found;
  const all = Uint32Array.from({ length: table.rows }, (_, i) => i);
  if (inputRows(input) < k || input.rows === 0) return { combinations: found, classes: [], suppressed: all };
  const ctx: Context = {
    table,
    weight,
    k,
    lDiversity,
    scratch: table.dims.map((d) => {
      const nodes = d.hierarchy ? d.hierarchy.label.length : 0;
      // A hierarchy cut has at most one group per distinct value, plus one.
      const perGroup = () => new Int32Array(nodes > 0 ? d.cardinality + 1 : 0);
      return {
        count: new Int32Array(d.cardinality),
        touched: new Int32Array(d.cardinality),
        groupOf: new Int32Array(d.cardinality),
        keys: new Float64Array(d.cardinality),
        nodeRows: new Int32Array(nodes),
        nodeGroup: new Int32Array(nodes),
        children: perGroup(),
        bigChildren: perGroup(),
        groupFirst: perGroup(),
        groupLevel: perGroup(),
        groupWeight: perGroup(),
        codes: new Int32Array(d.cardinality),
        counts: new Int32Array(d.cardinality),
        order: new Int32Array(d.cardinality),
        held: new Int32Array(d.cardinality),
      };
    }),
    spans: Float64Array.from(table.dims, (d) => (d.kind === 'numeric' ? span(d) : 1)),
    distinct: new Int32Array(table.dims.length),
    probe: new Uint32Array(table.rows),
    spare: new Uint32Array(table.rows),
    lookahead: table.dims.some((d) => d.kind === 'hierarchy'),
  };
  if (!diverse(ctx, all, 0, all.length)) return { combinations: found, classes: [], suppressed: all };
  const tiers = tiersOf(ctx, all, TIERS);
  // Suppression works on the last tier only: the rows it removes match no class of an earlier tier.
  const suppressed: Uint32Array[] = [];
  tiers.push(improve(ctx, tiers.pop()!, ctx.table.dims.length, maxSuppressed, suppressed));
  return { combinations: found, classes: tiers.flat(), suppressed: concat(suppressed) };
}

/** Input rows of the combinations order[start, end). */
function weightOf(ctx: Context, order: Uint32Array, start = 0, end = order.length): number {
  return rowsOf(ctx.weight, order, start, end);
}

/** Classes of the rows in at most `depth` tiers: the rows a tier defers get the next tier's classes. */
function tiersOf(ctx: Context, rows: Uint32Array, depth: number): Uint32Array[][] {
  const first = split(ctx, rows);
  if (depth <= 1) return [first];
  const deferred: Uint32Array[] = [];
  const kept = improve(ctx, first, DEFERRED_COST * ctx.table.dims.length, weightOf(ctx, rows), deferred);
  const pool = concat(deferred);
  if (pool.length === 0) return [kept];
  // Too few (or too uniform) to form a class of their own: defer nothing.
  if (weightOf(ctx, pool) < ctx.k || !diverse(ctx, pool, 0, pool.length)) return [first];
  return [kept, ...tiersOf(ctx, pool, depth - 1)];
}

/**
 * Rounds of moves that remove a class's small groups (into `removed`) where
 * that lowers the total loss most per row removed, each removed row costing
 * `costPerRow`, at most `budget` rows in all. A class's best move is computed
 * once; only the classes a move creates are examined again, and they take
 * the place of the class they came from.
 */
function improve(ctx: Context, classes: Uint32Array[], costPerRow: number, budget: number, removed: Uint32Array[]): Uint32Array[] {
  if (budget <= 0) return classes;
  let pending: { rows: Uint32Array; cut: Cut | undefined }[] = classes.map((rows) => ({ rows, cut: bestSuppressingCut(ctx, rows, costPerRow) }));
  for (let round = 0; round < 40 && budget > 0; round++) {
    const moves = pending
      .map((p, index) => ({ index, cut: p.cut }))
      .filter((m): m is { index: number; cut: Cut } => m.cut !== undefined && m.cut.suppressing <= budget)
      .sort((a, b) => b.cut.gain / b.cut.suppressing - a.cut.gain / a.cut.suppressing);
    if (moves.length === 0) break;
    const replaced = new Map<number, Uint32Array[]>();
    for (const { index, cut } of moves) {
      if (cut.suppressing > budget) continue;
      budget -= cut.suppressing;
      const { groups, dropped } = applyCut(ctx, pending[index]!.rows, cut);
      removed.push(dropped);
      replaced.set(index, groups.flatMap((g) => split(ctx, g)));
    }
    pending = pending.flatMap((p, i) => {
      const next = replaced.get(i);
      return next ? next.map((rows) => ({ rows, cut: budget > 0 ? bestSuppressingCut(ctx, rows, costPerRow) : undefined })) : [p];
    });
  }
  return pending.map((p) => p.rows);
}

function concat(parts: readonly Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((a, x) => a + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

function diverse(ctx: Context, order: Uint32Array, start: number, end: number, cut?: Cut): boolean {
  if (!ctx.lDiversity || !ctx.table.sensitive) return true;
  return splitIsDiverse(order, start, end, ctx.weight, ctx.table.sensitive.codes, ctx.lDiversity, cut && cut.groupOf, cut && ctx.table.dims[cut.dim], cut?.groups ?? 1);
}

/** Top-down partitioning of one set of rows (at least k of them) into classes. */
function split(ctx: Context, rows: Uint32Array): Uint32Array[] {
  const { table, k } = ctx;
  const order = rows;
  const classes: Uint32Array[] = [];
  const buffer = new Uint32Array(order.length);
  const stack: [number, number][] = [[0, order.length]];
  while (stack.length > 0) {
    const [start, end] = stack.pop()!;
    const total = weightOf(ctx, order, start, end);
    const cuts: Cut[] = [];
    for (let j = 0; j < table.dims.length; j++) {
      const cut = bestCut(ctx, j, order, start, end, total);
      if (cut && cut.gain > 1e-12) cuts.push(cut);
    }
    if (ctx.lookahead && cuts.length > 1) lookahead(ctx, cuts, order.subarray(start, end));
    cuts.sort((a, b) => b.gain - a.gain);
    const cut = cuts.find((c) => diverse(ctx, order, start, end, c));
    if (!cut) {
      classes.push(order.subarray(start, end));
      continue;
    }
    const sizes = groupRows(table.dims[cut.dim]!, cut, order, start, end, buffer);
    for (let g = cut.groups - 1; g >= 0; g--) stack.push([start + sizes[g]!, start + sizes[g + 1]!]);
  }
  return classes;
}

/**
 * Re-ranks the LOOKAHEAD_WIDTH best candidate cuts of a node (dropping the
 * others): a cut is worth twice its own gain plus every gain its groups could
 * still make, one per dimension. Summing over the dimensions, rather than
 * taking the best next cut, counts the hierarchy cuts a cut makes impossible
 * by leaving too few rows of a small child in each group.
 */
function lookahead(ctx: Context, cuts: Cut[], node: Uint32Array): void {
  const { table } = ctx;
  cuts.sort((a, b) => b.gain - a.gain);
  cuts.length = Math.min(cuts.length, LOOKAHEAD_WIDTH);
  const { probe, spare } = ctx;
  const n = node.length;
  // Each candidate's groups live in its dimension's scratch, which the probing below reuses: keep them
  // (the node's codes only, still listed in scratch.touched), one candidate per dimension.
  for (const [i, c] of cuts.entries()) {
    const { touched, held } = ctx.scratch[c.dim]!;
    for (let t = 0; t < c.values; t++) held[touched[t]!] = c.groupOf[touched[t]!]!;
    cuts[i] = { ...c, groupOf: held };
  }
  for (const [i, c] of cuts.entries()) {
    probe.set(node);
    const sizes = groupRows(table.dims[c.dim]!, c, probe, 0, n, spare);
    let next = 0;
    for (let g = 0; g < c.groups; g++) {
      const total = weightOf(ctx, probe, sizes[g]!, sizes[g + 1]!);
      for (let j = 0; j < table.dims.length; j++) next += bestCut(ctx, j, probe, sizes[g]!, sizes[g + 1]!, total)?.gain ?? 0;
    }
    cuts[i] = { ...c, gain: 2 * c.gain + next };
  }
}

/** Counting sort of order[start, end) by group (removed rows, group -1, last); returns group offsets. */
function groupRows(dim: Dim, cut: Cut, order: Uint32Array, start: number, end: number, buffer: Uint32Array): Int32Array {
  const { groupOf, groups } = cut;
  const codes = dim.codes;
  const sizes = new Int32Array(groups + 2);
  for (let i = start; i < end; i++) {
    const g = groupOf[codes[order[i]!]!]!;
    sizes[(g < 0 ? groups : g) + 1]!++;
  }
  for (let g = 1; g < sizes.length; g++) sizes[g]! += sizes[g - 1]!;
  const offsets = sizes.slice();
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    const g = groupOf[codes[row]!]!;
    buffer[start + offsets[g < 0 ? groups : g]!++] = row;
  }
  order.set(buffer.subarray(start, end), start);
  return sizes;
}

function applyCut(ctx: Context, rows: Uint32Array, cut: Cut): { groups: Uint32Array[]; dropped: Uint32Array } {
  const order = Uint32Array.from(rows);
  const sizes = groupRows(ctx.table.dims[cut.dim]!, cut, order, 0, order.length, new Uint32Array(order.length));
  const groups = Array.from({ length: cut.groups }, (_, g) => order.subarray(sizes[g]!, sizes[g + 1]!));
  return { groups, dropped: order.subarray(sizes[cut.groups]!, sizes[cut.groups + 1]!) };
}

/** The per-row loss of a class summed over its quasi-identifiers (as recode.ts measures it). */
function rowLoss(ctx: Context, rows: Uint32Array): number {
  let loss = 0;
  for (let j = 0; j < ctx.table.dims.length; j++) {
    const dim = ctx.table.dims[j]!;
    const s = ctx.scratch[j]!;
    const m = histogram(ctx, dim, rows, 0, rows.length, s);
    loss += dimensionLoss(dim, s.touched, m, ctx.spans[j]);
    clear(s, m);
  }
  return loss;
}

/** The lowest and the highest of the first m codes (for numbers: the class's range, codes being ranks). */
export function codeRange(codes: ArrayLike<number>, m: number): [number, number] {
  let lo = codes[0]!;
  let hi = lo;
  for (let i = 1; i < m; i++) {
    const c = codes[i]!;
    if (c < lo) lo = c;
    else if (c > hi) hi = c;
  }
  return [lo, hi];
}

/**
 * GCP of one dimension for a class holding the m distinct codes in `codes`:
 * 0 for one value, else (hi - lo) / range for numbers, values covered over
 * distinct values for sets and hierarchy nodes. The one measure the
 * partitioner optimizes and recode.ts reports.
 */
export function dimensionLoss(dim: Dim, codes: Int32Array, m: number, range = dim.kind === 'numeric' ? span(dim) : 1): number {
  if (m < 2) return 0;
  if (dim.kind === 'set') return m / dim.cardinality;
  if (dim.kind === 'hierarchy') {
    const h = dim.hierarchy!;
    return h.leaves[h.node[commonLevel(dim, codes.subarray(0, m))]![codes[0]!]!]! / dim.cardinality;
  }
  const [lo, hi] = codeRange(codes, m);
  return rangeLoss(dim, lo, hi, range);
}

/**
 * GCP of a number range from code lo to code hi: its width over the column's.
 * The empty value (code 0 of a column that has one) is outside every range: a
 * class that mixes it with numbers is published as '*' and costs 1.
 */
export function rangeLoss(dim: Dim, lo: number, hi: number, range: number): number {
  if (lo === hi) return 0;
  if (lo === 0 && dim.empty) return 1;
  return (dim.numbers![hi]! - dim.numbers![lo]!) / range;
}

/**
 * The best cut of a class that removes its small groups: groups under k
 * (at either end of a number or value order, or small hierarchy children)
 * are removed, the rest become classes. Its gain is the loss removed from
 * the kept rows minus what the removed rows cost.
 */
function bestSuppressingCut(ctx: Context, rows: Uint32Array, costPerRow: number): Cut | undefined {
  const { table, k } = ctx;
  const dims = table.dims.length;
  const total = weightOf(ctx, rows);
  if (total <= k) return undefined;
  // Each dimension's distinct codes (first seen first) and their rows, kept apart (keptLoss reuses
  // the histogram's scratch), and the class's loss: the sum of the dimensions' (as rowLoss).
  const distinct = ctx.distinct;
  let before = 0;
  for (let j = 0; j < dims; j++) {
    const s = ctx.scratch[j]!;
    const m = histogram(ctx, table.dims[j]!, rows, 0, rows.length, s);
    for (let i = 0; i < m; i++) {
      s.codes[i] = s.touched[i]!;
      s.counts[i] = s.count[s.codes[i]!]!;
    }
    before += dimensionLoss(table.dims[j]!, s.touched, m, ctx.spans[j]);
    clear(s, m);
    distinct[j] = m;
  }
  if (before === 0) return undefined;
  let best: Cut | undefined;
  const consider = (j: number, groups: number): void => {
    const s = ctx.scratch[j]!;
    let after: number;
    let removing: number;
    if (groups === 1 && !ctx.lDiversity) {
      // One kept group (the candidates guarantee k rows): measured in place.
      ({ after, removing } = keptLoss(ctx, rows, j));
    } else {
      const trial: Cut = { gain: 0, groupOf: s.groupOf, groups, dim: j, suppressing: 0, values: 0 };
      const cut = applyCut(ctx, rows, trial);
      const weights = cut.groups.map((g) => weightOf(ctx, g));
      if (weights.some((w) => w < k)) return;
      if (ctx.lDiversity && cut.groups.some((g) => !diverse(ctx, g, 0, g.length))) return;
      after = cut.groups.reduce((a, g, i) => a + weights[i]! * rowLoss(ctx, g), 0);
      removing = weightOf(ctx, cut.dropped);
    }
    if (removing === 0) return;
    const gain = total * before - after - removing * costPerRow;
    if (gain > 1e-9 && (!best || gain / removing > best.gain / best.suppressing)) {
      best = { gain, groupOf: Int32Array.from(s.groupOf), groups, dim: j, suppressing: removing, values: 0 };
    }
  };
  for (let j = 0; j < dims; j++) {
    const dim = table.dims[j]!;
    const s = ctx.scratch[j]!;
    const m = distinct[j]!;
    const { codes, counts, order, keys, groupOf } = s;
    if (m < 2) continue;
    if (dim.kind === 'hierarchy') {
      // Remove the children under k rows of the codes' common node; each big child (in the order first seen) is a class.
      const { nodeRows, nodeGroup, children } = s;
      const below = dim.hierarchy!.node[commonLevel(dim, codes, m) - 1]!;
      let n = 0;
      for (let i = 0; i < m; i++) {
        const child = below[codes[i]!]!;
        if (nodeRows[child] === 0) children[n++] = child;
        nodeRows[child]! += counts[i]!;
      }
      let big = 0;
      for (let t = 0; t < n; t++) nodeGroup[children[t]!] = nodeRows[children[t]!]! >= k ? big++ : -1;
      for (let t = 0; t < n; t++) nodeRows[children[t]!] = 0;
      if (big === 0 || big === n) continue;
      for (let i = 0; i < m; i++) groupOf[codes[i]!] = nodeGroup[below[codes[i]!]!]!;
      consider(j, big);
      continue;
    }
    // Numbers in order; other values by count, largest first (ties: first seen first).
    for (let i = 0; i < m; i++) keys[i] = (dim.kind === 'numeric' ? codes[i]! : total - counts[i]!) * m + i;
    keys.subarray(0, m).sort();
    for (let p = 0; p < m; p++) order[p] = keys[p]! % m;
    // Remove a small prefix or a small suffix of the order.
    const removeOutside = (from: number, to: number): void => {
      for (let p = 0; p < m; p++) groupOf[codes[order[p]!]!] = p >= from && p <= to ? 0 : -1;
    };
    let prefix = 0;
    for (let p = 0; p < m - 1 && prefix + counts[order[p]!]! < k; p++) {
      prefix += counts[order[p]!]!;
      if (total - prefix < k) continue;
      removeOutside(p + 1, m - 1);
      consider(j, 1);
    }
    let suffix = 0;
    for (let p = m - 1; p > 0 && suffix + counts[order[p]!]! < k; p--) {
      suffix += counts[order[p]!]!;
      if (total - suffix < k) continue;
      removeOutside(0, p - 1);
      consider(j, 1);
    }
  }
  return best;
}

/** The total loss of the rows a one-group cut along dimension j (in its scratch groupOf) keeps, and how many it removes. */
function keptLoss(ctx: Context, rows: Uint32Array, j: number): { after: number; removing: number } {
  const { dims } = ctx.table;
  const cutCodes = dims[j]!.codes;
  const keep = ctx.scratch[j]!.groupOf;
  const { weight } = ctx;
  let loss = 0;
  let kept = 0;
  for (let d = 0; d < dims.length; d++) {
    const codes = dims[d]!.codes;
    const { count, touched } = ctx.scratch[d]!;
    let m = 0;
    kept = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (keep[cutCodes[row]!]! < 0) continue;
      kept += weight[row]!;
      const c = codes[row]!;
      if (count[c] === 0) touched[m++] = c;
      count[c]!++;
    }
    loss += dimensionLoss(dims[d]!, touched, m, ctx.spans[d]);
    clear(ctx.scratch[d]!, m);
  }
  return { after: kept * loss, removing: weightOf(ctx, rows) - kept };
}

/** Distinct codes of the node with their rows (in scratch.touched[0..m), scratch.count). */
function histogram(ctx: Context, dim: Dim, order: Uint32Array, start: number, end: number, s: Scratch): number {
  let m = 0;
  const { count, touched } = s;
  const { weight } = ctx;
  const codes = dim.codes;
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    const c = codes[row]!;
    if (count[c] === 0) touched[m++] = c;
    count[c]! += weight[row]!;
  }
  return m;
}

function clear(s: Scratch, m: number): void {
  for (let i = 0; i < m; i++) s.count[s.touched[i]!] = 0;
}

/** The best cut of order[start, end) (`total` rows) along dimension j into parts of at least k rows, by GCP gain. */
function bestCut(ctx: Context, j: number, order: Uint32Array, start: number, end: number, total: number): Cut | undefined {
  const { k } = ctx;
  if (total < 2 * k) return undefined;
  const dim = ctx.table.dims[j]!;
  const s = ctx.scratch[j]!;
  const m = histogram(ctx, dim, order, start, end, s);
  let cut: Cut | undefined;
  if (m >= 2) cut = dim.kind === 'hierarchy' ? hierarchyCut(ctx, j, m, total) : orderedCut(ctx, j, m, total);
  clear(s, m);
  return cut;
}

/** A threshold cut of the m distinct values in scratch, ordered by number or, for sets, by count (largest first). */
function orderedCut(ctx: Context, j: number, m: number, total: number): Cut | undefined {
  const { k } = ctx;
  const dim = ctx.table.dims[j]!;
  const { count, touched, keys, groupOf } = ctx.scratch[j]!;
  const codes = touched.subarray(0, m);
  const numeric = dim.kind === 'numeric';
  if (numeric) codes.sort();
  else {
    const card = dim.cardinality;
    for (let t = 0; t < m; t++) keys[t] = (total - count[codes[t]!]!) * card + codes[t]!;
    keys.subarray(0, m).sort();
    for (let t = 0; t < m; t++) codes[t] = keys[t]! % card;
  }
  // GCP of one dimension for the values codes[lo..hi]: a single value costs nothing. Codes are sorted, so the
  // empty value (code 0 of a numeric column that has one) can only be first: then a left part of more costs 1.
  const nums = dim.numbers;
  const span = ctx.spans[j]!;
  const card = dim.cardinality;
  const emptyFirst = numeric && dim.empty === true && codes[0] === 0;
  const whole = total * (numeric ? rangeLoss(dim, codes[0]!, codes[m - 1]!, span) : m / card);
  let left = 0;
  let best = -1;
  let bestGain = 0;
  let bestBalance = 0;
  for (let t = 0; t < m - 1; t++) {
    left += count[codes[t]!]!;
    const right = total - left;
    if (left < k) continue;
    if (right < k) break;
    const leftLoss = numeric ? (emptyFirst && t > 0 ? 1 : (nums![codes[t]!]! - nums![codes[0]!]!) / span) : t === 0 ? 0 : (t + 1) / card;
    const rightLoss = numeric ? (nums![codes[m - 1]!]! - nums![codes[t + 1]!]!) / span : t + 1 === m - 1 ? 0 : (m - 1 - t) / card;
    const gain = whole - left * leftLoss - right * rightLoss;
    const balance = Math.min(left, right);
    if (gain > bestGain + 1e-12 || (Math.abs(gain - bestGain) <= 1e-12 && balance > bestBalance)) {
      best = t;
      bestGain = gain;
      bestBalance = balance;
    }
  }
  if (best < 0) return undefined;
  for (let t = 0; t < m; t++) groupOf[codes[t]!] = t <= best ? 0 : 1;
  return { gain: bestGain, groupOf, groups: 2, dim: j, suppressing: 0, values: m };
}

export function span(dim: Dim): number {
  const nums = dim.numbers!;
  const range = nums[nums.length - 1]! - nums[0]!;
  return range > 0 ? range : 1;
}

/** The lowest level at which the first m codes share one node. */
export function commonLevel(dim: Dim, codes: ArrayLike<number>, m = codes.length): number {
  const h = dim.hierarchy!;
  for (let level = 0; level < h.levels; level++) {
    const nodes = h.node[level]!;
    const first = nodes[codes[0]!]!;
    let same = true;
    for (let i = 1; i < m && same; i++) same = nodes[codes[i]!] === first;
    if (same) return level;
  }
  return h.levels - 1;
}

/** The lowest level at which two codes share a node. */
function meetLevel(h: HierarchyIndex, a: number, b: number): number {
  let level = 0;
  while (level < h.levels - 1 && h.node[level]![a] !== h.node[level]![b]) level++;
  return level;
}

/**
 * A cut of the m distinct values in scratch into the children of their common
 * node: children with k rows or more stand alone, the rest are merged, and a
 * merged rest below k joins the smallest big child.
 */
function hierarchyCut(ctx: Context, j: number, m: number, total: number): Cut | undefined {
  const { k } = ctx;
  const dim = ctx.table.dims[j]!;
  const h = dim.hierarchy!;
  const s = ctx.scratch[j]!;
  const { count, touched: codes, groupOf, nodeRows, nodeGroup, children, bigChildren, groupFirst, groupLevel, groupWeight } = s;
  const level = commonLevel(dim, codes, m);
  if (level === 0) return undefined;
  const below = h.node[level - 1]!;
  // Rows under each child of the common node.
  let n = 0;
  for (let i = 0; i < m; i++) {
    const child = below[codes[i]!]!;
    if (nodeRows[child] === 0) children[n++] = child;
    nodeRows[child]! += count[codes[i]!]!;
  }
  // The big children, fewest rows first (ties: by id); the rows of the others.
  let big = 0;
  let rest = 0;
  for (let t = 0; t < n; t++) {
    const c = children[t]!;
    const r = nodeRows[c]!;
    if (r < k) {
      rest += r;
      continue;
    }
    let at = big++;
    while (at > 0 && (nodeRows[bigChildren[at - 1]!]! > r || (nodeRows[bigChildren[at - 1]!]! === r && bigChildren[at - 1]! > c))) {
      bigChildren[at] = bigChildren[at - 1]!;
      at--;
    }
    bigChildren[at] = c;
  }
  for (let t = 0; t < n; t++) nodeRows[children[t]!] = 0;
  const groups = big + (rest >= k ? 1 : 0);
  if (n < 2 || big === 0 || groups < 2) return undefined;
  // Each big child is a group; the small ones are one more, or join the smallest big child when under k.
  const restGroup = rest > 0 && rest < k ? 0 : big;
  for (let t = 0; t < n; t++) nodeGroup[children[t]!] = restGroup;
  for (let g = 0; g < big; g++) nodeGroup[bigChildren[g]!] = g;
  // Each group's rows and common level (the deepest meeting level of its values with its first value).
  groupFirst.fill(-1, 0, groups);
  groupLevel.fill(0, 0, groups);
  groupWeight.fill(0, 0, groups);
  for (let i = 0; i < m; i++) {
    const c = codes[i]!;
    const g = nodeGroup[below[c]!]!;
    groupOf[c] = g;
    groupWeight[g]! += count[c]!;
    if (groupFirst[g] === -1) groupFirst[g] = c;
    else groupLevel[g] = Math.max(groupLevel[g]!, meetLevel(h, groupFirst[g]!, c));
  }
  let after = 0;
  for (let g = 0; g < groups; g++) if (groupLevel[g]! > 0) after += groupWeight[g]! * h.leaves[h.node[groupLevel[g]!]![groupFirst[g]!]!]!;
  const gain = (total * h.leaves[h.node[level]![codes[0]!]!]! - after) / dim.cardinality;
  return { gain: gain * HIERARCHY_WEIGHT, groupOf, groups, dim: j, suppressing: 0, values: m };
}

function splitIsDiverse(
  order: Uint32Array,
  start: number,
  end: number,
  weight: Uint32Array,
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
    m.set(v, (m.get(v) ?? 0) + weight[row]!);
  }
  return counts.every((m) => diversityOf([...m.values()], ld.variant, ld.c) >= ld.l);
}
