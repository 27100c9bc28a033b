// fake: replaces a value with a realistic fake from @faker-js/faker, by method
// name (`as: person.fullName`) and locale (default en). Consistent by default:
// faker is seeded per value with HMAC-SHA256 of the value under a subkey of
// the column (or `domain`), so the same value and key give the same fake in
// every run and file and joins survive. `consistent: false` draws a fresh
// fake per cell: from a per-column seeded stream with --seed, else from the
// operating system's secure generator.
// Example: `full_name: { transform: fake, as: person.fullName, locale: de }`.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import seedrandom from 'seedrandom';
import { hmac } from '../lib/key.js';
import { defineTransform } from './define.js';

interface FakeOptions {
  as: string;
  locale: string;
  consistent: boolean;
  domain: string | undefined;
  args: unknown;
}

type FakerInstance = { seed(seed: number[]): unknown } & Record<string, unknown>;

/** Locales are loaded on demand: faker is slow to load, and most policies need one locale or none. */
const loaded = new Map<string, FakerInstance | null>();

async function loadLocale(locale: string): Promise<FakerInstance | null> {
  if (!loaded.has(locale)) {
    let faker: FakerInstance | null = null;
    if (/^[a-z]{2,3}(?:_[A-Za-z]+)*$/.test(locale)) {
      try {
        faker = ((await import(`@faker-js/faker/locale/${locale}`)) as { faker: FakerInstance }).faker;
      } catch {
        faker = null;
      }
    }
    loaded.set(locale, faker);
  }
  return loaded.get(locale)!;
}

function method(faker: FakerInstance, path: string): ((...args: unknown[]) => unknown) | undefined {
  const [moduleName, fn] = path.split('.');
  const mod = faker[moduleName!] as Record<string, unknown> | undefined;
  const f = mod && typeof mod === 'object' ? mod[fn!] : undefined;
  return typeof f === 'function' ? (f as (...args: unknown[]) => unknown).bind(mod) : undefined;
}

export const FAKER_VERSION: string = (createRequire(import.meta.url)('@faker-js/faker/package.json') as { version: string }).version;

const CACHE_LIMIT = 100_000;

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
  create(o, ctx) {
    const faker = loaded.get(o.locale)!;
    const call = method(faker, o.as)!;
    const produce = (seed: number[]): string => {
      faker.seed(seed);
      const out = o.args === undefined ? call() : call(o.args);
      return typeof out === 'string' ? out : JSON.stringify(out);
    };
    if (o.consistent) {
      const subkey = ctx.key!.derive('fake', `${o.domain ?? ctx.column}/${o.locale}/${o.as}`);
      const cache = new Map<string, string>();
      return (value) => {
        let out = cache.get(value);
        if (out === undefined) {
          const digest = hmac(subkey, value);
          out = produce(Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(i * 4)));
          if (cache.size >= CACHE_LIMIT) cache.clear();
          cache.set(value, out);
        }
        return out;
      };
    }
    const next: () => number =
      ctx.seed === undefined
        ? () => randomBytes(4).readUInt32BE(0)
        : (() => {
            const rng = seedrandom(`veil/fake/${ctx.seed}/${ctx.column}`);
            return () => rng.int32() >>> 0;
          })();
    return () => produce([next(), next(), next(), next()]);
  },
});
