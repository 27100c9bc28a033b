// date: 2024-03-12, 1985/03/14, 03/12/1985, 12.03.1985, March 12, 1985,
// 12 March 1985, and a month and year (March 1985). After a word of birth
// (born, DOB, date of birth, birthday) or before one, a date scores 0.9;
// others 0.3, a month and year 0.2 (scrub's `dates: all`: 0.9 too).

import { defineRecognizer, type Found } from './define.js';

const MONTH = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`;
const DATE = new RegExp(
  String.raw`(?<![\d./-])(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|${MONTH}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2}(?:st|nd|rd|th)? (?:of )?${MONTH}\.?,? \d{4}|(${MONTH})\.?,? (?:of )?\d{4})(?![\d/.-]\d)`,
  'giu',
);
const BIRTH_BEFORE = /(?:\b(?:born|birth|dob|birthday|bday)\b|\bd\.o\.b\.?|\bb\.)[^.\n\d]{0,20}$/iu;
const BIRTH_AFTER = /^\s*\(?(?:dob|date of birth|birthday)\b/iu;

export const date = defineRecognizer({
  kind: 'date',
  strict: false,
  screen: (c) => c.digits >= 2,
  spans(text, o) {
    const out: Found[] = [];
    for (const m of text.matchAll(DATE)) {
      const end = m.index + m[0].length;
      const birth = BIRTH_BEFORE.test(text.slice(Math.max(0, m.index - 30), m.index)) || BIRTH_AFTER.test(text.slice(end, end + 20));
      out.push({ start: m.index, end, score: birth || o.allDates ? 0.9 : m[1] !== undefined ? 0.2 : 0.3 });
    }
    return out;
  },
  sql: '[0-9]{2}',
  context: ['born', 'birth', 'dob', 'birthday'],
  score: 0.3,
});
