// Personal data inside a text: the patterns of the residual-PII check, each
// with the check that keeps look-alikes out (the Luhn digit and the issuers'
// prefixes of cards, the mod-97 check and the lengths of IBANs, the validity
// rules of US SSNs and NANP numbers, Node's own IPv6 parser).
//   email         ann@x.org, also percent-encoded in a URL (ann%40x.org)
//   ssn           123-45-6789, 123 45 6789; 123456789 only after "SSN" or "social security"
//   phone         +44 20 7946 0958, (617) 555-0134, 617.555.0134, 6175550134 (a NANP number), +447911123456;
//                 not ISBNs, dates, build numbers (2024.03.12.1234) or card numbers
//   credit_card   13-19 digits with a card issuer's prefix and a valid Luhn digit
//   iban          DE89 3704 0044 0532 0130 00, in any case, of a country's IBAN length, mod 97
//   ip            IPv4 (not after "v" or "version") and IPv6, compressed too (2001:db8::1)
// Precision and recall per kind, on a labeled corpus made in the tests, are
// in test/residual.test.ts.

import { isIPv6 } from 'node:net';

export const PII_KINDS = ['email', 'ssn', 'credit_card', 'iban', 'phone', 'ip'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/u;
const SSN_SEPARATED = /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/;
const SSN_BARE = /(?<!\d)(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}(?!\d)/g;
const SSN_CONTEXT = /(?:\bssn|social\s+security|soc\.?\s*sec|\bss\s*#|\bss\s+no)\b[^\d]{0,20}$/i;
/** Not glued to letters: 1Z6000889743591 is a parcel's tracking number. */
const CARD = /(?<![\dA-Za-z])(?:\d[ -]?){12,18}\d(?![\dA-Za-z])/g;
/** An IBAN's shape: contiguous, or in groups of four; a match may run into the next word, so shorter prefixes are tried too (ibanIn). */
const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{1,4}){3,8})(?![A-Za-z0-9])/g;
const PHONE = /(?<![\d.\w])\+?\(?\d[\d\s().-]{8,18}\d(?![\d.]?\d)/g;
const PHONE_BARE = /(?<![\d.,\w-])(?:\+?1)?[2-9]\d{2}[2-9]\d{6}(?![\d\w]|[.,]\d)/;
const E164 = /(?<![\d\w])\+[1-9]\d{9,14}(?!\d)/;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;

/** Digits of a text. */
const digitsOf = (s: string): string => s.replace(/\D/g, '');

export function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** A card number: a known issuer's prefix and length (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro), and Luhn. */
export function cardNumber(digits: string): boolean {
  const n = digits.length;
  if (n < 12 || n > 19 || !luhn(digits)) return false;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p2 === 36 || p2 === 38 || (p4 >= 3000 && p4 <= 3059)) return n === 14 || n === 16;
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499) || p2 === 62) return n >= 16;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12;
  return false;
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18,
  DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23,
  IQ: 23, IR: 26, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27,
  MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27,
  ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, BI: 27, DJ: 27, FK: 18, HN: 28, LY: 25, MN: 20, NI: 28, OM: 23,
  RU: 33, SD: 18, SO: 23, YE: 30,
};

/** An IBAN in any case, with or without spaces: a country's length and the mod-97 check. */
export function iban(v: string): boolean {
  const s = v.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s) || IBAN_LENGTH[s.slice(0, 2)] !== s.length) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const n = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of n) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

/** ISBN-13 (978/979, mod-10 weights 1 and 3) or hyphenated ISBN-10 (four groups, mod 11). */
function isbn(match: string, digits: string): boolean {
  if (digits.length === 13 && /^97[89]/.test(digits)) {
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += Number(digits[i]) * (i % 2 ? 3 : 1);
    return sum % 10 === 0;
  }
  if (digits.length === 10 && match.split(/[- ]/).length === 4) {
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += Number(digits[i]) * (10 - i);
    return sum % 11 === 0;
  }
  return false;
}

/** A reference or order code, not a phone: a number after '#', after letters and a dash (INV-2024-...), or after such a word. */
const CODE_BEFORE = /(?:#|[A-Za-z]-|\b(?:order|invoice|inv|ref|reference|tracking|ticket|case|no\.?|number|batch|sku|po)\s*[:#]?\s*)$/i;

function phoneAt(text: string, match: string, at: number): boolean {
  const digits = digitsOf(match);
  if (digits.length < 10 || digits.length > 15 || !/[\s().+-]/.test(match)) return false;
  if (CODE_BEFORE.test(text.slice(Math.max(0, at - 12), at))) return false;
  // Without a country code or an area code in parentheses, a phone is grouped as in North America
  // (617-555-0134, 1-617-555-0134) or starts with a national trunk 0 (020 7946 0958).
  const trimmed = match.trim();
  if (!trimmed.startsWith('+') && !trimmed.includes('(') && !/^(?:1[ .-])?\d{3}[ .-]\d{3}[ .-]\d{4}$/.test(trimmed) && !trimmed.startsWith('0')) return false;
  // Dates, ISBNs and card numbers have separators too.
  if (/^\d{4}-\d{2}-\d{2}/.test(match) || /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}/.test(match)) return false;
  if (/isbn[\s:-]*(?:1[03][\s:-]*)?$/i.test(text.slice(Math.max(0, at - 12), at)) || isbn(match, digits)) return false;
  if (cardNumber(digits)) return false;
  // Dots are NANP separators (617.555.0134), not version or build numbers (2024.03.12.1234).
  if (match.includes('.') && !/^(?:\+?\d{1,3}[ .])?\(?\d{3}\)?\.\d{3}\.\d{4}$/.test(match.trim())) return false;
  return true;
}

function ssnIn(v: string): boolean {
  if (SSN_SEPARATED.test(v)) return true;
  for (const m of v.matchAll(SSN_BARE)) if (SSN_CONTEXT.test(v.slice(Math.max(0, m.index - 40), m.index))) return true;
  return false;
}

function phoneIn(v: string): boolean {
  for (const m of v.matchAll(PHONE)) if (phoneAt(v, m[0], m.index)) return true;
  const bare = PHONE_BARE.exec(v);
  return (bare !== null && !CODE_BEFORE.test(v.slice(Math.max(0, bare.index - 12), bare.index))) || E164.test(v);
}

/** A version number, not an address: after "v", "ver." or "version" (not after "server"). */
const VERSION_BEFORE = /(?:\bv|\bversion|\bver\.?)\s*$/i;

function ipIn(v: string): boolean {
  for (const m of v.matchAll(IPV4)) if (!VERSION_BEFORE.test(v.slice(Math.max(0, m.index - 9), m.index))) return true;
  if (v.includes(':')) {
    for (const m of v.matchAll(IPV6)) {
      const groups = m[0].split(':').filter((g) => g !== '');
      if (groups.length >= 2 && isIPv6(m[0])) return true;
    }
  }
  return false;
}

/** What piiScreen found a text can hold, one bit a check. */
const CAN_EMAIL = 1;
const CAN_IBAN = 2;
const CAN_CARD = 4;
const CAN_SSN = 8;
const CAN_PHONE = 16;
const CAN_IP = 32;

/**
 * Which checks a text needs at all, from cheap character counts: 0 for most
 * cells (names, cities, dates, amounts), which then need no pattern and no
 * memo. A superset of what piiKinds can find: each kind needs its count.
 */
export function piiScreen(v: string): number {
  let digits = 0;
  let letters = 0;
  let at = false;
  let dots = 0;
  let colons = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c === 64) at = true;
    else if (c === 37 && !at && /%40/i.test(v)) at = true;
  }
  let can = 0;
  if (at) can |= CAN_EMAIL;
  // An IBAN is at least 15 characters, two of them letters (its country) and two digits.
  if (letters >= 2 && digits >= 2 && v.length >= 15) can |= CAN_IBAN;
  if (digits >= 12) can |= CAN_CARD;
  if (digits >= 9) can |= CAN_SSN;
  if (digits >= 10) can |= CAN_PHONE;
  // IPv4: four numbers and three dots; IPv6: two groups at least, so two colons.
  if ((digits >= 4 && dots >= 3) || (colons >= 2 && digits + letters >= 2)) can |= CAN_IP;
  return can;
}

/** Every check at once, for a test that the screen hides nothing. */
export const EVERY_CHECK = 63;

/** The kinds of personal data a text holds (each once); `can`: the checks to run (the screen's by default). */
export function piiKinds(v: string, can = piiScreen(v)): PiiKind[] {
  const kinds: PiiKind[] = [];
  if (can === 0) return kinds;
  if (can & CAN_EMAIL && EMAIL.test(v.includes('%') ? v.replace(/%40/gi, '@') : v)) kinds.push('email');
  // The spans a checked kind (IBAN, card) claims are not searched again for phones and SSNs: their digit groups look like those.
  let rest = v;
  if (can & CAN_IBAN) rest = claim(rest, IBAN, (m) => ibanPrefix(m) > 0, () => kinds.push('iban'), ibanPrefix);
  if (can & CAN_CARD) rest = claim(rest, CARD, (m) => cardNumber(digitsOf(m)), () => kinds.push('credit_card'));
  if (can & CAN_SSN && ssnIn(rest)) kinds.push('ssn');
  if (can & CAN_PHONE && phoneIn(rest)) kinds.push('phone');
  if (can & CAN_IP && ipIn(v)) kinds.push('ip');
  return kinds;
}

/** The length of the longest prefix of a grouped match that is a valid IBAN (whole groups only), or 0. */
function ibanPrefix(match: string): number {
  if (!match.includes(' ')) return iban(match) ? match.length : 0;
  for (let end = match.length; end > 0; end = match.lastIndexOf(' ', end - 1)) if (iban(match.slice(0, end))) return end;
  return 0;
}

/** The text with every match of `re` that `valid` accepts blanked out (`length` of it: all by default); `found` is called once if there was one. */
function claim(text: string, re: RegExp, valid: (match: string) => boolean, found: () => void, length = (m: string) => m.length): string {
  let out = text;
  let any = false;
  for (const m of text.matchAll(re)) {
    if (!valid(m[0])) continue;
    any = true;
    const n = length(m[0]);
    out = out.slice(0, m.index) + ' '.repeat(n) + out.slice(m.index + n);
  }
  if (any) found();
  return out;
}

/** Where a kind of personal data sits in a text: [start, end) in UTF-16 units. */
export interface PiiSpan {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

const EMAIL_ALL = new RegExp(EMAIL.source.replace('@', '(?:@|%40)'), 'giu');
const SSN_SEPARATED_ALL = new RegExp(SSN_SEPARATED.source, 'g');
const PHONE_BARE_ALL = new RegExp(PHONE_BARE.source, 'g');
const E164_ALL = new RegExp(E164.source, 'g');

/**
 * Every span that the checks of piiKinds find in a text, overlapping ones
 * included (an IBAN's digit groups also look like a phone: the caller keeps
 * the longer). The same patterns and validations as piiKinds, so a text with
 * every span replaced holds none of these kinds (the scrub transform checks
 * its output with piiKinds all the same).
 */
export function piiSpans(v: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  const add = (kind: PiiKind, start: number, end: number) => spans.push({ kind, start, end });
  const can = piiScreen(v);
  if (can === 0) return spans;
  if (can & CAN_EMAIL) {
    // Also percent-encoded (ann%40x.org in a URL), as piiKinds reads it.
    for (const m of v.matchAll(EMAIL_ALL)) add('email', m.index, m.index + m[0].length);
  }
  if (can & CAN_IBAN) {
    for (const m of v.matchAll(IBAN)) {
      const n = ibanPrefix(m[0]);
      if (n > 0) add('iban', m.index, m.index + n);
    }
  }
  if (can & CAN_CARD) for (const m of v.matchAll(CARD)) if (cardNumber(digitsOf(m[0]))) add('credit_card', m.index, m.index + m[0].length);
  if (can & CAN_SSN) {
    for (const m of v.matchAll(SSN_SEPARATED_ALL)) add('ssn', m.index, m.index + m[0].length);
    for (const m of v.matchAll(SSN_BARE)) if (SSN_CONTEXT.test(v.slice(Math.max(0, m.index - 40), m.index))) add('ssn', m.index, m.index + m[0].length);
  }
  if (can & CAN_PHONE) {
    for (const m of v.matchAll(PHONE)) if (phoneAt(v, m[0], m.index)) add('phone', m.index, m.index + m[0].length);
    for (const m of v.matchAll(PHONE_BARE_ALL)) if (!CODE_BEFORE.test(v.slice(Math.max(0, m.index - 12), m.index))) add('phone', m.index, m.index + m[0].length);
    for (const m of v.matchAll(E164_ALL)) add('phone', m.index, m.index + m[0].length);
  }
  if (can & CAN_IP) {
    for (const m of v.matchAll(IPV4)) if (!VERSION_BEFORE.test(v.slice(Math.max(0, m.index - 9), m.index))) add('ip', m.index, m.index + m[0].length);
    if (v.includes(':')) {
      for (const m of v.matchAll(IPV6)) {
        const groups = m[0].split(':').filter((g) => g !== '');
        if (groups.length >= 2 && isIPv6(m[0])) add('ip', m.index, m.index + m[0].length);
      }
    }
  }
  return spans;
}
