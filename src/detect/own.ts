// A row's own protected values inside its free text, even in part: the
// whole value, or for a name each of its words ("Ms. Oyelaran" when the name
// column says "Margarethe Oyelaran-Whitby"); an email in any case; a phone
// by its digits, however they are grouped ("(617) 555 0134" for
// "617-555-0134"); any other value (an id) as a whole word. What a value is
// follows its shape, not the column's name. A value is normalized as the
// text is (./normalize.ts), and a name is also looked for in the other ways
// people write one: its parts joined by '_', '.', '-' or nothing
// (john_smith, johnsmith), surname first (SMITH, JOHN), letter by letter
// (J O H N).

import { normalize } from './normalize.js';
import type { Span, TextKind } from './spans.js';

export interface OwnValue {
  readonly kind: TextKind;
  /** What is searched: the lower-cased value, its digits (a phone), or its words (a name). */
  readonly needles: readonly string[];
}

/** Words that are part of names but are no name alone (particles, titles). */
const NOT_ALONE = new Set(['van', 'von', 'der', 'den', 'de', 'la', 'le', 'da', 'del', 'della', 'di', 'du', 'bin', 'binti', 'ibn', 'al', 'el', 'mr', 'mrs', 'ms', 'dr', 'jr', 'sr', 'ii', 'iii']);
const NAME = /^[\p{L}\p{M}'’. -]+$/u;
const DIGITS_LIKE = /^[\d\s().+/-]+$/;

/** What to search for a protected value of the row; undefined for one too short to be told from other text. */
export function ownValue(raw: string): OwnValue | undefined {
  const v = normalize(raw.trim()).text;
  if (v.length < 3) return undefined;
  if (v.includes('@')) return { kind: 'email', needles: [v.toLowerCase()] };
  const digits = v.replace(/\D/g, '');
  if (DIGITS_LIKE.test(v) && digits.length >= 7) return { kind: digits.length === 9 ? 'ssn' : digits.length >= 10 ? 'phone' : 'id', needles: [digits] };
  if (NAME.test(v) && /\p{L}{2}/u.test(v)) {
    const lower = v.toLowerCase();
    // The whole name, each word of it (a double-barrelled name too), and each part of a hyphenated word.
    const words = lower.split(/\s+/).filter((w) => w.replace(/[.'’]/g, '').length >= 2 && !NOT_ALONE.has(w.replace(/\.$/, '')));
    const parts = words.flatMap((w) => (w.includes('-') ? w.split('-') : [])).filter((w) => w.length >= 3 && !NOT_ALONE.has(w));
    return { kind: 'person', needles: [...new Set([lower, ...words, ...parts, ...ownNeedles(v).spellings])] };
  }
  return { kind: 'id', needles: [v.toLowerCase()] };
}

/** The text in lower case, character for character (a character whose lower case is longer stays as it is), so offsets agree. */
function lowerInPlace(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const c of text) {
    const l = c.toLowerCase();
    out += l.length === c.length ? l : c;
  }
  return out;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const PHONE_RUN = /\+?\(?\d[\d\s().-]*\d/g;

/** The spans of the row's own values in a text (score 1). */
export function ownSpans(text: string, own: readonly OwnValue[]): Span[] {
  if (own.length === 0) return [];
  const spans: Span[] = [];
  let lower: string | undefined;
  let runs: { start: number; end: number; digits: string }[] | undefined;
  for (const o of own) {
    if (o.kind === 'phone' || o.kind === 'ssn' || (o.kind === 'id' && /^\d+$/.test(o.needles[0]!))) {
      runs ??= [...text.matchAll(PHONE_RUN)].map((m) => ({ start: m.index, end: m.index + m[0].length, digits: m[0].replace(/\D/g, '') }));
      const d = o.needles[0]!;
      for (const r of runs) {
        // The same digits, or one ending with the other (a country code written or not), seven at least.
        const same = r.digits === d || (r.digits.length >= 7 && (d.endsWith(r.digits) || r.digits.endsWith(d)) && Math.abs(r.digits.length - d.length) <= 3);
        if (same) spans.push({ kind: o.kind, start: r.start, end: r.end, score: 1, own: true });
      }
      continue;
    }
    lower ??= lowerInPlace(text);
    for (const needle of o.needles) {
      // A short word of a name only where it is written capitalized: "Lee" is a name, "lee" may be a word.
      const capitalized = o.kind === 'person' && needle.length <= 4;
      for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + 1)) {
        const end = at + needle.length;
        if (isWordChar(text[at - 1]) || isWordChar(text[end])) continue;
        if (capitalized && !/\p{Lu}/u.test(text[at]!)) continue;
        spans.push({ kind: o.kind, start: at, end, score: 1, own: true });
      }
    }
  }
  return spans;
}

/** A text in lower case without the characters that join a name's parts: what squeezed needles are looked for in. */
export const squeezed = (text: string): string => text.toLowerCase().replace(/[\s_.,'’-]+/g, '');

/**
 * The other spellings of a name (two to four words): joined by '_', '.',
 * '-' or nothing, surname first with or without a comma, each word of three
 * letters or more letter by letter; and the name squeezed of its
 * separators, in both orders.
 */
export function ownNeedles(name: string): { spellings: string[]; squeezed: string[] } {
  const words = name.toLowerCase().split(/\s+/).filter((w) => w !== '' && !NOT_ALONE.has(w.replace(/\.$/, '')));
  if (words.length < 2 || words.length > 4) return { spellings: words.filter((w) => w.length >= 3).map(spaced), squeezed: [] };
  const reversed = [words[words.length - 1]!, ...words.slice(0, -1)];
  const spellings = [
    ...['_', '.', '-', ''].map((j) => words.join(j)),
    `${reversed[0]}, ${reversed.slice(1).join(' ')}`,
    reversed.join(' '),
    ...words.filter((w) => w.length >= 3).map(spaced),
  ];
  return { spellings, squeezed: [squeezed(words.join('')), squeezed(reversed.join(''))] };
}

/** A word letter by letter: j o h n. */
const spaced = (word: string): string => [...word].join(' ');
