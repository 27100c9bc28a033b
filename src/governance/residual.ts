// The residual-PII check of `veil apply`: personal data that survived the
// policy. Columns published as they were (keep, or unlisted: keep) are
// searched for emails, US SSNs, card numbers (Luhn), IBANs (mod 97) and
// phone numbers inside their text, and for raw values of the columns the
// policy protects (hash, fake, mask, redact) appearing there verbatim (those
// of the same piece of input are remembered, up to 10,000). Findings are
// counts by column and kind, never the values; `--fail-on-pii` turns any
// into exit 1.

import { BoundedCache } from '../lib/bounded-cache.js';
import { cellText } from '../lib/cell.js';
import type { Policy } from '../policy/load.js';
import { iban, luhn } from './scan.js';

export type ResidualKind = 'email' | 'ssn' | 'credit_card' | 'iban' | 'phone' | 'protected_value';

const EMAIL_IN = /[^\s@,;:<>()"']+@[^\s@.,;:<>()"']+(?:\.[^\s@.,;:<>()"']+)+/u;
const SSN_IN = /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/;
const CARD_IN = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;
const IBAN_IN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const PHONE_IN = /(?<![\d.])\+?\(?\d[\d\s().-]{8,18}\d(?![\d.])/g;
const PROTECTED_TYPES = new Set(['hash', 'fake', 'mask', 'redact']);
/** Protected values remembered (like the transforms' memos: bounded, and few enough that the input chunks they are cut from do not pile up). */
const MEMORY = 10_000;

export class ResidualScan {
  private readonly kept: { index: number; name: string }[];
  private readonly protectedAt: number[];
  private readonly remembered = new Set<string>();
  private readonly previous: unknown[] = [];
  /** What each kept value holds: kept columns (cities, categories) repeat their values. */
  private readonly kinds = new BoundedCache<readonly ResidualKind[]>();
  private readonly found = new Map<string, Partial<Record<ResidualKind, number>>>();

  /** `generalized`: columns a later stage still generalizes (k-anonymity's quasi-identifiers), not published as they were. */
  constructor(policy: Policy, header: readonly string[], generalized: ReadonlySet<string> = new Set()) {
    const named = new Map(policy.columns.map((c) => [c.name, c.transform]));
    this.kept = header
      .map((name, index) => ({ name, index }))
      .filter(({ name }) => !generalized.has(name) && (named.has(name) ? named.get(name) === 'keep' : policy.unlisted === 'keep'));
    this.protectedAt = header.map((name, i) => (PROTECTED_TYPES.has(named.get(name) ?? '') ? i : -1)).filter((i) => i >= 0);
  }

  /** Looks at one published row (its input values). */
  observe(row: readonly unknown[]): void {
    if (this.kept.length === 0) return;
    for (let p = 0; p < this.protectedAt.length; p++) {
      const raw = row[this.protectedAt[p]!];
      // An entity's rows often come together: its value is remembered once.
      if (raw === this.previous[p]) continue;
      this.previous[p] = raw;
      const v = cellText(raw).trim();
      if (v.length >= 5) {
        if (this.remembered.size >= MEMORY) this.forget();
        this.remembered.add(v);
      }
    }
    for (const { index, name } of this.kept) {
      const v = cellText(row[index]);
      if (v.length < 5) continue;
      for (const kind of this.kinds.get(v, kindsIn)) this.count(name, kind);
      if (this.remembered.has(v.trim())) this.count(name, 'protected_value');
    }
  }

  /**
   * Forgets the protected values seen so far: the writing pass starts each
   * piece of input afresh, so the findings do not depend on which thread
   * read which piece.
   */
  forget(): void {
    this.remembered.clear();
    this.previous.fill(undefined);
  }

  /** The findings since the last call (which resets them), to be added to another scan's. */
  takeFindings(): [string, Partial<Record<ResidualKind, number>>][] {
    const out = [...this.found];
    this.found.clear();
    return out;
  }

  addFindings(findings: readonly [string, Partial<Record<ResidualKind, number>>][]): void {
    for (const [column, kinds] of findings) for (const [kind, n] of Object.entries(kinds)) this.count(column, kind as ResidualKind, n);
  }

  private count(column: string, kind: ResidualKind, n = 1): void {
    const c = this.found.get(column) ?? {};
    c[kind] = (c[kind] ?? 0) + n;
    this.found.set(column, c);
  }

  get total(): number {
    return [...this.found.values()].reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + (b ?? 0), 0), 0);
  }

  section(failOnPii: boolean): Record<string, unknown> {
    return {
      checked_columns: this.kept.map((k) => k.name),
      findings: Object.fromEntries(this.found),
      total: this.total,
      fail_on_pii: failOnPii,
      note: 'searched: emails, US SSNs, card numbers (Luhn), IBANs (mod 97) and phone numbers in columns published as they were, and raw values of hash, fake, mask and redact columns appearing there',
    };
  }
}

const NONE: readonly ResidualKind[] = [];

function kindsIn(v: string): readonly ResidualKind[] {
  // Cheap character counts first: most cells (names, cities, amounts) cannot hold any of these.
  let digits = 0;
  let at = false;
  let upper = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 64) at = true;
    else if (c >= 65 && c <= 90) upper++;
  }
  const kinds: ResidualKind[] = [];
  if (at && EMAIL_IN.test(v)) kinds.push('email');
  if (digits >= 9 && SSN_IN.test(v)) kinds.push('ssn');
  if (digits >= 13 && [...v.matchAll(CARD_IN)].some((m) => luhn(m[0].replace(/\D/g, '')) && m[0].replace(/\D/g, '').length >= 13)) kinds.push('credit_card');
  if (
    digits >= 10 &&
    [...v.matchAll(PHONE_IN)].some((m) => {
      const d = m[0].replace(/\D/g, '');
      return d.length >= 10 && d.length <= 15 && /[\s().+-]/.test(m[0]) && !/^\d{4}-\d{2}-\d{2}/.test(m[0]);
    })
  ) {
    kinds.push('phone');
  }
  if (upper >= 2 && digits >= 2 && /[A-Z]{2}\d{2}/.test(v) && [...v.matchAll(IBAN_IN)].some((m) => iban(m[0]))) kinds.push('iban');
  return kinds.length === 0 ? NONE : kinds;
}
