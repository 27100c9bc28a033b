// The one list of recognizers. scan, scrub, the residual-PII check on every
// engine and the engines' SQL screens read it, and nothing else: a kind is
// defined once (./<kind>.ts), and a kind a policy declares (`recognizers:`,
// ./custom.ts) is a kind in every one of them. As Presidio's
// RecognizerRegistry and Google DLP's infoTypes are.
//
// Text is normalized once (./normalize.ts) before any recognizer runs, and
// every span is mapped back to the original text, so that a replacement
// covers exactly the characters it came from.

import { address } from './address.js';
import { creditCard } from './credit-card.js';
import { date } from './date.js';
import { countsOf, type Counts, type FindOptions, type Recognizer } from './define.js';
import { email } from './email.js';
import { ibanRecognizer } from './iban.js';
import { ip } from './ip.js';
import { normalize, normalizedText, originalSpan } from './normalize.js';
import { ownSpans, type OwnValue } from './own.js';
import { person } from './person.js';
import { phone } from './phone.js';
import type { Span } from './spans.js';
import { ssn } from './ssn.js';
import { url } from './url.js';

/** The built-in recognizers, in the order the residual check asks them (the claiming ones before the kinds their digits look like). */
export const BUILT_IN: readonly Recognizer[] = [email, ibanRecognizer, creditCard, ssn, phone, ip, url, date, address, person];

/** The kinds the residual-PII check counts: found by a pattern and its check. */
export const PII_KINDS = ['email', 'ssn', 'credit_card', 'iban', 'phone', 'ip'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** What the SQL screens send on besides the recognizers' own: texts that normalizing changes (ASCII ones; other text always goes on). */
export const NORMALIZED_SQL = '%[0-9A-Fa-f]{2}|[\\[({](?:\\.|@|[Dd][Oo][Tt]|[Aa][Tt])[\\])}]|[0-9]_[0-9]';

/** From this length on, a text is screened by patterns before its characters are counted (Registry.screenText). */
const LONG_TEXT = 32;

export class Registry {
  readonly recognizers: readonly Recognizer[];
  /** The strict recognizers (built-in and declared), in the order the residual check asks them. */
  readonly strict: readonly Recognizer[];
  /** The kinds declared by the policy, in its order. */
  readonly custom: readonly string[];

  constructor(custom: readonly Recognizer[] = []) {
    this.recognizers = [...BUILT_IN, ...custom];
    this.strict = this.recognizers.filter((r) => r.strict);
    this.custom = custom.map((r) => r.kind);
    this.byDeclaredFirst = [...custom, ...this.strict.filter((r) => !custom.includes(r))];
    // The built-in kinds' SQL screens are written in what RE2 and JavaScript's patterns share; a declared kind's may not be.
    this.patterns = custom.length === 0 ? [...new Set(this.strict.map((r) => r.sql))].map((p) => new RegExp(p)) : undefined;
  }

  /** The strict kinds' SQL screens as JavaScript patterns, one per distinct text; undefined with declared kinds. */
  private readonly patterns: readonly RegExp[] | undefined;

  /** The strict recognizers, those the policy declares first. */
  private readonly byDeclaredFirst: readonly Recognizer[];

  /** Every kind, built-in and declared. */
  get kinds(): string[] {
    return this.recognizers.map((r) => r.kind);
  }

  /**
   * Every candidate span of every kind in a text, with the row's own values
   * (`own`), at the original positions: overlapping (resolve() in
   * ./spans.ts chooses). `kinds`: only these are looked for.
   */
  spans(original: string, o: FindOptions & { readonly own?: readonly OwnValue[]; readonly kinds?: ReadonlySet<string> } = {}): Span[] {
    const n = normalize(original);
    const text = n.text;
    const counts = countsOf(text);
    const spans: Span[] = [];
    const add = (kind: string, start: number, end: number, score: number, own?: boolean): void => {
      const at = originalSpan(n, start, end);
      spans.push({ kind, start: at.start, end: at.end, score, ...(own && { own }) });
    };
    for (const r of this.recognizers) {
      if (o.kinds && !o.kinds.has(r.kind)) continue;
      if (r.screen && !r.screen(counts)) continue;
      // Appended one by one: a spread of an unbounded array (`push(...x)`) overflows the stack on long texts.
      for (const f of r.spans(text, o)) add(r.kind, f.start, f.end, f.score);
    }
    if (o.own && o.own.length > 0) for (const s of ownSpans(text, o.own)) add(s.kind, s.start, s.end, s.score, true);
    return spans;
  }

  /**
   * Whether a normalized text's counts could hold a strict kind: false for
   * most cells (names, cities, dates, amounts, notes without a long number),
   * which then need no pattern.
   */
  screenCounts(c: Counts): boolean {
    if (this.strict.length > PII_KINDS.length) return true;
    for (const r of this.strict) if (!r.screen || r.screen(c)) return true;
    return false;
  }

  /**
   * The counts of a normalized text (normalizedText) that could hold a strict
   * kind; undefined for most texts. A long text is asked first by the SQL
   * engines' screen (sqlScreen), natively, which costs less than counting its
   * characters one by one; a short one by its counts alone.
   */
  screenText(text: string): Counts | undefined {
    if (text.length >= LONG_TEXT && this.patterns !== undefined && !this.patterns.some((p) => p.test(text))) return undefined;
    const counts = countsOf(text);
    return this.screenCounts(counts) ? counts : undefined;
  }

  /** Whether a text could hold a strict kind (as it reads once normalized). */
  screen(v: string): boolean {
    return this.screenText(normalizedText(v)) !== undefined;
  }

  /**
   * The strict kinds of which one span covers the whole text (trimmed), the
   * declared kinds first: what a column's value is (scan), the text
   * normalized once.
   */
  covering(original: string): string[] {
    const n = normalize(original.trim());
    const text = n.text;
    const counts = countsOf(text);
    const kinds: string[] = [];
    for (const r of this.byDeclaredFirst) {
      if (r.screen && !r.screen(counts)) continue;
      if (r.spans(text, {}).some((f) => f.start === 0 && f.end === text.length && f.score >= 0.5)) kinds.push(r.kind);
    }
    return kinds;
  }

  /** The strict kinds a text holds (each once), as the residual check counts them; `unscreened`: every check runs (for the test that the screens hide nothing). */
  kindsIn(original: string, unscreened = false): string[] {
    const text = normalizedText(original);
    return this.kindsInNormalized(text, countsOf(text), unscreened);
  }

  /** The strict kinds of a text already normalized (normalizedText), with its counts. */
  kindsInNormalized(text: string, counts: Counts, unscreened = false): string[] {
    const kinds: string[] = [];
    let rest = text;
    for (const r of this.strict) {
      if (!unscreened && r.screen && !r.screen(counts)) continue;
      if (r.claims) {
        // The spans a checked kind (IBAN, card) claims are not searched again for phones and SSNs: their digit groups look like those.
        const found = r.spans(rest, {});
        if (found.length === 0) continue;
        kinds.push(r.kind);
        for (const f of found) rest = rest.slice(0, f.start) + ' '.repeat(f.end - f.start) + rest.slice(f.end);
        continue;
      }
      if (r.holds ? r.holds(rest) : r.spans(rest, {}).some((f) => f.score >= 0.5)) kinds.push(r.kind);
    }
    return kinds;
  }

  /**
   * The SQL screen of the strict kinds: an RE2 pattern that every raw text
   * holding one of them matches, or that normalizing would change; undefined
   * when a declared pattern cannot be said in RE2 (then every cell is looked
   * at).
   */
  sqlScreen(): string | undefined {
    const parts = new Set<string>();
    for (const r of this.strict) {
      if (r.sql === '') return undefined;
      parts.add(r.sql);
    }
    return [...parts, NORMALIZED_SQL].join('|');
  }
}

/** The registry of the built-in recognizers alone. */
export const BUILT_IN_REGISTRY = new Registry();

/** The strict kinds a text holds, by the built-in recognizers (`EVERY_CHECK`: none skipped by the screens). */
export const piiKinds = (v: string, every?: typeof EVERY_CHECK): string[] => BUILT_IN_REGISTRY.kindsIn(v, every === EVERY_CHECK);
export const EVERY_CHECK = 'every check';
