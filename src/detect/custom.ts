// Recognizers a policy declares (`recognizers:`), for the identifiers that
// matter most to one organization: a medical record number, an employee ID,
// a policy number, a project's code name.
//
//   recognizers:
//     mrn:
//       pattern: '\bMRN[- ]?\d{7}\b'     # or patterns: [...] for several
//       context: [mrn, chart, record]     # optional: words near a match that raise its score
//       words: [Project Falcon]           # optional: exact terms (a deny list), instead of or beside patterns
//
// A match scores 0.85; with `context:`, a match with none of its words in it
// or within 40 characters before or after it scores 0.4 (below scrub's default
// threshold and the 0.5 the residual check counts from), so that the words
// decide. Words match whole, ignoring case. A pattern must compile as a
// JavaScript regular expression with the u flag, and is refused when it can
// backtrack catastrophically (nested quantifiers: star height above 1, as
// safe-regex2 measures it), since every cell of a free-text column runs it.

import safeRegex from 'safe-regex2';
import { defineRecognizer, type Found, type Recognizer } from './define.js';

export interface CustomSpec {
  readonly patterns: readonly string[];
  readonly context: readonly string[];
  readonly words: readonly string[];
}

/** A kind's name: lower case, digits and '_', as the built-in kinds are named (it becomes `<MRN>`). */
export const KIND_NAME = /^[a-z][a-z0-9_]{0,39}$/;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Why a pattern is refused, or undefined. */
export function patternProblem(pattern: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'gu');
  } catch (e) {
    return `a regular expression that compiles (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  if (re.test('')) return 'a pattern that matches some text (this one matches the empty text)';
  if (!safeRegex(re)) return 'a pattern without nested quantifiers, such as (a+)+ or (\\d+\\s?)*, which can take exponential time on one cell';
  return undefined;
}

/** RE2 features JavaScript has and RE2 lacks: such a pattern screens no cell in SQL (every cell goes to the JavaScript check). */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k<|\(\?<[A-Za-z]|\\p\{|\\u\{/;

export function customRecognizer(kind: string, spec: CustomSpec): Recognizer {
  const res = spec.patterns.map((p) => new RegExp(p, 'gu'));
  const words = spec.words.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${[...spec.words].sort((a, b) => b.length - a.length).map(escape).join('|')})(?![\\p{L}\\p{N}])`, 'giu') : undefined;
  const context = spec.context.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${spec.context.map(escape).join('|')})(?![\\p{L}\\p{N}])`, 'iu') : undefined;
  const near = (text: string, start: number, end: number): boolean => !context || context.test(text.slice(Math.max(0, start - 40), end + 40));
  const sqlParts = [...spec.patterns.map((p) => (NOT_RE2.test(p) ? '' : p)), ...(spec.words.length > 0 ? [`(?i:${spec.words.map(escape).join('|')})`] : [])];
  return defineRecognizer({
    kind,
    strict: true,
    spans(text) {
      const out: Found[] = [];
      for (const re of [...res, ...(words ? [words] : [])]) {
        for (const m of text.matchAll(re)) {
          if (m[0].length === 0) continue;
          const end = m.index + m[0].length;
          out.push({ start: m.index, end, score: near(text, m.index, end) ? 0.85 : 0.4 });
        }
      }
      return out;
    },
    sql: sqlParts.some((p) => p === '') ? '' : sqlParts.join('|'),
    context: spec.context,
    score: 0.85,
  });
}
