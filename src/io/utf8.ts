// Input text is UTF-8, checked, never repaired: Node's decoder replaces each
// invalid byte by U+FFFD, so that \xff, \xfe and \xc3 in a hashed column
// would share one pseudonym and kept bytes would be rewritten without a word.
// An invalid byte is an input error with its line (never the bytes).
//
//   utf8Text(stream)            a byte stream as text, chunk by chunk (a character
//                               cut between two chunks waits for the next)
//   utf8(bytes, line)           whole lines of bytes (a piece) as text

import { isAscii, isUtf8 } from 'node:buffer';
import { VeilError } from '../lib/errors.js';

const LF = 10;

/** The error for the first invalid byte of `bytes`, which start on line `line`. */
function notUtf8(bytes: Buffer, line: number): VeilError {
  const at = firstInvalid(bytes);
  let lf = 0;
  for (let i = bytes.indexOf(LF); i >= 0 && i < at; i = bytes.indexOf(LF, i + 1)) lf++;
  return new VeilError({ kind: 'input', code: 'INPUT_NOT_UTF8', line: line + lf });
}

/** The offset of the first byte that starts no valid UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
export function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let j = 1; j <= n; j++) {
      const d = b[i + j];
      if (d === undefined || d < (j === 1 ? lo : 0x80) || d > (j === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** Whole lines of bytes starting on line `line`, as text; throws INPUT_NOT_UTF8 with the line of the first invalid byte. */
export function utf8(bytes: Buffer, line: number): string {
  // ASCII reads the same as latin1, which decodes at twice the speed (0.09 s against 0.20 s for 100 MB).
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw notUtf8(bytes, line);
  return bytes.toString('utf8');
}

/** How many bytes at the end of `b` begin a character that the next chunk completes (0 to 3). */
function incompleteTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back]!;
    if (c < 0x80) return 0; // ASCII: complete
    if (c >= 0xc0) {
      // A lead byte: the sequence it starts needs this many bytes in all.
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return need > back ? back : 0;
    }
  }
  return 0;
}

/** A byte stream as checked text, chunk by chunk. Lines are counted only to name the line of an invalid byte. */
export async function* utf8Text(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let carry: Buffer | undefined;
  let line = 1;
  for await (const data of input) {
    if (typeof data === 'string') {
      yield data;
      continue;
    }
    let bytes = carry ? Buffer.concat([carry, data]) : data;
    const tail = incompleteTail(bytes);
    carry = tail > 0 ? Buffer.from(bytes.subarray(bytes.length - tail)) : undefined;
    if (tail > 0) bytes = bytes.subarray(0, bytes.length - tail);
    if (!isUtf8(bytes)) throw notUtf8(bytes, line);
    for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) line++;
    yield bytes.toString('utf8');
  }
  // A character cut short by the end of the input.
  if (carry) throw new VeilError({ kind: 'input', code: 'INPUT_NOT_UTF8', line });
}
