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

import { closedRange, integerRange, SUPPRESSED } from '../lib/numeric.js';
import { commonLevel, span, type Partition } from './mondrian.js';
import type { Dim, QiTable } from './qi-table.js';

/** What a class matches in one quasi-identifier: a number range, or a list of values. */
export type Match = { readonly min: number; readonly max: number } | { readonly in: readonly string[] };

export interface PlanClass {
  readonly size: number;
  readonly match: Readonly<Record<string, Match>>;
  readonly output: Readonly<Record<string, string>>;
}

export interface Recoding {
  /** Class of each row, or -1 when the row is suppressed. */
  readonly classOf: Int32Array;
  readonly classes: readonly PlanClass[];
  /** Output values of each class, in quasi-identifier order. */
  readonly outputs: readonly (readonly string[])[];
  readonly suppressed: number;
  /** GCP over all rows and quasi-identifiers, suppressed rows costing 1 each. */
  readonly gcp: number;
  /** Rows whose quasi-identifier combination was unique in the input. */
  readonly uniquesBefore: number;
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

/** Distinct codes of a dimension among rows, with a reusable marker array (cleared before returning). */
function distinctCodes(dim: Dim, rows: Uint32Array, seen: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const c = dim.codes[rows[i]!]!;
    if (seen[c] === 0) {
      seen[c] = 1;
      out.push(c);
    }
  }
  for (const c of out) seen[c] = 0;
  return out;
}

function summarize(dim: Dim, distinct: number[]): { output: string; loss: number; match: Match } {
  if (dim.kind === 'numeric') {
    let lo = distinct[0]!;
    let hi = distinct[0]!;
    for (const c of distinct) {
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
    const [a, b] = [dim.numbers![lo]!, dim.numbers![hi]!];
    const match = { min: a, max: b };
    if (lo === hi) return { output: dim.values[lo]!, loss: 0, match };
    if (lo === 0 && hi === dim.cardinality - 1) return { output: SUPPRESSED, loss: 1, match };
    return { output: dim.integer ? integerRange(a, b) : closedRange(a, b), loss: (b - a) / span(dim), match };
  }
  const values = distinct.length === 1 ? [dim.values[distinct[0]!]!] : distinct.map((c) => dim.values[c]!).sort();
  const match = { in: values };
  if (dim.kind === 'hierarchy') {
    const level = commonLevel(dim, distinct);
    const h = dim.hierarchy!;
    const node = h.node[level]![distinct[0]!]!;
    return { output: level === 0 ? values[0]! : h.label[node]!, loss: level === 0 ? 0 : h.leaves[node]! / dim.cardinality, match };
  }
  if (distinct.length === 1) return { output: escapeSetValue(values[0]!), loss: 0, match };
  if (distinct.length === dim.cardinality) return { output: SUPPRESSED, loss: 1, match };
  return { output: values.map(escapeSetValue).join('|'), loss: distinct.length / dim.cardinality, match };
}

export function recode(table: QiTable, p: Partition): Recoding {
  const classOf = new Int32Array(table.rows).fill(-1);
  const classes: PlanClass[] = [];
  const outputs: string[][] = [];
  let lossSum = 0;
  let kept = 0;
  let uniquesBefore = 0;
  const seen = table.dims.map((d) => new Uint8Array(d.cardinality));
  for (const [index, rows] of p.classes.entries()) {
    const match: Record<string, Match> = {};
    const output: Record<string, string> = {};
    const out: string[] = [];
    let loss = 0;
    for (const [j, dim] of table.dims.entries()) {
      const s = summarize(dim, distinctCodes(dim, rows, seen[j]!));
      match[dim.name] = s.match;
      output[dim.name] = s.output;
      out.push(s.output);
      loss += s.loss;
    }
    for (const r of rows) classOf[r] = index;
    // Identical combinations always share a class, so uniqueness is counted within it.
    uniquesBefore += uniques(table, Array.from(rows));
    lossSum += loss * rows.length;
    kept += rows.length;
    classes.push({ size: rows.length, match, output });
    outputs.push(out);
  }
  const suppressed = table.rows - kept;
  const dims = table.dims.length;
  if (suppressed > 0) uniquesBefore += uniques(table, Array.from(p.suppressed));
  return {
    classOf,
    classes,
    outputs,
    suppressed,
    gcp: table.rows === 0 || dims === 0 ? 0 : (lossSum + suppressed * dims) / (table.rows * dims),
    uniquesBefore,
  };
}

/** How many of these rows have a quasi-identifier combination no other of them has: sort, then count runs of one. */
function uniques(table: QiTable, rows: number[]): number {
  const dims = table.dims.map((d) => d.codes);
  const compare = (a: number, b: number): number => {
    for (const codes of dims) {
      const d = codes[a]! - codes[b]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  rows.sort(compare);
  let count = 0;
  for (let i = 0; i < rows.length; i++) {
    const sameAsPrevious = i > 0 && compare(rows[i - 1]!, rows[i]!) === 0;
    const sameAsNext = i + 1 < rows.length && compare(rows[i]!, rows[i + 1]!) === 0;
    if (!sameAsPrevious && !sameAsNext) count++;
  }
  return count;
}
