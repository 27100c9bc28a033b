// A recognizer: how one kind of personal data is found in a text. Every
// consumer (scan, scrub, the residual-PII check on every engine) reads the
// same list (./index.ts), so a kind is defined once: its patterns, the check
// that keeps look-alikes out, its context words and score, and the SQL
// screen that an engine pre-filters cells with before any JavaScript runs.
// Recognizers run on normalized text (./normalize.ts); the registry maps
// their spans back to the original.

/** Counts of a text's characters, for the cheap screens that spare most cells every pattern. */
export interface Counts {
  readonly length: number;
  readonly digits: number;
  readonly letters: number;
  readonly at: boolean;
  readonly colons: number;
  /**
   * The most digits in one stretch of digits and the characters that group a
   * phone's, an SSN's or a card's (spaces, parentheses, '.', '/', '-'): a
   * number of nine digits in a text of dates and doses is not one of them.
   */
  readonly run: number;
  /** The most digits in one such stretch with a grouping character between two of its digits (123-45-6789, not HX-000000001). */
  readonly groupedRun: number;
  /** An 's' in any case (every word that gives nine bare digits the context of an SSN has one). */
  readonly s: boolean;
  /** Two letters followed by two digits somewhere (an IBAN's start). */
  readonly lettersDigits: boolean;
  /** Dots between two digits (an IPv4 address has three). */
  readonly digitDots: number;
}

/** What a recognizer may need besides the text (the name and street lists are loaded only when asked). */
export interface FindOptions {
  readonly dictionaries?: import('./dictionaries.js').Dictionaries;
  /** scrub's `dates: all`: every date scores as a date of birth does. */
  readonly allDates?: boolean;
}

export interface Found {
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

export interface Recognizer {
  readonly kind: string;
  /**
   * Found by a pattern and its check, or declared by the user: counted by
   * the residual-PII check and by scan, and searched again in scrub's output.
   * The others (url, date, address, person) are found by evidence, for scrub.
   */
  readonly strict: boolean;
  /** A test of the counts that every text holding this kind passes; absent: always looked at. */
  readonly screen?: (c: Counts) => boolean;
  /** The spans of this kind (they may overlap: the registry resolves them). */
  spans(text: string, o: FindOptions): Found[];
  /** Whether a text holds this kind (the residual check's question): by default, whether it has a span of score 0.5 or more. */
  holds?(text: string): boolean;
  /** Its spans are taken out before the kinds after it are looked for (an IBAN's digit groups look like a phone). */
  readonly claims?: boolean;
  /** How many characters of a claimed match are the kind's (an IBAN's match may run into the next word). */
  readonly claimLength?: (match: string) => number;
  /**
   * RE2 text (DuckDB's regexp_matches, Spark's rlike) that every raw text
   * holding this kind matches, unless normalizing changes it (the registry's
   * screen sends those on too); '' when no such text can be said (every cell
   * is looked at).
   */
  readonly sql: string;
  /** Words near a match that raise its score, and the score without them. */
  readonly context?: readonly string[];
  readonly score: number;
}

export function defineRecognizer(r: Recognizer): Recognizer {
  return r;
}

/** The counts of a text, in one pass. */
export function countsOf(v: string): Counts {
  let digits = 0;
  let letters = 0;
  let at = false;
  let colons = 0;
  // The digits of the current stretch, the most of any, the letters just before the current digits, and the digits after them.
  let stretch = 0;
  let run = 0;
  let letterRun = 0;
  let lettersBefore = 0;
  let digitRun = 0;
  let lettersDigits = false;
  let digitDots = 0;
  // Whether the current stretch has a grouping character between two digits, and one after its last digit so far.
  let grouped = false;
  let groupAfterDigit = false;
  let groupedRun = 0;
  let esses = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (i >= 2 && v.charCodeAt(i - 1) === 46 && isDigit(v.charCodeAt(i - 2))) digitDots++;
      if (++stretch > run) run = stretch;
      if (groupAfterDigit) grouped = true;
      groupAfterDigit = false;
      if (grouped && stretch > groupedRun) groupedRun = stretch;
      if (digitRun === 0) lettersBefore = letterRun;
      if (++digitRun === 2 && lettersBefore >= 2) lettersDigits = true;
      letterRun = 0;
      continue;
    }
    digitRun = 0;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      letters++;
      letterRun++;
      if (c === 115 || c === 83) esses = true;
      stretch = 0;
      grouped = groupAfterDigit = false;
      continue;
    }
    letterRun = 0;
    if (c === 58) colons++;
    else if (c === 64) at = true;
    // What may group a number's digits: whitespace as a JavaScript pattern's \s reads it, parentheses, '.', '/', '-'.
    if (!(c === 32 || c === 40 || c === 41 || c === 45 || c === 46 || c === 47 || (c >= 9 && c <= 13) || (c > 127 && SPACE.test(v[i]!)))) {
      stretch = 0;
      grouped = groupAfterDigit = false;
    } else if (stretch > 0) groupAfterDigit = true;
  }
  return { length: v.length, digits, letters, at, colons, run, groupedRun, s: esses, lettersDigits, digitDots };
}

const SPACE = /\s/;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The SQL screen of the kinds that need nine digits or more in one stretch
 * of digits and grouping characters (SSN, phone, card): the RE2 text of
 * Counts.run >= 9, shared so that their screens are one pattern.
 */
export const GROUPED_DIGITS_SQL = '[0-9](?:[\\t\\n\\v\\f\\r ()./-]*[0-9]){8}';

/** Digits of a text. */
export const digitsOf = (s: string): string => s.replace(/\D/g, '');

/** Every match of a global pattern as a span of one score. */
export function matches(text: string, re: RegExp, score: number, valid: (m: string, at: number) => boolean = () => true): Found[] {
  const out: Found[] = [];
  for (const m of text.matchAll(re)) if (valid(m[0], m.index)) out.push({ start: m.index, end: m.index + m[0].length, score });
  return out;
}
