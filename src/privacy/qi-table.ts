// The quasi-identifier (and sensitive) columns of the whole input, held
// dictionary-encoded in typed arrays: one small integer per row and column,
// so ten million rows of eight quasi-identifiers take tens of megabytes.
// Everything else of a row is read again in the second pass.
//
// A column is one of three kinds, decided after the first pass:
//   hierarchy  a hierarchy was given: codes map to nodes at every level
//   numeric    every value is a number (or empty): codes are ranks in numeric order
//   set        anything else: unordered values, generalized to value sets

import { ValueError } from '../lib/errors.js';
import type { Hierarchy } from '../lib/hierarchy.js';
import { parseNumber } from '../lib/numeric.js';
import { ownString } from '../lib/own-string.js';

export type DimKind = 'numeric' | 'set' | 'hierarchy';

export interface HierarchyIndex {
  readonly levels: number;
  /** node[level][code]: the node id of a value at a level (level 0 is the value itself). */
  readonly node: readonly Int32Array[];
  readonly label: readonly string[];
  /** Distinct values of the data under each node. */
  readonly leaves: Int32Array;
  /** Level of each node. */
  readonly nodeLevel: Int32Array;
}

export interface Dim {
  readonly name: string;
  readonly kind: DimKind;
  /** Code per row. */
  readonly codes: Uint32Array;
  /** Text of each code. */
  readonly values: readonly string[];
  /** Number of distinct values in the data. */
  readonly cardinality: number;
  /** numeric: the number of each code, increasing with the code. */
  readonly numbers?: Float64Array;
  readonly integer?: boolean;
  /** numeric: code 0 is the empty value, a value of its own outside every range. */
  readonly empty?: boolean;
  readonly hierarchy?: HierarchyIndex;
}

export interface QiTable {
  /** Rows of the table: input rows, or groups of identical input rows when `weights` is given. */
  readonly rows: number;
  readonly dims: readonly Dim[];
  readonly sensitive: Dim | undefined;
  /**
   * Input rows each row of the table stands for, when an engine counted
   * them (a GROUP BY of the quasi-identifiers); absent: one each.
   */
  readonly weights?: Uint32Array;
}

/** Input rows a table stands for. */
export function inputRows(table: QiTable): number {
  if (!table.weights) return table.rows;
  let n = 0;
  for (let i = 0; i < table.rows; i++) n += table.weights[i]!;
  return n;
}

/** A growable column of codes with a dictionary. */
class Encoder {
  private codes = new Uint32Array(1024);
  private length = 0;
  readonly dictionary = new Map<string, number>();
  readonly values: string[] = [];

  /** `leaves`: the only values allowed (a hierarchy's), checked once per distinct value. */
  constructor(private readonly leaves?: ReadonlyMap<string, unknown>) {}

  /** False, and nothing added, for a value outside `leaves`. */
  add(value: string): boolean {
    let code = this.dictionary.get(value);
    if (code === undefined) {
      if (this.leaves && !this.leaves.has(value)) return false;
      code = this.values.length;
      // Copy: a cell may be a slice of a large input chunk.
      const own = ownString(value);
      this.dictionary.set(own, code);
      this.values.push(own);
    }
    if (this.length === this.codes.length) {
      const grown = new Uint32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = code;
    return true;
  }

  finish(): Uint32Array {
    return this.codes.subarray(0, this.length);
  }
}

export class QiCollector {
  private readonly encoders: Encoder[];
  private readonly sensitive: Encoder | undefined;

  private weights: Uint32Array | undefined;
  private added = 0;

  /** `weighted`: each row added stands for a number of input rows (add's `rows`). */
  constructor(
    private readonly names: readonly string[],
    private readonly hierarchies: ReadonlyMap<string, { hierarchy: Hierarchy }>,
    private readonly sensitiveName: string | undefined,
    weighted = false,
  ) {
    if (weighted) this.weights = new Uint32Array(1024);
    // A column with a hierarchy takes only its leaves.
    this.encoders = names.map((n) => new Encoder(hierarchies.get(n)?.hierarchy.rows));
    this.sensitive = sensitiveName === undefined ? undefined : new Encoder();
  }

  /** Adds one row: its quasi-identifier values in order, and its sensitive value. Throws ValueError for a value outside a hierarchy, with the column's index. */
  add(values: readonly string[], sensitive: string | undefined, rows = 1): void {
    if (this.weights) {
      if (this.added === this.weights.length) {
        const grown = new Uint32Array(this.weights.length * 2);
        grown.set(this.weights);
        this.weights = grown;
      }
      this.weights[this.added] = rows;
    }
    this.added++;
    for (let j = 0; j < values.length; j++) {
      if (!this.encoders[j]!.add(values[j]!)) {
        // The run stops here: the row's other values need not be taken back.
        throw Object.assign(new ValueError('VALUE_NOT_IN_HIERARCHY', `a leaf of the hierarchy for ${this.names[j]}`), { dimension: j });
      }
    }
    this.sensitive?.add(sensitive ?? '');
  }

  finish(): QiTable {
    const dims = this.names.map((name, j) => buildDim(name, this.encoders[j]!, this.hierarchies.get(name)?.hierarchy));
    const sensitive = this.sensitive && { name: this.sensitiveName!, kind: 'set' as const, codes: this.sensitive.finish(), values: this.sensitive.values, cardinality: this.sensitive.values.length };
    const rows = dims[0]?.codes.length ?? 0;
    return { rows, dims, sensitive, ...(this.weights && { weights: this.weights.subarray(0, rows) }) };
  }
}

function buildDim(name: string, enc: Encoder, hierarchy: Hierarchy | undefined): Dim {
  const codes = enc.finish();
  const values = enc.values;
  if (hierarchy) return { name, kind: 'hierarchy', codes, values, cardinality: values.length, hierarchy: indexHierarchy(values, hierarchy) };
  // Numbers when every value reads as one (none a code with a leading zero: ZIP 02139 stays text), but
  // for the empty value, which is a value of its own (a missing age must not turn the ages into sets).
  const numbers = values.map((v) => (v === '' || /^[+-]?0\d/.test(v) ? undefined : parseNumber(v)));
  const empty = values.includes('');
  if (values.length === (empty ? 1 : 0) || numbers.some((x, i) => x === undefined && values[i] !== '')) return { name, kind: 'set', codes, values, cardinality: values.length };
  // Renumber codes so that their order is the numbers' order, the empty value first (code 0).
  const order = values.map((_, i) => i).sort((a, b) => {
    if (values[a] === '' || values[b] === '') return values[a] === '' ? -1 : 1;
    return numbers[a]! - numbers[b]! || (values[a]! < values[b]! ? -1 : 1);
  });
  const rank = new Uint32Array(values.length);
  order.forEach((code, r) => (rank[code] = r));
  for (let i = 0; i < codes.length; i++) codes[i] = rank[codes[i]!]!;
  const sorted = order.map((c) => values[c]!);
  // The empty value's number is the smallest number: it never widens a range (a class that mixes it with numbers costs 1).
  const nums = Float64Array.from(order.map((c, r) => numbers[c] ?? numbers[order[r + 1]!]!));
  return { name, kind: 'numeric', codes, values: sorted, cardinality: values.length, numbers: nums, integer: nums.every(Number.isInteger), empty };
}

function indexHierarchy(values: readonly string[], h: Hierarchy): HierarchyIndex {
  const ids = new Map<string, number>();
  const label: string[] = [];
  const nodeLevelList: number[] = [];
  const node = Array.from({ length: h.levels }, () => new Int32Array(values.length));
  const leavesList: number[] = [];
  values.forEach((v, code) => {
    const path = h.rows.get(v)!;
    for (let level = 0; level < h.levels; level++) {
      const key = `${level}\u0000${path[level]}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = label.length;
        ids.set(key, id);
        label.push(path[level]!);
        nodeLevelList.push(level);
        leavesList.push(0);
      }
      node[level]![code] = id;
      leavesList[id]!++;
    }
  });
  return { levels: h.levels, node, label, leaves: Int32Array.from(leavesList), nodeLevel: Int32Array.from(nodeLevelList) };
}
