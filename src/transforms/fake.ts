// fake: replaces a value with a realistic fake from @faker-js/faker, by method
// name (`as: person.fullName`) and locale (default en). Consistent by default:
// faker is seeded per value with HMAC-SHA256 of the value under a subkey of
// the column (or `domain`), so the same value and key give the same fake in
// every run and file and joins survive. `consistent: false` draws a fresh
// fake per cell from one stream per column, seeded by --seed or else by the
// operating system's secure generator. Fake values carry nothing of the
// input; consistency across faker versions is not promised (the report
// names the version).
// Example: `full_name: { transform: fake, as: person.fullName, locale: de }`.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { BoundedCache } from '../lib/bounded-cache.js';
import { hmacSha256 } from '../lib/hmac-sha256.js';
import { sourceFor, type RandomSource } from '../lib/random.js';
import { defineTransform } from './define.js';

interface FakeOptions {
  as: string;
  locale: string;
  consistent: boolean;
  domain: string | undefined;
  args: unknown;
}

type FakerInstance = { rawDefinitions: unknown } & Record<string, unknown>;
type FakerClass = new (options: { locale: unknown; randomizer: Randomizer }) => FakerInstance;

/** faker's randomizer interface: next() in [0, 1), seed(). */
interface Randomizer {
  next(): number;
  seed(seed: number | number[]): void;
}

/**
 * sfc32 (Doty-Humphrey, PractRand): a small, fast generator that faker draws
 * from. Reseeding it costs four assignments, against faker's default
 * Mersenne Twister whose 624-word initialization dominated the profile when
 * every value is seeded by its own HMAC.
 */
function sfc32(): Randomizer {
  // Closures, not methods: faker calls next() detached from its object.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const seed = (value: number | number[]): void => {
    const s = Array.isArray(value) ? value : [value];
    [a, b, c, d] = [s[0] ?? 0, s[1] ?? 0, s[2] ?? 0, s[3] ?? 1];
    for (let i = 0; i < 12; i++) next();
  };
  return { next, seed };
}

/** Locales are loaded on demand: faker is slow to load, and most policies need one locale or none. */
const loaded = new Map<string, FakerInstance | null>();
/** How Node's import() and the bundle's require() say a module does not exist. */
const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

async function loadLocale(locale: string): Promise<FakerInstance | null> {
  if (!loaded.has(locale)) {
    let faker: FakerInstance | null = null;
    if (/^[a-z]{2,3}(?:_[A-Za-z]+)*$/.test(locale)) {
      try {
        faker = ((await import(`@faker-js/faker/locale/${locale}`)) as { faker: FakerInstance }).faker;
      } catch (e) {
        // A module that does not exist: not a locale faker has (or no faker at all). Anything else (a broken install) is not the policy's fault.
        if (!NOT_FOUND.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
        faker = null;
      }
    }
    loaded.set(locale, faker);
  }
  return loaded.get(locale)!;
}

/** A faker of its own for one column, drawing from `randomizer` (the locale module exports an instance; its class is its constructor). */
function fakerWith(locale: string, randomizer: Randomizer): FakerInstance {
  const base = loaded.get(locale)!;
  const Faker = base.constructor as FakerClass;
  return new Faker({ locale: base.rawDefinitions, randomizer });
}

function method(faker: FakerInstance, path: string): ((...args: unknown[]) => unknown) | undefined {
  const [moduleName, fn] = path.split('.');
  const mod = faker[moduleName!] as Record<string, unknown> | undefined;
  const f = mod && typeof mod === 'object' ? mod[fn!] : undefined;
  return typeof f === 'function' ? (f as (...args: unknown[]) => unknown).bind(mod) : undefined;
}

export const FAKER_VERSION: string = (createRequire(import.meta.url)('@faker-js/faker/package.json') as { version: string }).version;

export const fake = defineTransform<FakeOptions>({
  name: 'fake',
  summary: 'consistent realistic fake value (faker method by name)',
  example: 'full_name: { transform: fake, as: person.fullName }',
  options: ['as', 'locale', 'consistent', 'domain', 'args'],
  keyed: (o) => o.consistent,
  async preload(r) {
    await loadLocale(r.string('locale') ?? 'en');
  },
  parse(r) {
    const as = r.string('as', { required: true });
    const locale = r.string('locale') ?? 'en';
    const consistent = r.boolean('consistent') ?? true;
    const domain = r.string('domain', { nonEmpty: true });
    const args = r.plain('args');
    if (as === undefined) return undefined;
    const faker = loaded.get(locale);
    if (!faker) {
      r.report('POLICY_VALUE', 'locale', { expected: 'a faker locale such as en, de, fr, en_US', found: JSON.stringify(locale) });
      return undefined;
    }
    if (!/^[A-Za-z]+\.[A-Za-z]+$/.test(as) || !method(faker, as)) {
      r.report('POLICY_VALUE', 'as', { expected: 'a faker method such as person.fullName or location.city', found: JSON.stringify(as) });
      return undefined;
    }
    return { as, locale, consistent, domain, args };
  },
  describe: (o) => ({
    as: o.as,
    locale: o.locale,
    consistent: o.consistent,
    ...(o.domain !== undefined && { domain: o.domain }),
    ...(o.args !== undefined && { args: o.args }),
    faker_version: FAKER_VERSION,
  }),
  async create(o, ctx) {
    const randomizer = sfc32();
    const call = method(fakerWith(o.locale, randomizer), o.as)!;
    const produce = (): string => {
      const out = o.args === undefined ? call() : call(o.args);
      return typeof out === 'string' ? out : JSON.stringify(out);
    };
    if (o.consistent) {
      const mac = hmacSha256(ctx.key!.derive('fake', `${o.domain ?? ctx.column}/${o.locale}/${o.as}`));
      const cache = new BoundedCache<string>();
      const fakeOf = (value: string): string => {
        const digest = mac(value);
        randomizer.seed([digest.readInt32BE(0), digest.readInt32BE(4), digest.readInt32BE(8), digest.readInt32BE(12)]);
        return produce();
      };
      return (value) => cache.get(value, fakeOf);
    }
    // A fresh fake per cell. Per row (k-anonymity's two passes): the randomizer is seeded from the row's own draws.
    if (ctx.rowRandomness) {
      const source = sourceFor(ctx, 'fake') as RandomSource;
      return () => {
        randomizer.seed([source.next32() | 0, source.next32() | 0, source.next32() | 0, source.next32() | 0]);
        return produce();
      };
    }
    // Else one stream per column, seeded by --seed or by the secure generator.
    if (ctx.seed === undefined) {
      const bytes = randomBytes(16);
      randomizer.seed([bytes.readInt32BE(0), bytes.readInt32BE(4), bytes.readInt32BE(8), bytes.readInt32BE(12)]);
    } else {
      // Loaded only here: most policies never draw seeded fakes.
      const seedrandom = (await import('seedrandom')).default;
      const rng = seedrandom(`veil/fake/${ctx.seed}/${ctx.column}`);
      randomizer.seed([rng.int32(), rng.int32(), rng.int32(), rng.int32()]);
    }
    return () => produce();
  },
});
