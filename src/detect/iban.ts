// iban: DE89 3704 0044 0532 0130 00, in any case, contiguous or in groups of
// four, of its country's IBAN length, with a valid mod-97 check. A match may
// run into the next word: the longest prefix of whole groups that is valid
// is the IBAN.

import { defineRecognizer, type Found } from './define.js';

const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{1,4}){3,8})(?![A-Za-z0-9])/g;

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

/** The length of the longest prefix of a grouped match that is a valid IBAN (whole groups only), or 0. */
export function ibanPrefix(match: string): number {
  if (!match.includes(' ')) return iban(match) ? match.length : 0;
  for (let end = match.length; end > 0; end = match.lastIndexOf(' ', end - 1)) if (iban(match.slice(0, end))) return end;
  return 0;
}

export const ibanRecognizer = defineRecognizer({
  kind: 'iban',
  strict: true,
  // At least 15 characters, and two letters (its country) just before two digits (its check).
  screen: (c) => c.lettersDigits && c.length >= 15,
  spans(text) {
    const out: Found[] = [];
    for (const m of text.matchAll(IBAN)) {
      const n = ibanPrefix(m[0]);
      if (n > 0) out.push({ start: m.index, end: m.index + n, score: 1 });
    }
    return out;
  },
  claims: true,
  sql: '[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{6}',
  score: 1,
});
