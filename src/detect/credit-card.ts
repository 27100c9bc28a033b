// credit_card: 13-19 digits (grouped by spaces, dashes, dots or slashes) with
// a card issuer's prefix and length and a valid Luhn digit; not glued to
// letters (1Z6000889743591 is a parcel's tracking number).

import { defineRecognizer, digitsOf, GROUPED_DIGITS_SQL, matches } from './define.js';

const CARD = /(?<![\dA-Za-z])(?:\d[ ./-]?){12,18}\d(?![\dA-Za-z])/g;

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

export const creditCard = defineRecognizer({
  kind: 'credit_card',
  strict: true,
  // 13 digits at least, grouped by spaces, dots, slashes or dashes.
  screen: (c) => c.run >= 13,
  spans: (text) => matches(text, CARD, 1, (m) => cardNumber(digitsOf(m))),
  claims: true,
  sql: GROUPED_DIGITS_SQL,
  score: 1,
});
