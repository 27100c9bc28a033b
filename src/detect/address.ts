// address: a house number, capitalized words and a street suffix (from the
// street lists of src/detect/dictionaries.ts), with a unit, a town, a US
// state and ZIP or a UK postcode after; PO boxes; in lower case (a chat), a
// number, one or two words and a common suffix ("12 baker street").

import type { Dictionaries } from './dictionaries.js';
import { defineRecognizer, type Found } from './define.js';

const ADDRESS_LOWER = /(?<![\p{L}\p{N}-])(?:(?:apt|flat|unit|suite) [a-z0-9]+,? )?\d{1,5} (?:[\p{Ll}'’-]+ ){1,2}(?:street|road|lane|avenue|drive|close|court|boulevard|terrace|crescent|gardens|st|rd|ave|ln|dr|blvd)\b\.?/gu;

/** A street address: the pattern is built from the suffix list once per list. */
function addressPattern(suffixes: readonly string[]): RegExp {
  const suffix = `(?:${suffixes.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`;
  const word = String.raw`(?:\p{Lu}[\p{L}'’.-]*|\d{1,3}(?:st|nd|rd|th))`;
  const unit = String.raw`(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm|#)\.? ?#?[A-Za-z0-9-]+)`;
  const town = String.raw`(?:, ?\p{Lu}\p{Ll}[\p{L}.'’-]*(?: \p{Lu}\p{Ll}[\p{L}.'’-]*){0,2}(?:, ?(?:[A-Z]{2}|\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)?))?(?: (?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}))?)`;
  const before = String.raw`(?:(?:Flat|Apt|Unit|Suite) [A-Za-z0-9]+,? )?`;
  return new RegExp(
    String.raw`(?<![\p{L}\p{N}-])(?:${before}\d{1,6}[A-Za-z]?(?:-\d{1,4})?,? (?:(?:[NSEW]|North|South|East|West)\.? )?(?:${word} ){1,4}${suffix}\b\.?(?: (?:N|S|E|W|NE|NW|SE|SW)\b)?${unit}?${town}?|\bP\.? ?O\.? Box \d+(?:, \p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)?)?)`,
    'gu',
  );
}

const patterns = new WeakMap<Dictionaries, RegExp>();

export const address = defineRecognizer({
  kind: 'address',
  strict: false,
  screen: (c) => c.digits >= 1,
  spans(text, o) {
    const d = o.dictionaries;
    if (!d) return [];
    let re = patterns.get(d);
    if (!re) patterns.set(d, (re = addressPattern(d.streetSuffixes)));
    const out: Found[] = [];
    for (const m of text.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].replace(/[,.]$/, '').length, score: 0.9 });
    for (const m of text.matchAll(ADDRESS_LOWER)) out.push({ start: m.index, end: m.index + m[0].length, score: 0.7 });
    return out;
  },
  sql: '[0-9]',
  score: 0.9,
});
