// From a partition to published values: each class's quasi-identifiers are
// summarized (number range, value set, lowest common hierarchy node), its
// loss is measured (GCP), and the whole becomes a plan, which says for every
// class which input values it matches and what it publishes.
//
// Output formats (those of `generalize`):
//   37              one value: published as it is (cost 0)
//   30-39, [1.5, 2.25]   the numbers of a class (integers inclusive; reals closed)
//   a|b|c           the values of a class; `\` and `|` inside a value are escaped as `\\` and `\|`
//   Higher education   the lowest hierarchy node above the class's values
//   *               the whole domain (cost 1)
//
// With `publish: representative` each class publishes one value of the
// input's own domain instead (the same classes, so the same k, l and GCP):
// numbers the class's median (the lower one of an even count: a value some
// row holds) or its range's midpoint (rounded for integer columns), other
// values the most frequent one (ties: the first in sort order), or for a
// column with a hierarchy and `categories: node` the node as above.
//
// A published tuple can be a row's own: every quasi-identifier published as
// that row's raw value. Generalized output does so only for a class whose
// rows all share one tuple; a representative does so for the rows that hold
// the class's median and mode, which is attribute inference within the class
// (docs/k-anonymity.md). `max_own_share` caps it: a class where more of its
// rows than that would carry their own tuple publishes its generalized
// values instead.

import { closedRange, integerRange, SUPPRESSED } from '../lib/numeric.js';
import { GENERALIZED, type Publishing } from './k-anonymity.js';
import { rowsOf } from './combinations.js';
import { codeRange, commonLevel, dimensionLoss, type Partition } from './mondrian.js';
import { inputRows, type Dim, type QiTable } from './qi-table.js';

/** What a class matches in one quasi-identifier: a number range (and the empty value, with `empty`), or a list of values. */
export type Match = { readonly min: number; readonly max: number; readonly empty?: true } | { readonly in: readonly string[] };

export interface PlanClass {
  readonly size: number;
  readonly match: Readonly<Record<string, Match>>;
  readonly output: Readonly<Record<string, string>>;
}

export interface Recoding {
  /** Class of each row, or -1 when the row is suppressed. */
  readonly classOf: Int32Array;
  /** The plan's classes, built on demand. */
  readonly classes: () => PlanClass[];
  /** Output values of each class, in quasi-identifier order. */
  readonly outputs: readonly (readonly string[])[];
  readonly suppressed: number;
  /** GCP over all rows and quasi-identifiers, suppressed rows costing 1 each. */
  readonly gcp: number;
  /** GCP of each quasi-identifier alone, in model order. */
  readonly gcpByColumn: readonly number[];
  /** Rows whose quasi-identifier combination was unique in the input. */
  readonly uniquesBefore: number;
  /** Classes that publish generalized values because their representatives exceeded max_own_share. */
  readonly generalizedForShare: number;
}

/** Is a published value a row's own raw value (a single value, as the set format writes it)? */
export function isOwnValue(dim: Dim, code: number, published: string): boolean {
  const raw = dim.values[code]!;
  return published === raw || (dim.kind === 'set' && published === escapeSetValue(raw));
}

/** Is every quasi-identifier of table row r published as its own value? */
function isOwnRow(table: QiTable, r: number, out: readonly string[]): boolean {
  for (let j = 0; j < table.dims.length; j++) if (!isOwnValue(table.dims[j]!, table.dims[j]!.codes[r]!, out[j]!)) return false;
  return true;
}

/** Rows (weighted) of these table rows whose every quasi-identifier is published as their own value. */
function ownRows(table: QiTable, weight: Uint32Array | undefined, rows: ArrayLike<number>, out: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < rows.length; i++) if (isOwnRow(table, rows[i]!, out)) n += weight ? weight[rows[i]!]! : 1;
  return n;
}

/**
 * Published rows whose tuple is their own raw tuple, and of those the rows of
 * uniform classes (all rows one tuple: their own in any form). classOf per
 * table row, -1 suppressed.
 */
export function ownTupleRows(table: QiTable, classOf: Int32Array, outputs: readonly (readonly string[])[]): { own: number; uniform: number } {
  const first = new Int32Array(outputs.length).fill(-1);
  const mixed = new Uint8Array(outputs.length);
  const rows = new Float64Array(outputs.length);
  let own = 0;
  for (let r = 0; r < table.rows; r++) {
    const c = classOf[r]!;
    if (c < 0) continue;
    const w = table.weights ? table.weights[r]! : 1;
    if (isOwnRow(table, r, outputs[c]!)) own += w;
    rows[c]! += w;
    if (first[c] === -1) first[c] = r;
    else if (mixed[c] === 0 && table.dims.some((d) => d.codes[r] !== d.codes[first[c]!])) mixed[c] = 1;
  }
  let uniform = 0;
  for (let c = 0; c < outputs.length; c++) if (first[c] !== -1 && mixed[c] === 0) uniform += rows[c]!;
  return { own, uniform };
}

export function escapeSetValue(v: string): string {
  if (v === SUPPRESSED) return '\\*';
  return v.includes('|') || v.includes('\\') ? v.replace(/[\\|]/g, (c) => `\\${c}`) : v;
}

/** The values of a published set (the inverse of the set format). */
export function parseSetValue(text: string): string[] {
  if (text === '\\*') return [SUPPRESSED];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) cur += text[++i];
    else if (ch === '|') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Distinct codes of a dimension among a class's combinations, into `out` (returns how many), with a reusable marker array (cleared before returning). */
function distinctInto(dim: Dim, members: Uint32Array, seen: Uint8Array, out: Int32Array): number {
  let m = 0;
  const codes = dim.codes;
  for (let i = 0; i < members.length; i++) {
    const c = codes[members[i]!]!;
    if (seen[c] === 0) {
      seen[c] = 1;
      out[m++] = c;
    }
  }
  for (let i = 0; i < m; i++) seen[out[i]!] = 0;
  return m;
}

/** What a class publishes in one dimension, and what that costs (GCP), from its m distinct codes. */
function publish(dim: Dim, distinct: Int32Array, m: number): { output: string; loss: number } {
  const loss = dimensionLoss(dim, distinct, m);
  if (m === 1) return { output: dim.kind === 'set' ? escapeSetValue(dim.values[distinct[0]!]!) : dim.values[distinct[0]!]!, loss };
  if (loss >= 1 && dim.kind !== 'hierarchy') return { output: SUPPRESSED, loss };
  if (dim.kind === 'numeric') {
    const [lo, hi] = codeRange(distinct, m);
    const [a, b] = [dim.numbers![lo]!, dim.numbers![hi]!];
    return { output: dim.integer ? integerRange(a, b) : closedRange(a, b), loss };
  }
  if (dim.kind === 'hierarchy') return { output: dim.hierarchy!.label[dim.hierarchy!.node[commonLevel(dim, distinct.subarray(0, m))]![distinct[0]!]!]!, loss };
  const values = Array.from(distinct.subarray(0, m), (c) => dim.values[c]!).sort();
  return { output: values.map(escapeSetValue).join('|'), loss };
}

/**
 * A class's representative in one dimension, from its m distinct codes and
 * each one's rows (`count`, indexed by code; cleared before returning).
 */
function representative(dim: Dim, distinct: Int32Array, m: number, count: Float64Array, how: Publishing): string {
  const codes = Array.from(distinct.subarray(0, m));
  try {
    if (dim.kind === 'numeric') {
      const numbers = codes.filter((c) => !(dim.empty && c === 0)).sort((a, b) => a - b);
      if (numbers.length === 0) return '';
      if (how.numbers === 'midpoint') {
        const mid = (dim.numbers![numbers[0]!]! + dim.numbers![numbers[numbers.length - 1]!]!) / 2;
        return String(dim.integer ? Math.floor(mid + 0.5) : mid);
      }
      let total = 0;
      for (const c of numbers) total += count[c]!;
      let seen = 0;
      for (const c of numbers) {
        seen += count[c]!;
        if (2 * seen >= total) return dim.values[c]!;
      }
      return dim.values[numbers[numbers.length - 1]!]!;
    }
    let best = codes[0]!;
    for (const c of codes) {
      const d = count[c]! - count[best]!;
      if (d > 0 || (d === 0 && dim.values[c]! < dim.values[best]!)) best = c;
    }
    return dim.values[best]!;
  } finally {
    for (const c of codes) count[c] = 0;
  }
}

/** Which input values a class matches in one dimension (for the plan). */
function matchOf(dim: Dim, distinct: number[]): Match {
  if (dim.kind === 'numeric') {
    const numbers = dim.empty ? distinct.filter((c) => c !== 0) : distinct;
    if (numbers.length === 0) return { in: [''] };
    let min = Infinity;
    let max = -Infinity;
    for (const c of numbers) {
      min = Math.min(min, dim.numbers![c]!);
      max = Math.max(max, dim.numbers![c]!);
    }
    return numbers.length < distinct.length ? { min, max, empty: true } : { min, max };
  }
  return { in: distinct.map((c) => dim.values[c]!).sort() };
}

/** maxOwnShare: with representatives, the largest share of a class's rows that may carry their own tuple (else the class is generalized; a uniform class carries it in any form). */
export function recode(table: QiTable, p: Partition, how: Publishing = GENERALIZED, maxOwnShare = 1): Recoding {
  // Classes are made of combinations (combinations.ts): measured there, then each row takes its combination's class.
  const { table: combos, weight, combinationOf } = p.combinations;
  const classOfCombination = new Int32Array(combos.rows).fill(-1);
  const outputs: string[][] = [];
  const sizes: number[] = [];
  let lossSum = 0;
  let kept = 0;
  let uniquesBefore = 0;
  const seen = combos.dims.map((d) => new Uint8Array(d.cardinality));
  const distinct = combos.dims.map((d) => new Int32Array(d.cardinality));
  const representing = how.form === 'representative';
  const counts = representing ? combos.dims.map((d) => new Float64Array(d.cardinality)) : [];
  const dimLoss = new Float64Array(combos.dims.length);
  let generalizedForShare = 0;
  for (const [index, members] of p.classes.entries()) {
    let out = new Array<string>(combos.dims.length);
    const general = representing ? new Array<string>(combos.dims.length) : out;
    let loss = 0;
    const size = rowsOf(weight, members);
    for (let j = 0; j < combos.dims.length; j++) {
      const dim = combos.dims[j]!;
      const m = distinctInto(dim, members, seen[j]!, distinct[j]!);
      const s = publish(dim, distinct[j]!, m);
      out[j] = s.output;
      general[j] = s.output;
      if (representing && !(how.categories === 'node' && dim.kind === 'hierarchy')) {
        const count = counts[j]!;
        for (let i = 0; i < members.length; i++) count[dim.codes[members[i]!]!]! += weight[members[i]!]!;
        out[j] = representative(dim, distinct[j]!, m, count, how);
      }
      loss += s.loss;
      dimLoss[j]! += s.loss * size;
    }
    if (representing && maxOwnShare < 1 && ownRows(combos, weight, members, out) > maxOwnShare * size) {
      out = general;
      generalizedForShare++;
    }
    for (let i = 0; i < members.length; i++) classOfCombination[members[i]!] = index;
    // Identical combinations always share a class, so uniqueness is counted within it.
    uniquesBefore += uniques(combos, weight, members);
    sizes.push(size);
    lossSum += loss * size;
    kept += size;
    outputs.push(out);
  }
  const classOf = new Int32Array(table.rows);
  for (let row = 0; row < table.rows; row++) classOf[row] = classOfCombination[combinationOf[row]!]!;
  const total = inputRows(table);
  const suppressed = total - kept;
  const dims = table.dims.length;
  if (suppressed > 0) uniquesBefore += uniques(combos, weight, p.suppressed);
  // The plan's matches are built only when asked for (--plan-out).
  const classes = (): PlanClass[] =>
    p.classes.map((members, index) => {
      const match: Record<string, Match> = {};
      const output: Record<string, string> = {};
      combos.dims.forEach((dim, j) => {
        match[dim.name] = matchOf(dim, Array.from(distinct[j]!.subarray(0, distinctInto(dim, members, seen[j]!, distinct[j]!))));
        output[dim.name] = outputs[index]![j]!;
      });
      return { size: sizes[index]!, match, output };
    });
  return {
    classOf,
    classes,
    outputs,
    suppressed,
    gcp: total === 0 || dims === 0 ? 0 : (lossSum + suppressed * dims) / (total * dims),
    gcpByColumn: Array.from(dimLoss, (l) => (total === 0 ? 0 : (l + suppressed) / total)),
    uniquesBefore,
    generalizedForShare,
  };
}

/**
 * How many rows of these combinations have a quasi-identifier combination no
 * other row among them has: a combination of one row, unless another holds
 * the same quasi-identifiers (with l-diversity, combinations also differ by
 * their sensitive value).
 */
function uniques(combos: QiTable, weight: Uint32Array, members: Uint32Array): number {
  if (!combos.sensitive) {
    let count = 0;
    for (let i = 0; i < members.length; i++) if (weight[members[i]!] === 1) count++;
    return count;
  }
  const dims = combos.dims.map((d) => d.codes);
  const same = (a: number, b: number): boolean => {
    for (const codes of dims) if (codes[a] !== codes[b]) return false;
    return true;
  };
  const sorted = Array.from(members).sort((a, b) => {
    for (const codes of dims) {
      const d = codes[a]! - codes[b]!;
      if (d !== 0) return d;
    }
    return 0;
  });
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    const previous = i > 0 && same(sorted[i - 1]!, sorted[i]!);
    const next = i + 1 < sorted.length && same(sorted[i]!, sorted[i + 1]!);
    if (!previous && !next && weight[sorted[i]!] === 1) count++;
  }
  return count;
}
