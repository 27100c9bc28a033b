// phone: +44 20 7946 0958, (617) 555-0134, 617.555.0134, 6175550134 (a NANP
// number), +447911123456; national numbers without separators after a word
// like "call" (scrub). Not ISBNs, dates, build numbers (2024.03.12.1234),
// card numbers, or a reference after "order", "invoice" or '#'.

import { cardNumber } from './credit-card.js';
import { defineRecognizer, digitsOf, type Found, GROUPED_DIGITS_SQL } from './define.js';

const PHONE = /(?<![\d.\w])\+?\(?\d[\d\s()./-]{8,18}\d(?![\d.]?\d)/g;
const PHONE_BARE = /(?<![\d.,\w-])(?:\+?1)?[2-9]\d{2}[2-9]\d{6}(?![\d\w]|[.,]\d)/g;
const E164 = /(?<![\d\w])\+[1-9]\d{9,14}(?!\d)/g;
const NATIONAL = /(?<![\d\w+])0\d{9,10}(?!\d)/g;
const WORD_BEFORE = /\b(?:call|called|phone|tel|telephone|mobile|cell|ring|number|no|whatsapp|sms|text|reach (?:me|him|her|them) (?:at|on)|contact)\b[.:#\s]*(?:is|on|at)?[\s:]*$/i;

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
const codeBefore = (text: string, at: number): boolean => CODE_BEFORE.test(text.slice(Math.max(0, at - 12), at));

function phoneAt(text: string, match: string, at: number): boolean {
  const digits = digitsOf(match);
  if (digits.length < 10 || digits.length > 15 || !/[\s()./+-]/.test(match)) return false;
  if (codeBefore(text, at)) return false;
  // Without a country code or an area code in parentheses, a phone is grouped as in North America
  // (617-555-0134, 1-617-555-0134) or starts with a national trunk 0 (020 7946 0958).
  const trimmed = match.trim();
  if (!trimmed.startsWith('+') && !trimmed.includes('(') && !/^(?:1[ .-])?\d{3}[ ./-]\d{3}[ ./-]\d{4}$/.test(trimmed) && !trimmed.startsWith('0')) return false;
  // Dates, ISBNs and card numbers have separators too.
  if (/^\d{4}[-/.]\d{2}[-/.]\d{2}/.test(match) || /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}/.test(match)) return false;
  if (/isbn[\s:-]*(?:1[03][\s:-]*)?$/i.test(text.slice(Math.max(0, at - 12), at)) || isbn(match, digits)) return false;
  if (cardNumber(digits)) return false;
  // Dots are NANP separators (617.555.0134), not version or build numbers (2024.03.12.1234).
  if (match.includes('.') && !/^(?:\+?\d{1,3}[ .])?\(?\d{3}\)?\.\d{3}\.\d{4}$/.test(match.trim())) return false;
  return true;
}

/** `first`: the first span alone (whether the text holds one). */
function phoneSpans(text: string, scrub: boolean, first = false): Found[] {
  const out: Found[] = [];
  const add = (m: RegExpMatchArray) => out.push({ start: m.index!, end: m.index! + m[0].length, score: 1 });
  for (const m of text.matchAll(PHONE)) {
    if (!phoneAt(text, m[0], m.index)) continue;
    add(m);
    if (first) return out;
  }
  for (const m of text.matchAll(PHONE_BARE)) if (!codeBefore(text, m.index)) add(m);
  for (const m of text.matchAll(E164)) add(m);
  if (scrub) for (const m of text.matchAll(NATIONAL)) if (WORD_BEFORE.test(text.slice(Math.max(0, m.index - 25), m.index))) add(m);
  return out;
}

export const phone = defineRecognizer({
  kind: 'phone',
  strict: true,
  // Ten digits in one stretch of digits, spaces, parentheses, dots, slashes and dashes, as every pattern below needs.
  screen: (c) => c.run >= 10,
  spans: (text) => phoneSpans(text, true),
  // The residual check counts the phones of their shape; a bare national number is one only after a word like "call".
  holds: (text) => phoneSpans(text, false, true).length > 0,
  sql: GROUPED_DIGITS_SQL,
  context: ['call', 'phone', 'tel', 'mobile', 'cell'],
  score: 1,
});
