// ssn: a US Social Security number, 123-45-6789, its groups joined by one
// separator throughout (- . / or a space; dashes of every kind and '_' read
// as '-'); nine bare digits only after "SSN" or "social security". Never an
// area of 000, 666 or 9xx, a group of 00 or a serial of 0000.

import { defineRecognizer, type Found, GROUPED_DIGITS_SQL } from './define.js';

const SEPARATED = /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ./])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/g;
const ONE = new RegExp(SEPARATED.source);
const BARE = /(?<!\d)(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}(?!\d)/g;
const CONTEXT = /(?:\bssn|social\s+security|soc\.?\s*sec|\bss\s*#|\bss\s+no)\b[^\d]{0,20}$/i;

const withContext = (text: string, at: number): boolean => CONTEXT.test(text.slice(Math.max(0, at - 40), at));

export const ssn = defineRecognizer({
  kind: 'ssn',
  strict: true,
  // Nine digits grouped by separators, or nine bare digits after a word with an 's' in it ("SSN", "social security").
  screen: (c) => c.groupedRun >= 9 || (c.run >= 9 && c.s),
  spans(text) {
    const out: Found[] = [];
    for (const m of text.matchAll(SEPARATED)) out.push({ start: m.index, end: m.index + m[0].length, score: 1 });
    for (const m of text.matchAll(BARE)) if (withContext(text, m.index)) out.push({ start: m.index, end: m.index + m[0].length, score: 1 });
    return out;
  },
  holds(text) {
    if (ONE.test(text)) return true;
    for (const m of text.matchAll(BARE)) if (withContext(text, m.index)) return true;
    return false;
  },
  sql: GROUPED_DIGITS_SQL,
  context: ['ssn', 'social security'],
  score: 1,
});
