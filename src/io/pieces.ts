// Cuts an input byte stream into pieces of about a mebibyte that each end
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
}

export const PIECE_BYTES = 1 << 20;

const LF = 10;
const QUOTE = 34;

export async function* pieces(input: AsyncIterable<Buffer | string>, format: Format, target = PIECE_BYTES): AsyncGenerator<Piece> {
  const csv = format === 'csv';
  let parts: Buffer[] = [];
  let size = 0;
  let seq = 0;
  let line = 1;
  // Scan state of the pending bytes: quotes counted (mod 2) in [0, scanned), and the next quote at or after `scanned`.
  let scanned = 0;
  let odd = false;
  let quote = -1;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (bytes.length === 0) continue;
    // "No quote before the end" was said of a shorter buffer.
    if (quote >= size) quote = -1;
    parts.push(bytes);
    size += bytes.length;
    while (size >= target) {
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      parts = [buf];
      // The end of the first record that ends at or after the target.
      let cut = -1;
      let pos = Math.max(scanned, target - 1);
      if (csv) [odd, quote] = countQuotes(buf, scanned, pos, odd, quote);
      scanned = pos;
      for (;;) {
        const lf = buf.indexOf(LF, pos);
        const end = lf < 0 ? buf.length : lf;
        if (csv) [odd, quote] = countQuotes(buf, pos, end, odd, quote);
        pos = lf < 0 ? buf.length : lf + 1;
        scanned = pos;
        if (lf < 0) break;
        if (!odd) {
          cut = pos;
          break;
        }
      }
      if (cut < 0) break; // the record goes on in the next chunk
      // Copied: the piece may go to another thread while the rest stays here.
      yield { seq: seq++, line, bytes: Buffer.from(buf.subarray(0, cut)) };
      line += countLf(buf, 0, cut);
      const rest = buf.subarray(cut);
      parts = rest.length > 0 ? [rest] : [];
      size = rest.length;
      scanned = 0;
      odd = false;
      quote = -1;
    }
  }
  if (size > 0) yield { seq, line, bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size) };
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
