// The secret key and what is derived from it. The key never leaves this
// object: transforms get per-purpose subkeys, the report gets a fingerprint.
//
// Every keyed transform uses HMAC-SHA256 (RFC 2104) under a subkey derived as
// HMAC(key, "veil/v1/<purpose>/<domain>"), so hashes of one column or domain
// cannot be matched against another's, and date shifts cannot be matched
// against hashes.

import { createHmac } from 'node:crypto';

/** 128 bits: the smallest key veil accepts. */
export const MIN_KEY_BYTES = 16;
export const MIN_KEY_BITS = 128;

/**
 * The public demo key (fixtures/demo/DEMO-KEY-not-secret.txt): anything
 * hashed with it can be re-identified by anyone who guesses the inputs, so
 * it is refused unless the run says it is the demo (--allow-demo-key).
 */
export const DEMO_KEY = 'DEMO KEY - PUBLIC - NOT SECRET - veil demo only';

/**
 * Bits per character of the alphabet a key's bytes come from, read coarsely
 * so that a generator's output is never judged by the characters it happened
 * not to draw: decimal digits, hex digits, base64 and other ASCII letters or
 * digits, printable ASCII, or any byte. (A key's bytes are read as they are,
 * never decoded.)
 */
function alphabetBits(bytes: Uint8Array): number {
  const all = (test: (b: number) => boolean) => bytes.every(test);
  const digit = (b: number) => b >= 0x30 && b <= 0x39;
  const letter = (b: number) => (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a);
  if (all(digit)) return Math.log2(10);
  if (all((b) => digit(b) || (b >= 0x61 && b <= 0x66)) || all((b) => digit(b) || (b >= 0x41 && b <= 0x46))) return 4;
  if (all((b) => digit(b) || letter(b) || b === 0x2b || b === 0x2f || b === 0x3d || b === 0x2d || b === 0x5f)) return 6;
  if (all((b) => b >= 0x20 && b <= 0x7e)) return Math.log2(95);
  return 8;
}

/**
 * An upper bound on what a key could hold, to refuse keys that no generator
 * made: its length (once its repeating unit is found, up to a few changed
 * bytes) times the bits per character of its alphabet. A 16-character hex
 * string (openssl rand -hex 8) holds 64 bits, not 128: the key is its bytes
 * as written, and a hex digit is one of 16 bytes. This is a bound, not a
 * measure: a key that passes may still be weak (a word, a date, a name).
 */
export function keyBits(bytes: Uint8Array): { bits: number; distinct: number } {
  const n = Math.min(bytes.length, 1024);
  const distinct = new Set(bytes.subarray(0, n)).size;
  // The shortest unit the key almost repeats: at most a tenth of its bytes differ from the byte one unit before.
  let unit = n;
  for (let p = 1; p <= n >> 1 && unit === n; p++) {
    let differ = 0;
    for (let i = p; i < n && differ * 10 <= n; i++) if (bytes[i] !== bytes[i - p]) differ++;
    if (differ * 10 <= n) unit = p + differ;
  }
  return { bits: Math.min(unit, bytes.length) * alphabetBits(bytes.subarray(0, n)), distinct };
}

export class SecretKey {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    this.#bytes = Buffer.from(bytes);
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** A public fingerprint: two runs with the same fingerprint used the same key. */
  fingerprint(): string {
    return createHmac('sha256', this.#bytes).update('veil/v1/key-fingerprint').digest('hex').slice(0, 32);
  }

  /** A subkey for one purpose (hash, fake, date-shift) and one domain (a column name by default). */
  derive(purpose: string, domain: string): Buffer {
    return createHmac('sha256', this.#bytes).update(`veil/v1/${purpose}/${domain}`).digest();
  }

  /** A copy of the key's bytes for a worker thread of this process (never for output). */
  forThread(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  /** Keeps the key out of JSON, util.inspect and string conversion. */
  toJSON(): string {
    return '[secret key]';
  }
  toString(): string {
    return '[secret key]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SecretKey [secret]';
  }
}

/**
 * A uniform integer in [0, n) from HMAC output, by rejection sampling over
 * 48-bit windows (no modulo bias). `more` supplies fresh bytes in the
 * vanishingly rare case that every window of the first block is rejected.
 */
export function uniformInt(bytes: Buffer, n: number, more: (round: number) => Buffer): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 48) throw new RangeError('uniformInt: n out of range');
  const span = 2 ** 48;
  const limit = span - (span % n);
  let block = bytes;
  for (let round = 1; ; round++) {
    for (let off = 0; off + 6 <= block.length; off += 6) {
      const x = block.readUIntBE(off, 6);
      if (x < limit) return x % n;
    }
    block = more(round);
  }
}

/** A key as a run holds it: the key, and where it came from. */
export interface LoadedKey {
  readonly key: SecretKey;
  /** Where it came from, for the report: "VEIL_KEY" or "--key-file PATH". */
  readonly source: string;
}
