// Sources of randomness, one per purpose and column, never the global unseeded one:
//   secure   node:crypto's randomFillSync, read in 64 KiB blocks (the default)
//   seeded   seedrandom's ARC4 stream for "<seed>/<purpose>/<column>" (--seed):
//            reproducible, for tests and demos, NOT secure
// Integers are drawn without modulo bias, by rejection.

import { randomFillSync } from 'node:crypto';

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

export function sourceFor(seed: number | undefined, purpose: string, column: string): Promise<RandomSource> | RandomSource {
  return seed === undefined ? secureSource() : seededSource(seed, purpose, column);
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
