// Cuts an input byte stream into pieces of about 256 KiB that each end
// at a record boundary, so that each piece can be parsed on its own (in
// this thread or in a worker) with the line its first record starts on.
//
// A piece ends after an LF. In CSV, an LF inside a quoted field is data: an
// LF ends a record when the quotes before it (since the last boundary) are
// even in number, since a quote only opens or closes a field and a quote
// inside one is doubled. A stray quote in an unquoted field breaks that
// count, but the parser reports it at its own line first: the piece it is in
// starts at a true boundary. Pieces are cut at fixed byte targets, never by
// how the input happened to arrive, so a pipe and a file give the same pieces.

import type { Format } from './formats.js';

export interface Piece {
  readonly seq: number;
  /** The line the piece's first record starts on (1-based). */
  readonly line: number;
  readonly bytes: Buffer;
  /** The priority the utility sample has reached (src/utility/sample.ts): later rows above it cannot enter it. */
  readonly sampleBelow?: number;
}

/**
 * A piece's size: large enough that the work per piece (a parser, the
 * counters, a message to a worker) does not show, small enough that its
 * rows' strings die young. With 1 MiB pieces the old generation filled with
 * them: 229 MB peak against 180 MB for k=10 on 1M Adult-like rows, 159 MB
 * against 147 MB for the README policy on 1M rows in one thread.
 */
export const PIECE_BYTES = 1 << 18;

const LF = 10;
const QUOTE = 34;

export async function* pieces(input: AsyncIterable<Buffer | string>, format: Format, target = PIECE_BYTES): AsyncGenerator<Piece> {
  const csv = format === 'csv';
  // The pending piece: slices of the chunks read so far, `size` bytes, with an odd number of quotes or not.
  let parts: Buffer[] = [];
  let size = 0;
  let odd = false;
  let seq = 0;
  let line = 1;
  for await (const data of input) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let from = 0;
    // The first quote at or after `from` (chunk.length: none), when known.
    let quote = -1;
    while (from < chunk.length) {
      // Where in this chunk a record end would make the piece reach the target.
      const at = Math.max(from, Math.min(chunk.length, target - size - 1 + from));
      if (csv) [odd, quote] = countQuotes(chunk, from, at, odd, quote);
      let cut = -1;
      for (let pos = at; pos < chunk.length; ) {
        const lf = chunk.indexOf(LF, pos);
        const end = lf < 0 ? chunk.length : lf;
        if (csv) [odd, quote] = countQuotes(chunk, pos, end, odd, quote);
        if (lf < 0) break;
        pos = lf + 1;
        if (!odd) {
          cut = pos;
          break;
        }
      }
      if (cut < 0) {
        parts.push(chunk.subarray(from));
        size += chunk.length - from;
        break;
      }
      parts.push(chunk.subarray(from, cut));
      // One copy: the piece may go to another thread (its memory moved there) while the chunk stays here.
      const bytes = Buffer.concat(parts, size + cut - from);
      const lines = countLf(bytes, 0, bytes.length); // before the piece goes: its memory may move to a worker
      yield { seq: seq++, line, bytes };
      line += lines;
      parts = [];
      size = 0;
      odd = false;
      from = cut;
    }
  }
  if (size > 0) yield { seq, line, bytes: Buffer.concat(parts, size) };
}

/**
 * Flips `odd` for each quote in [from, to). `next`: the first quote at or
 * after `from` when known (buf.length: none), else anything below `from`.
 * Returns the new parity and the first quote at or after `to` (or buf.length).
 */
function countQuotes(buf: Buffer, from: number, to: number, odd: boolean, next: number): [boolean, number] {
  let q = next >= from ? next : buf.indexOf(QUOTE, from);
  if (q < 0) q = buf.length;
  while (q < to) {
    odd = !odd;
    q = buf.indexOf(QUOTE, q + 1);
    if (q < 0) q = buf.length;
  }
  return [odd, q];
}

function countLf(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(LF, from); i >= 0 && i < to; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}
