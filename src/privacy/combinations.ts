// The distinct quasi-identifier combinations of a table, each with its
// number of rows. The partitioner cuts along values, so the rows of one
// combination always stay together: it can work on combinations weighted by
// their counts instead of on rows, and give the same classes; the recoding
// then measures and publishes combinations, and each row takes the class of
// its combination. On Adult, 30,162 rows hold 18,109 combinations of the
// eight quasi-identifiers; 1,000,000 generated Adult-like rows hold 59,411.
//
// With l-diversity the sensitive value is part of the combination, so that
// each combination has one sensitive value.

import type { Dim, QiTable } from './qi-table.js';

export interface Combinations {
  /** The combinations as a table: one "row" per combination, numbered in the order of their first row. */
  readonly table: QiTable;
  /** Rows of each combination. */
  readonly weight: Uint32Array;
  /** The combination of each input row. */
  readonly combinationOf: Uint32Array;
}

/** Input rows of the combinations ids[start, end). */
export function rowsOf(weight: Uint32Array, ids: Uint32Array, start = 0, end = ids.length): number {
  let total = 0;
  for (let i = start; i < end; i++) total += weight[ids[i]!]!;
  return total;
}

/** Mixed-radix keys stay exact integers below 2^53. */
const EXACT = 2 ** 53;

export function combinations(table: QiTable, withSensitive: boolean): Combinations {
  const n = table.rows;
  const keys: Dim[] = withSensitive && table.sensitive ? [...table.dims, table.sensitive] : [...table.dims];
  // Each row's codes as one mixed-radix number; when the next column would overflow the
  // exact range, the numbers are first replaced by dense ids.
  let key = new Float64Array(n);
  let radix = 1;
  for (const dim of keys) {
    const base = Math.max(dim.cardinality, 1);
    if (radix * base >= EXACT) {
      const { ids, count } = dense(key);
      key = Float64Array.from(ids);
      radix = count;
    }
    const codes = dim.codes;
    for (let i = 0; i < n; i++) key[i] = key[i]! * base + codes[i]!;
    radix *= base;
  }
  const { ids: combinationOf, count, firstRow } = dense(key);
  const weight = new Uint32Array(count);
  const rows = table.weights;
  for (let i = 0; i < n; i++) weight[combinationOf[i]!]! += rows ? rows[i]! : 1;
  const project = (d: Dim): Dim => {
    const codes = new Uint32Array(count);
    for (let id = 0; id < count; id++) codes[id] = d.codes[firstRow[id]!]!;
    return { ...d, codes };
  };
  return {
    table: { rows: count, dims: table.dims.map(project), sensitive: withSensitive && table.sensitive ? project(table.sensitive) : undefined },
    weight,
    combinationOf,
  };
}

/** Dense ids of the distinct numbers, in order of first appearance, and the first index of each. */
function dense(key: Float64Array): { ids: Uint32Array; count: number; firstRow: number[] } {
  const idOf = new Map<number, number>();
  const ids = new Uint32Array(key.length);
  const firstRow: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const k = key[i]!;
    let id = idOf.get(k);
    if (id === undefined) {
      id = firstRow.length;
      idOf.set(k, id);
      firstRow.push(i);
    }
    ids[i] = id;
  }
  return { ids, count: firstRow.length, firstRow };
}
