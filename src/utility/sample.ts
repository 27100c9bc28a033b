// The bounded sample the utility measures are computed on: each row that
// reaches the pipeline is offered with its input and output cells (as text),
// and the sample keeps the N rows of lowest priority, a hash of the row's
// line number. That is a uniform sample without replacement (bottom-k
// sampling), the same rows on every run of the same input, and it merges:
// every writer (one per worker thread) keeps its own bottom N and hands over
// the rows it accepted, and the main thread's bottom N of those is the
// bottom N of the whole input, whatever thread read which piece.
//
// A writer's sample decides which rows to hand over and keeps only their
// priorities; the main thread's keeps the rows (as copies: a cell cut from a
// piece's text would keep the whole piece alive). The main thread also tells
// the writers, with each piece, the priority its sample has reached, above
// which no row can enter it any more.
//
// Memory: N rows of input and output text, whatever the input's size.

import { ownString } from '../lib/own-string.js';

/** Rows the utility measures are computed on (model utility: 70 % train, 30 % held out). */
export const SAMPLE_ROWS = 10_000;

export interface SampledRow {
  readonly priority: number;
  readonly line: number;
  /** The input's cells, by input column. */
  readonly input: readonly string[];
  /** The output's cells, by output column; undefined when the row was suppressed (removed by k-anonymity). */
  readonly output: readonly string[] | undefined;
}

/** A 32-bit hash of the line number (murmur3's finalizer): the row's place in the sample order. */
export function priorityOf(line: number): number {
  let h = (line ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const before = (a: SampledRow, b: SampledRow) => a.priority < b.priority || (a.priority === b.priority && a.line < b.line);

export class UtilitySample {
  /** A max-heap on (priority, line): the root is the row to evict first. */
  private readonly heap: SampledRow[] = [];
  private accepted: SampledRow[] = [];
  /** Rows of a higher priority cannot enter the main thread's sample any more. */
  private limit = Infinity;
  /** Rows offered (counted, accepted or not). */
  seen = 0;

  /** keepRows: the main thread's sample (keeps copies of the rows); a writer's keeps priorities only. */
  constructor(
    private readonly keepRows: boolean,
    readonly size = SAMPLE_ROWS,
  ) {}

  /** The priority the main thread's sample has reached (from a piece). */
  narrow(limit: number): void {
    this.limit = Math.min(this.limit, limit);
  }

  /** The main thread's sample's highest priority once full (to pass to the writers), else Infinity. */
  get reached(): number {
    return this.heap.length < this.size ? Infinity : this.heap[0]!.priority;
  }

  /** Would a row of this line enter the sample now? (Cheap: checked before its cells are copied.) */
  wants(line: number): boolean {
    const p = priorityOf(line);
    if (p > this.limit) return false;
    if (this.heap.length < this.size) return true;
    const top = this.heap[0]!;
    return p < top.priority || (p === top.priority && line < top.line);
  }

  offer(row: SampledRow): void {
    this.seen++;
    const h = this.heap;
    const entry = this.keepRows ? { ...row, input: row.input.map(ownString), output: row.output?.map(ownString) } : { priority: row.priority, line: row.line, input: [], output: undefined };
    if (h.length < this.size) {
      h.push(entry);
      this.up(h.length - 1);
    } else if (before(row, h[0]!)) {
      h[0] = entry;
      this.down(0);
    } else return;
    if (!this.keepRows) this.accepted.push(row);
  }

  /** Counts a row that was not offered (wants() said no). */
  skip(): void {
    this.seen++;
  }

  /** The rows accepted since the last call, for another sample to absorb (one writer's share). */
  take(): { rows: SampledRow[]; seen: number } {
    const out = { rows: this.accepted, seen: this.seen };
    this.accepted = [];
    this.seen = 0;
    return out;
  }

  absorb(share: { rows: readonly SampledRow[]; seen: number }): void {
    for (const r of share.rows) this.offer(r);
    this.seen += share.seen - share.rows.length;
    this.accepted = [];
  }

  /** The sample, in input order. */
  rows(): SampledRow[] {
    return [...this.heap].sort((a, b) => a.line - b.line);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[parent]!, h[i]!)) break;
      const t = h[parent]!;
      h[parent] = h[i]!;
      h[i] = t;
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < h.length && before(h[top]!, h[l]!)) top = l;
      if (r < h.length && before(h[top]!, h[r]!)) top = r;
      if (top === i) return;
      const t = h[top]!;
      h[top] = h[i]!;
      h[i] = t;
      i = top;
    }
  }
}
