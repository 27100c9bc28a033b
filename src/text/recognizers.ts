// The recognizers of `scrub`: each finds the spans of one kind in a text.
//   email, phone, ssn, credit_card, iban, ip   the residual-PII check's patterns and checks (detect.ts), as spans;
//                                              and national phone numbers without separators after a word like "call"
//   url        http(s)://, ftp:// and www. addresses, without the sentence's last punctuation
//   date       dates (2024-03-12, 03/12/1985, 12.03.1985, March 12, 1985, 12 March 1985) after a word of
//              birth (born, DOB, date of birth, birthday) score 0.9; others 0.3 (`dates: all`: 0.9 too)
//   address    a house number, capitalized words and a street suffix (faker's lists: Street, Lane, Close,
//              and the USPS abbreviations), with a unit, a town, a US state and ZIP or a UK postcode after;
//              PO boxes
//   person     names.ts
//   own        the row's own protected values, even in part (own.ts)

import { piiSpans } from '../governance/detect.js';
import type { Dictionaries } from './dictionaries.js';
import { personSpans } from './names.js';
import { ownSpans, type OwnValue } from './own.js';
import type { Span } from './spans.js';

const URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`]+/giu;
const PHONE_NATIONAL = /(?<![\d\w+])0\d{9,10}(?!\d)/g;
const PHONE_WORD = /\b(?:call|called|phone|tel|telephone|mobile|cell|ring|number|no|whatsapp|sms|text|reach (?:me|him|her|them) (?:at|on)|contact)\b[.:#\s]*(?:is|on|at)?[\s:]*$/i;

const MONTH = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`;
const DATE = new RegExp(
  String.raw`(?<![\d./-])(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|${MONTH}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2}(?:st|nd|rd|th)? (?:of )?${MONTH}\.?,? \d{4})(?![\d/.-]\d)`,
  'giu',
);
const BIRTH_BEFORE = /(?:\b(?:born|birth|dob|birthday|bday)\b|\bd\.o\.b\.?|\bb\.)[^.\n\d]{0,20}$/iu;
const BIRTH_AFTER = /^\s*\(?(?:dob|date of birth|birthday)\b/iu;

/** In lower case (a chat): a number, one or two words, and a common suffix ("12 baker street", "apt 2, 39 maple st"). */
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

export interface RecognizerOptions {
  readonly dictionaries: Dictionaries | undefined;
  /** `all`: every date scores as a date of birth does. */
  readonly allDates: boolean;
}

export class Recognizers {
  private readonly address: RegExp | undefined;

  constructor(private readonly o: RecognizerOptions) {
    this.address = o.dictionaries && addressPattern(o.dictionaries.streetSuffixes);
  }

  /** Every candidate span of every kind (overlapping; resolve() chooses); names and addresses only with the dictionaries. */
  find(text: string, own: readonly OwnValue[]): Span[] {
    const spans: Span[] = [];
    for (const s of piiSpans(text)) spans.push({ ...s, score: 1 });
    for (const m of text.matchAll(PHONE_NATIONAL)) if (PHONE_WORD.test(text.slice(Math.max(0, m.index - 25), m.index))) spans.push({ kind: 'phone', start: m.index, end: m.index + m[0].length, score: 1 });
    for (const m of text.matchAll(URL)) spans.push({ kind: 'url', start: m.index, end: m.index + urlLength(m[0]), score: 1 });
    for (const m of text.matchAll(DATE)) {
      const end = m.index + m[0].length;
      const birth = BIRTH_BEFORE.test(text.slice(Math.max(0, m.index - 30), m.index)) || BIRTH_AFTER.test(text.slice(end, end + 20));
      spans.push({ kind: 'date', start: m.index, end, score: birth || this.o.allDates ? 0.9 : 0.3 });
    }
    if (this.address) {
      for (const m of text.matchAll(this.address)) spans.push({ kind: 'address', start: m.index, end: m.index + m[0].replace(/[,.]$/, '').length, score: 0.9 });
      for (const m of text.matchAll(ADDRESS_LOWER)) spans.push({ kind: 'address', start: m.index, end: m.index + m[0].length, score: 0.7 });
    }
    // Appended one by one: a spread of an unbounded array (`push(...x)`) overflows the stack on long texts.
    if (this.o.dictionaries) for (const s of personSpans(text, { dictionaries: this.o.dictionaries })) spans.push(s);
    for (const s of ownSpans(text, own)) spans.push(s);
    return spans;
  }
}

/** A URL's length without the punctuation that ends the sentence around it (a closing parenthesis it did not open). */
function urlLength(url: string): number {
  let n = url.length;
  for (;;) {
    const c = url[n - 1]!;
    if ('.,;:!?\'"'.includes(c)) n--;
    else if (')]}'.includes(c) && count(url.slice(0, n), '([{'[')]}'.indexOf(c)]!) < count(url.slice(0, n), c)) n--;
    else return n;
  }
}

const count = (s: string, c: string) => s.split(c).length - 1;
