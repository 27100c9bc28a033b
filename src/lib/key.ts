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
