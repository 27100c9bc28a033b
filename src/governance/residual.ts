// The residual-PII check of `veil apply`: personal data that survived the
// policy. Columns published as they were (keep, or unlisted: keep) are
// searched for emails, US SSNs, card numbers, IBANs, phone numbers and IP
// addresses inside their text (detect.ts), and for the protected values of
// the input (columns that hash, fake, mask, redact or drop):
//   - the row's own, anywhere inside the text, case aside: its email in its
//     notes, its name in its comments, and each part of a name of two to four
//     capitalized words ("Oyelaran" of "Margarethe Oyelaran"), as a word;
//   - any row's of the same piece of input (up to 10,000 values; not those of
//     dropped columns), as a whole cell, so that the findings do not depend on
//     the number of threads.
// Findings are counts by column and kind, never the values; `--fail-on-pii`
// turns any into exit 1, and without it a run with findings warns on stderr.

import { BoundedCache } from '../lib/bounded-cache.js';
import { cellText } from '../lib/cell.js';
import { BUILT_IN_REGISTRY, PII_KINDS, type Registry } from '../detect/index.js';
import { normalizedText } from '../detect/normalize.js';
import { ownNeedles, squeezed } from '../detect/own.js';

/** A strict kind of the registry (built-in or declared by the policy), or a protected value of the input. */
export type ResidualKind = string;

/** Columns whose raw values must not reappear in a published column. */
const PROTECTED_TYPES = new Set(['hash', 'fake', 'mask', 'redact', 'drop']);
/** Of those, the ones whose name-like values are also searched word by word (a dropped free text would match everyday words). */
const BY_WORD = new Set(['hash', 'fake', 'mask', 'redact']);
/** Protected values remembered (like the transforms' memos: bounded, and few enough that the input chunks they are cut from do not pile up). */
const MEMORY = 10_000;
/** The longest protected value searched for: identifiers are short, and a dropped free text is not one. */
export const RESIDUAL_MAX_LENGTH = 100;
const MAX_LENGTH = RESIDUAL_MAX_LENGTH;
/** A name: two to four capitalized words. */
const NAME_LIKE = /^\p{Lu}[\p{L}'’.-]*(?: \p{Lu}[\p{L}'’.-]*){1,3}$/u;
/** Slots of the filter of remembered values' shapes: a few times more than the values remembered, so that it stays sparse. */
const SHAPES = 1 << 16;
/** A value's shape: its length and its first two and last characters, mixed into a slot of the filter. */
const shapeOf = (t: string): number =>
  Math.imul(t.length ^ (t.charCodeAt(0) << 8) ^ (t.charCodeAt(1) << 16) ^ (t.charCodeAt(t.length - 1) << 24), 0x9e3779b1) >>> 16;
/** Characters of ASCII that are not letters, which lower-casing leaves as they are, and no other character becomes. */
const ANCHOR = /[\x00-\x40\x5b-\x60\x7b-\x7f]+/g;
const isLetter = (c: string | undefined): boolean => c !== undefined && /\p{L}/u.test(c);
const NONE: readonly string[] = [];
const NO_KINDS: readonly string[] = [];
/** Lookups after which a kept column whose values repeat less than one time in four stops using the memo of values. */
const MEMO_TRIAL = 4096;

export class ResidualScan {
  private readonly kept: { index: number; name: string; transform: string }[];
  /** The input positions of the scrubbed columns, whose published text (not their input) is searched. */
  readonly scrubbed: readonly number[];
  private readonly protectedAt: { index: number; byWord: boolean }[];
  private readonly remembered = new Set<string>();
  /** The shapes (shapeOf) of the remembered values: most kept cells have none of them and need no lookup in the set. */
  private readonly shapes = new Uint8Array(SHAPES);
  private readonly previous: unknown[] = [];
  /** What each kept value holds: kept columns (cities, categories) repeat their values. */
  private readonly kinds = new BoundedCache<readonly string[]>();
  /** Per kept column: its last value's kinds, and how often the memo of values was hit in its trial. */
  private readonly memos: { last: string | undefined; kinds: readonly string[]; lookups: number; hits: number }[];
  /** The order of kinds in the findings: the registry's strict kinds, then protected values. */
  private readonly kindOrder: readonly string[];
  private readonly found = new Map<string, Partial<Record<ResidualKind, number>>>();
  /** The current row's protected values (raw), looked at only when a kept text is long enough to hold one. */
  private readonly own: unknown[] = [];
  /** Per protected column, its last value as searched: lower-cased, and the words of a name (an entity's rows come together). */
  private readonly lastValue: unknown[] = [];
  private readonly lastText: string[] = [];
  private readonly lastWords: (readonly string[])[] = [];
  /** Per protected column, the longest run of its last value's characters that are ASCII and not letters ('' if none). */
  private readonly lastAnchor: string[] = [];
  /** Per protected column, its last value's other spellings (john_smith, johnsmith, smith, john), squeezed of separators. */
  private readonly lastSqueezed: (readonly string[])[] = [];
  /** The current kept cell, normalized (normalized()). */
  private text: string | undefined;

  /**
   * `columns`: every input column with the transform that handles it (the
   * preset's included); `generalized`: columns a later stage still
   * generalizes (k-anonymity's quasi-identifiers), not published as they were.
   */
  constructor(
    columns: readonly { readonly name: string; readonly transform: string }[],
    generalized: ReadonlySet<string> = new Set(),
    readonly registry: Registry = BUILT_IN_REGISTRY,
  ) {
    this.kindOrder = [...PII_KINDS, ...registry.custom, 'protected_value'];
    // Kept columns, and scrubbed ones: the caller hands over a scrubbed column's output (scrubbedColumns), which must hold nothing scrub removes.
    this.kept = columns.map((c, index) => ({ name: c.name, index, transform: c.transform })).filter((c) => (c.transform === 'keep' || c.transform === 'scrub') && !generalized.has(c.name));
    this.scrubbed = this.kept.filter((c) => c.transform === 'scrub').map((c) => c.index);
    this.memos = this.kept.map(() => ({ last: undefined, kinds: NO_KINDS, lookups: 0, hits: 0 }));
    this.protectedAt = columns
      .map((c, index) => ({ index, byWord: BY_WORD.has(c.transform), transform: c.transform }))
      .filter((c) => PROTECTED_TYPES.has(c.transform));
  }

  /** Looks at one published row (its input values). */
  observe(row: readonly unknown[]): void {
    if (this.kept.length === 0) return;
    for (let p = 0; p < this.protectedAt.length; p++) {
      const { index, byWord } = this.protectedAt[p]!;
      const raw = row[index];
      this.own[p] = raw;
      // An entity's rows often come together: its value is remembered once (a dropped column's only for this row).
      if (raw === this.previous[p] || !byWord) continue;
      this.previous[p] = raw;
      const v = cellText(raw).trim();
      // Identifiers are short: a long text is not searched for.
      if (v.length < 5 || v.length > MAX_LENGTH) continue;
      if (this.remembered.size >= MEMORY) this.forget();
      this.remembered.add(v);
      this.shapes[shapeOf(v)] = 1;
    }
    for (let i = 0; i < this.kept.length; i++) {
      const { index, name } = this.kept[i]!;
      const v = cellText(row[index]);
      if (v.length < 4) continue;
      this.text = undefined;
      for (const kind of this.kindsOf(i, v)) this.count(name, kind);
      if (this.isRemembered(v) || this.holdsOwn(v)) this.count(name, 'protected_value');
    }
  }

  /**
   * Looks at one published row when the memory of protected values is kept
   * elsewhere (an engine that tests every kept cell against all of the
   * input's protected values): `remembered[i]` says whether the i-th kept
   * column's cell is one of them.
   */
  observeWith(row: readonly unknown[], remembered: readonly boolean[]): void {
    for (let p = 0; p < this.protectedAt.length; p++) this.own[p] = row[this.protectedAt[p]!.index];
    for (let i = 0; i < this.kept.length; i++) {
      const { index, name } = this.kept[i]!;
      const v = cellText(row[index]);
      if (v.length < 4) continue;
      this.text = undefined;
      for (const kind of this.kindsOf(i, v)) this.count(name, kind);
      if (remembered[i] || this.holdsOwn(v)) this.count(name, 'protected_value');
    }
  }

  /** The columns whose cells are searched (published as they were), in the order observeWith's `remembered` follows. */
  get keptColumns(): readonly string[] {
    return this.kept.map((k) => k.name);
  }

  /** The columns whose values are protected; `byWord`: hash, fake, mask and redact, whose values the memory of whole cells holds. */
  get protectedColumns(): readonly { readonly index: number; readonly byWord: boolean }[] {
    return this.protectedAt;
  }

  /**
   * The kinds of personal data the i-th kept column's value holds. Most
   * values need no pattern at all (Registry.screenText). The rest are remembered: the
   * column's last value (an entity's rows come together), and a memo of
   * values for columns whose values repeat (cities, codes); a column of
   * unique values (phones, identifiers) stops using the memo after its
   * first few thousand lookups hit too rarely to pay for it.
   */
  private kindsOf(i: number, v: string): readonly string[] {
    const memo = this.memos[i]!;
    if (v === memo.last) return memo.kinds;
    memo.last = v;
    const text = this.normalized(v);
    const counts = this.registry.screenText(text);
    if (counts === undefined) return (memo.kinds = NO_KINDS);
    const piiKinds = (value: string) => (value === v ? this.registry.kindsInNormalized(text, counts) : this.registry.kindsIn(value));
    if (memo.lookups < MEMO_TRIAL || memo.hits * 4 >= memo.lookups) {
      if (memo.lookups < MEMO_TRIAL) memo.lookups++;
      let hit = true;
      memo.kinds = this.kinds.get(v, (value) => ((hit = false), piiKinds(value)));
      if (hit && memo.lookups < MEMO_TRIAL) memo.hits++;
      return memo.kinds;
    }
    return (memo.kinds = piiKinds(v));
  }

  /** The current cell as the recognizers read it: normalized once, for its kinds and for the row's own values. */
  private normalized(v: string): string {
    return (this.text ??= normalizedText(v));
  }

  /** Is the cell, trimmed, one of the protected values remembered? */
  private isRemembered(v: string): boolean {
    const first = v.charCodeAt(0);
    const last = v.charCodeAt(v.length - 1);
    // Only a cell that starts or ends with a space (or a character beyond ASCII, which may be one) needs trimming.
    const t = first > 32 && first < 128 && last > 32 && last < 128 ? v : v.trim();
    return t.length >= 5 && t.length <= MAX_LENGTH && this.shapes[shapeOf(t)] === 1 && this.remembered.has(t);
  }

  /** Does the text hold one of the row's own protected values, or a word of its names? */
  private holdsOwn(v: string): boolean {
    let text: string | undefined;
    for (let p = 0; p < this.protectedAt.length; p++) {
      const raw = this.own[p];
      if (raw === undefined || raw === null || raw === '') continue;
      const value = typeof raw === 'string' ? raw : cellText(raw);
      // A value longer than the text, with no space (to trim, or to make it a name), cannot be in it.
      if (value.length > MAX_LENGTH || (value.length > v.length && !value.includes(' '))) continue;
      if (this.lastValue[p] !== raw) {
        const trimmed = normalizedText(value.trim());
        this.lastValue[p] = raw;
        this.lastText[p] = trimmed.toLowerCase();
        this.lastAnchor[p] = (this.lastText[p]!.match(ANCHOR) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
        const nameLike = this.protectedAt[p]!.byWord && trimmed.includes(' ') && NAME_LIKE.test(trimmed);
        this.lastWords[p] = nameLike ? this.lastText[p]!.split(/[ -]/).filter((w) => w.length >= 4) : NONE;
        // A name written with its parts joined (john_smith, johnsmith, J O H N S M I T H): compared without separators, 8 letters at least.
        this.lastSqueezed[p] = nameLike ? ownNeedles(trimmed).squeezed.filter((w) => w.length >= 8) : NONE;
      }
      const needle = this.lastText[p]!;
      const words = this.lastWords[p]!;
      if (words.length === 0) {
        if (needle.length < 5 || needle.length > v.length) continue;
        // Lower-casing neither makes nor unmakes a character of ASCII that is not a letter: a text without the value's longest run of them cannot hold it.
        const anchor = this.lastAnchor[p]!;
        if (anchor !== '' && !this.normalized(v).includes(anchor)) continue;
      }
      text ??= this.normalized(v).toLowerCase();
      if (needle.length >= 5 && text.includes(needle)) return true;
      const joined = this.lastSqueezed[p]!;
      if (joined.length > 0) {
        const flat = squeezed(text);
        if (joined.some((j) => flat.includes(j))) return true;
      }
      for (const w of words) {
        for (let at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + 1)) {
          if (!isLetter(text[at - 1]) && !isLetter(text[at + w.length])) return true;
        }
      }
    }
    return false;
  }

  /**
   * Forgets the protected values seen so far: the writing pass starts each
   * piece of input afresh, so the findings do not depend on which thread
   * read which piece.
   */
  forget(): void {
    this.remembered.clear();
    this.shapes.fill(0);
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
    return [...this.found.values()].reduce((sum, c) => sum + Object.values(c).reduce((a: number, b) => a + (b ?? 0), 0), 0);
  }

  /** The findings, by column and kind: counts only. */
  get findings(): Record<string, Partial<Record<ResidualKind, number>>> {
    // In the kept columns' order and one order of kinds, whichever thread or engine found them first.
    const out: Record<string, Partial<Record<ResidualKind, number>>> = {};
    for (const { name } of this.kept) {
      const kinds = this.found.get(name);
      if (!kinds) continue;
      out[name] = {};
      for (const kind of this.kindOrder) if (kinds[kind] !== undefined) out[name][kind] = kinds[kind];
    }
    return out;
  }

  section(failOnPii: boolean): Record<string, unknown> {
    return {
      checked_columns: this.kept.map((k) => k.name),
      findings: this.findings,
      total: this.total,
      fail_on_pii: failOnPii,
      note: (this.registry.custom.length > 0 ? `searched: the kinds the policy declares (${this.registry.custom.join(', ')}); ` : 'searched: ') + 'emails (also percent-encoded and defanged), US SSNs, card numbers (issuer prefix and Luhn), IBANs (country length and mod 97), phone numbers, IPv4 and IPv6 addresses in columns published as they were; the row\'s own values of hash, fake, mask, redact and drop columns inside them (and the words of its names); and any such value of the same piece of input as a whole cell' + (this.scrubbed.length > 0 ? '; in scrubbed columns, the text scrub published' : ''),
    };
  }
}
