// Sources of randomness, one per purpose and column, never the global unseeded one:
//   secure   node:crypto's randomFillSync, read in 64 KiB blocks (the default)
//   seeded   seedrandom's ARC4 stream for "<seed>/<purpose>/<column>" (--seed):
//            reproducible, for tests and demos, NOT secure
//   per row  (RowRandomness) each row's draws derived from a secret of the run
//            and the row's input line, so that the two passes of a k-anonymity
//            stage draw the same values: the classes are made on the values
//            that are published, and each value is drawn (and its epsilon
//            spent) once. The secret is random (or derived from --seed) and
//            never leaves the process.
// Integers are drawn without modulo bias, by rejection.

import { createHash, createHmac, randomBytes, randomFillSync } from 'node:crypto';
import { hmacSha256 } from './hmac-sha256.js';

export interface RandomSource {
  readonly kind: 'secure' | 'seeded';
  /** A uniform 32-bit unsigned integer. */
  next32(): number;
}

/** The operating system's secure generator, buffered. */
export function secureSource(): RandomSource {
  const block = new Uint32Array(16384);
  let at = block.length;
  return {
    kind: 'secure',
    next32() {
      if (at === block.length) {
        randomFillSync(block);
        at = 0;
      }
      return block[at++]!;
    },
  };
}

export async function seededSource(seed: number, purpose: string, column: string): Promise<RandomSource> {
  const seedrandom = (await import('seedrandom')).default;
  const rng = seedrandom(`veil/${purpose}/${seed}/${column}`);
  return { kind: 'seeded', next32: () => rng.int32() >>> 0 };
}

/** The source of a randomized transform: per row when the run derives randomness per row, else one stream per column. */
export function sourceFor(ctx: { readonly seed: number | undefined; readonly rowRandomness?: RowRandomness | undefined; readonly column: string }, purpose: string): Promise<RandomSource> | RandomSource {
  if (ctx.rowRandomness) return ctx.rowRandomness.source(purpose, ctx.column);
  return ctx.seed === undefined ? secureSource() : seededSource(ctx.seed, purpose, ctx.column);
}

/** A uniform integer in [0, n), n up to 2^53, without modulo bias. */
export function uniform(rng: RandomSource, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('uniform: n must be a positive safe integer');
  if (n <= 2 ** 32) {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = rng.next32();
      if (x < limit) return x % n;
    }
  }
  const span = 2 ** 53;
  const limit = span - (span % n);
  for (;;) {
    const x = (rng.next32() & 0x1fffff) * 2 ** 32 + rng.next32();
    if (x < limit) return x % n;
  }
}

/**
 * Randomness derived per row: the source of a purpose and column yields, for
 * the row whose line was last begun, the words of HMAC-SHA256(subkey,
 * "<line>/<block>"), block after block. Any pass that begins the same line
 * draws the same values, in whatever order the rows come.
 */
export class RowRandomness {
  readonly #secret: Buffer;
  /** The line of the row being transformed. */
  line = 0;

  readonly kind: 'secure' | 'seeded';

  /** A run's randomness: a random secret, or one derived from --seed (reproducible, not secure). */
  private constructor(seed: number | undefined) {
    this.kind = seed === undefined ? 'secure' : 'seeded';
    this.#secret = seed === undefined ? randomBytes(32) : createHash('sha256').update(`veil/v1/row-randomness/${seed}`).digest();
  }

  static forRun(seed: number | undefined): RowRandomness {
    return new RowRandomness(seed);
  }

  begin(line: number): void {
    this.line = line;
  }

  source(purpose: string, column: string): RandomSource {
    const mac = hmacSha256(createHmac('sha256', this.#secret).update(`${purpose}/${column}`).digest());
    let line = -1;
    let block = 0;
    let words: Buffer = Buffer.alloc(32);
    let at = 8;
    return {
      kind: this.kind,
      next32: () => {
        if (this.line !== line) {
          line = this.line;
          block = 0;
          at = 8;
        }
        if (at === 8) {
          words = mac(`${line}/${block++}`);
          at = 0;
        }
        return words.readUInt32BE(4 * at++);
      },
    };
  }

  toJSON(): string {
    return '[row randomness]';
  }
}
