// Spans of personal data in a free text, as the recognizers find them and
// the scrub transform replaces them: each with its kind, its place and a
// score from 0 to 1. Overlaps are resolved here, once, for every recognizer.

/** The kinds `scrub` finds. `id`: a row's own protected value that is none of the others (a patient number). */
export const TEXT_KINDS = ['email', 'phone', 'ssn', 'credit_card', 'iban', 'ip', 'url', 'date', 'address', 'person', 'id'] as const;
/** A built-in kind, or one a policy declares (`recognizers:`). */
export type TextKind = string;

export interface Span {
  readonly kind: TextKind;
  /** [start, end) in UTF-16 units. */
  readonly start: number;
  readonly end: number;
  /** How sure the recognizer is: patterns with their checks and the row's own values 1, names and dates by their evidence. */
  readonly score: number;
  /** One of the row's own protected values (or a part of one). */
  readonly own?: boolean;
}

/** When two spans overlap and are as long, the earlier kind in this order wins (a checked number over a phone's shape). */
const PRIORITY: Record<string, number> = { iban: 0, credit_card: 1, email: 2, url: 3, ssn: 4, phone: 5, ip: 6, id: 7, address: 8.5, date: 9, person: 10 };
/** A declared kind: after the checked numbers and the row's own ids, before the kinds found by evidence. */
const DECLARED = 8;
const priority = (kind: string): number => PRIORITY[kind] ?? DECLARED;

/**
 * The spans to replace: at or above `threshold`, the longest first where
 * they overlap (a URL over the IP in it, an address over the name of its
 * street), then the row's own values, then by kind; sorted by start.
 */
export function resolve(spans: readonly Span[], threshold: number): Span[] {
  const candidates = spans.filter((s) => s.score >= threshold && s.end > s.start);
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || Number(b.own ?? false) - Number(a.own ?? false) || priority(a.kind) - priority(b.kind) || a.start - b.start);
  // The places already taken, one flag per UTF-16 unit: a span is looked at over its own length only, so that the
  // whole is linear in the text (each recognizer's matches do not overlap one another), never spans times spans.
  const end = candidates.reduce((m, s) => Math.max(m, s.end), 0);
  const taken = new Uint8Array(end);
  const chosen: Span[] = [];
  for (const s of candidates) {
    let free = true;
    for (let i = s.start; i < s.end && free; i++) free = taken[i] === 0;
    if (!free) continue;
    taken.fill(1, s.start, s.end);
    chosen.push(s);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** The text with each span replaced by what `replace` gives for it. */
export function replaceSpans(text: string, spans: readonly Span[], replace: (span: Span, value: string) => string): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + replace(s, text.slice(s.start, s.end));
    at = s.end;
  }
  return out + text.slice(at);
}
