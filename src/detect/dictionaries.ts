// The word lists the recognizers of names and addresses use, taken from
// @faker-js/faker's locale data (already a dependency, kept up to date by its
// maintainers): given names and surnames of the locales written in the Latin
// alphabet, and the street suffixes of the English-speaking ones. Loaded once
// per thread, on the first scrub that needs them (16,000 given names and
// 13,500 surnames); and the English words of sindresorhus's
// word-list (274,000 words, MIT), by which a capitalized word that is no
// English word (Ogunleye, Papadakis) reads as a name more than one that is
// (Grand, Spring). All of it: about 0.4 s and 70 MB per thread (measured
// alone, three runs: 0.40-0.47 s, 69-72 MB of resident memory).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { STREET_ABBREVIATIONS, STREET_NAMES } from '../lib/streets.js';

/** Latin-script locales whose people's names the recognizer knows. */
const NAME_LOCALES = [
  'en', 'en_GB', 'en_IE', 'en_AU', 'en_CA', 'en_IN', 'en_NG', 'en_ZA', 'en_GH', 'de', 'de_AT', 'de_CH', 'fr', 'es', 'es_MX', 'it', 'pt_BR', 'pt_PT',
  'nl', 'pl', 'sv', 'nb_NO', 'da', 'fi', 'cs_CZ', 'sk', 'hu', 'ro', 'hr', 'tr', 'vi', 'id_ID', 'yo_NG', 'zu_ZA', 'af_ZA', 'lv', 'sl_SI', 'sr_RS_latin',
  'uz_UZ_latin', 'az', 'cy',
];
const STREET_LOCALES = ['en', 'en_GB', 'en_IE', 'en_AU', 'en_CA', 'en_US'];

export interface Dictionaries {
  readonly givenNames: ReadonlySet<string>;
  readonly surnames: ReadonlySet<string>;
  /** Street suffixes (Street, Lane, Close, St), for the address pattern. */
  readonly streetSuffixes: readonly string[];
  /** Cities, states, counties and countries of faker's locales (Santa Clara, Cape Town): a run that is one is a place. */
  readonly places: ReadonlySet<string>;
  /** English words, lower case. */
  readonly english: ReadonlySet<string>;
  /** English given names and surnames, for the consistent fakes of `scrub`. */
  readonly fakeGivenNames: readonly string[];
  readonly fakeSurnames: readonly string[];
}

type Definitions = { person?: { first_name?: unknown; last_name?: unknown }; location?: Record<string, unknown> };

const flat = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : x && typeof x === 'object' ? Object.values(x).flatMap(flat) : []);

let loading: Promise<Dictionaries> | undefined;

export function dictionaries(): Promise<Dictionaries> {
  loading ??= (async () => {
    const givenNames = new Set<string>();
    const surnames = new Set<string>();
    const suffixes = new Set<string>([...STREET_NAMES, ...STREET_ABBREVIATIONS]);
    const places = new Set<string>();
    let fakeGivenNames: string[] = [];
    let fakeSurnames: string[] = [];
    for (const locale of new Set([...NAME_LOCALES, ...STREET_LOCALES])) {
      const definitions = ((await import(`@faker-js/faker/locale/${locale}`)) as { faker: { rawDefinitions: Definitions } }).faker.rawDefinitions;
      if (locale === 'en') {
        fakeGivenNames = [...new Set(flat(definitions.person?.first_name))].sort();
        fakeSurnames = [...new Set(flat(definitions.person?.last_name))].sort();
      }
      if (NAME_LOCALES.includes(locale)) {
        for (const n of flat(definitions.person?.first_name)) givenNames.add(n);
        for (const n of flat(definitions.person?.last_name)) surnames.add(n);
      }
      for (const key of ['city_name', 'country', 'state', 'county']) for (const p of flat(definitions.location?.[key])) places.add(p);
      if (STREET_LOCALES.includes(locale)) for (const s of flat(definitions.location?.street_suffix)) if (/^\p{Lu}\p{Ll}+$/u.test(s)) suffixes.add(s);
    }
    // The package exports the path of its words.txt; resolved here (a bundler would inline its module and lose the path).
    const words = join(dirname(createRequire(import.meta.url).resolve('word-list')), 'words.txt');
    const english = new Set(readFileSync(words, 'utf8').split(/\r?\n/));
    return { places, english, givenNames, surnames, streetSuffixes: [...suffixes].sort((a, b) => b.length - a.length), fakeGivenNames, fakeSurnames };
  })();
  return loading;
}
