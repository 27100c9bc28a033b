// scrub: finds personal data inside a free text (notes, tickets, transcripts)
// and replaces each span by what the policy chooses for its kind, as
// Microsoft Presidio's recognizers and anonymizer do, within the streaming
// policy: email, phone, SSN, payment card, IBAN and IP by the residual-PII
// check's patterns and checks; URLs; dates of birth by their context words;
// US and UK street addresses; person names by capitalization, titles,
// context words and faker's name lists; and the row's own protected values
// (`own:` columns), even in part. Operators, per kind:
//   tag    <EMAIL>, <PERSON>, ... (the default)
//   hash   the keyed pseudonym of the hash transform (HMAC-SHA256 under the
//          subkey of `domain`, after `normalize`): the same email in the note
//          and in an email column hashed with the same domain and
//          normalization gives the same pseudonym
//   mask   every letter and digit becomes '*'
//   fake   a consistent fake (keyed: the same value, the same fake) for
//          person, address and date; a realistic fake email, phone or card
//          would be taken for real data by every check after veil's, its own too
//          (test/scrub.test.ts measures precision and recall per kind)
// The output is searched again with the residual check's patterns: a kind
// that should have been replaced and is still there makes the cell a tag of
// its whole (never published).
// Example: `notes: { transform: scrub, own: [full_name, email], kinds: { email: { with: hash, domain: email, normalize: email } } }`.

import { BUILT_IN_REGISTRY, PII_KINDS, type Registry } from '../detect/index.js';
import { hmacSha256 } from '../lib/hmac-sha256.js';
import { uniformInt } from '../lib/key.js';
import { NORMALIZERS, type Normalizer } from '../lib/normalize.js';
import type { OptionReader } from '../options/reader.js';
import { dictionaries, type Dictionaries } from '../detect/dictionaries.js';
import { ownValue, type OwnValue } from '../detect/own.js';
import { replaceSpans, resolve, TEXT_KINDS, type Span, type TextKind } from '../detect/spans.js';
import { cellText } from '../lib/cell.js';
import { defineTransform } from './define.js';

export const OPERATORS = ['tag', 'hash', 'mask', 'fake', 'keep'] as const;
/** The options of one kind's operator (`kinds: { email: { with: hash, domain: email } }`). */
export const OPERATOR_OPTIONS = ['with', 'domain', 'normalize', 'length'] as const;
type OperatorName = (typeof OPERATORS)[number];
const FAKEABLE: ReadonlySet<TextKind> = new Set(['person', 'address', 'date']);
/** What the hash operator normalizes by default: the hash transform's normalizations for such a column. */
const NORMALIZE: Partial<Record<TextKind, Normalizer>> = { email: 'email', phone: 'digits', ssn: 'digits', credit_card: 'digits', person: 'lowercase' };

interface Operator {
  readonly with: OperatorName;
  readonly domain: string | undefined;
  readonly normalize: Normalizer;
  readonly length: number;
}

interface ScrubOptions {
  readonly operators: ReadonlyMap<TextKind, Operator>;
  /** The recognizers: the built-in ones and those the policy declares (`recognizers:`). */
  readonly registry: Registry;
  readonly own: readonly string[];
  readonly threshold: number;
  readonly allDates: boolean;
}

export const scrub = defineTransform<ScrubOptions>({
  name: 'scrub',
  summary: 'find personal data inside free text and replace each span (tag, keyed hash, mask or consistent fake)',
  example: 'notes: { transform: scrub, own: [full_name, email], with: tag }',
  options: ['with', 'kinds', 'own', 'threshold', 'dates', 'domain', 'length', 'normalize'],
  // Its counts of spans and the residual check of its output are the streaming engine's, row by row.
  streamOnly: 'its spans are counted row by row by the streaming engine',
  keyed: (o) => [...o.operators.values()].some((op) => op.with === 'hash' || op.with === 'fake'),
  references: (o) => o.own,
  parse(r) {
    const base = operator(r, undefined, undefined);
    if (!base) return undefined;
    const registry = r.ctx.registry ?? BUILT_IN_REGISTRY;
    const every = [...TEXT_KINDS, ...registry.custom];
    // `with: fake` for the column fakes what can be faked and tags the rest.
    const operators = new Map<TextKind, Operator>(
      every.map((k) => [k, { ...base, with: base.with === 'fake' && !FAKEABLE.has(k) ? 'tag' : base.with, normalize: r.has('normalize') ? base.normalize : (NORMALIZE[k] ?? base.normalize) }]),
    );
    const kinds = r.child('kinds');
    if (kinds) {
      kinds.rejectUnknown(every);
      for (const kind of kinds.keys()) {
        if (!every.includes(kind)) continue;
        const node = kinds.node(kind);
        const inner = node && typeof (node as { items?: unknown }).items !== 'undefined' ? kinds.child(kind) : undefined;
        const op = inner ? operator(inner, base, kind as TextKind) : operatorName(kinds, kind, base, kind as TextKind);
        if (op) operators.set(kind as TextKind, op);
      }
    }
    for (const [kind, op] of operators) {
      if (op.with === 'fake' && !FAKEABLE.has(kind)) {
        kinds!.report('POLICY_VALUE', kind, { expected: `tag, hash, mask or keep for ${kind} (fake is for person, address and date: a fake ${kind} would be taken for a real one)`, found: 'fake' });
        return undefined;
      }
    }
    return {
      operators,
      registry,
      own: r.stringList('own') ?? [],
      threshold: r.number('threshold', { min: 0, max: 1 }) ?? 0.5,
      allDates: (r.string('dates', { oneOf: ['birth', 'all'] }) ?? 'birth') === 'all',
    };
  },
  describe: (o) => ({
    kinds: Object.fromEntries([...o.operators].map(([k, op]) => [k, op.with === 'hash' ? { with: 'hash', algorithm: 'HMAC-SHA256', length: op.length, normalize: op.normalize, ...(op.domain !== undefined && { domain: op.domain }) } : op.with])),
    own: o.own,
    threshold: o.threshold,
    dates: o.allDates ? 'all' : 'birth',
  }),
  async create(o, ctx) {
    const wanted = new Set([...o.operators].filter(([, op]) => op.with !== 'keep').map(([k]) => k));
    const needsWords = ['person', 'address'].some((k) => o.operators.get(k as TextKind)!.with !== 'keep') || [...o.operators.values()].some((op) => op.with === 'fake');
    const words = needsWords ? await dictionaries() : undefined;
    const found = { dictionaries: words, allDates: o.allDates };
    const ownAt = o.own.map((c) => ctx.columnIndex(c));
    const replacers = new Map<TextKind, Replacer>();
    for (const [kind, op] of o.operators) replacers.set(kind, replacer(kind, op, ctx.column, ctx.key, words));
    const counts = ctx.counts?.();
    const count = (what: 'found' | 'replaced', kind: string) => {
      if (counts) counts[what][kind] = (counts[what][kind] ?? 0) + 1;
    };
    // The residual check's kinds among those replaced: the output must hold none of them.
    const checked = new Set([...PII_KINDS, ...o.registry.custom].filter((k) => wanted.has(k)));
    return (value, row) => {
      const own: OwnValue[] = [];
      for (const at of ownAt) {
        const raw = row[at];
        if (raw === undefined || raw === null || raw === '') continue;
        const v = ownValue(cellText(raw));
        if (v) own.push(v);
      }
      const spans = resolve(o.registry.spans(value, { ...found, own }), o.threshold);
      const chosen: Span[] = [];
      for (const s of spans) {
        count('found', s.kind);
        if (wanted.has(s.kind)) {
          chosen.push(s);
          count('replaced', s.kind);
        }
      }
      const out = chosen.length === 0 ? value : replaceSpans(value, chosen, (s, text) => replacers.get(s.kind)!(text, value.slice(Math.max(0, s.start - 12), s.start)));
      // Fail closed: what the residual check would still find of a kind to remove (a pseudonym that reads as a card number) is not published.
      if (checked.size > 0 && o.registry.kindsIn(out).some((k) => checked.has(k))) {
        count('replaced', 'whole_cell');
        return '<REDACTED>';
      }
      return out;
    };
  },
});

function operatorName(r: OptionReader, name: string, base: Operator, kind: TextKind): Operator | undefined {
  const w = r.string(name, { oneOf: OPERATORS });
  return w === undefined ? undefined : { ...base, with: w as OperatorName, normalize: NORMALIZE[kind] ?? 'trim' };
}

/** An operator's options (`with`, `domain`, `normalize`, `length`): at the top of the column, or for one kind. */
function operator(r: OptionReader, base: Operator | undefined, kind: TextKind | undefined): Operator | undefined {
  if (base) r.rejectUnknown(OPERATOR_OPTIONS);
  const w = r.string('with', { oneOf: OPERATORS });
  const normalize = r.string('normalize', { oneOf: Object.keys(NORMALIZERS) }) as Normalizer | undefined;
  const length = r.number('length', { integer: true, min: 16, max: 64 });
  if (r.has('with') && w === undefined) return undefined;
  return {
    with: (w as OperatorName | undefined) ?? base?.with ?? 'tag',
    domain: r.string('domain', { nonEmpty: true }) ?? base?.domain,
    normalize: normalize ?? (kind !== undefined ? NORMALIZE[kind] : undefined) ?? base?.normalize ?? 'trim',
    length: length ?? base?.length ?? 32,
  };
}

/** Replaces one span's text; `before`: the text just before it (a title says a lone word is a surname). */
type Replacer = (value: string, before: string) => string;
const TITLE = /\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.? $/;

const tag = (kind: TextKind): string => `<${kind.toUpperCase()}>`;
const FAKE_SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Drive', 'Close', 'Way', 'Court'];

function replacer(kind: TextKind, op: Operator, column: string, key: { derive(purpose: string, domain: string): Buffer } | undefined, words: Dictionaries | undefined): Replacer {
  switch (op.with) {
    case 'keep':
      return (v) => v;
    case 'tag':
      return () => tag(kind);
    case 'mask':
      return (v) => v.replace(/[\p{L}\p{N}]/gu, '*');
    case 'hash': {
      const mac = hmacSha256(key!.derive('hash', op.domain ?? column));
      const normalize = NORMALIZERS[op.normalize];
      const bytes = Math.ceil(op.length / 2);
      return (v) => mac(normalize(v)).toString('hex', 0, bytes).slice(0, op.length);
    }
    case 'fake': {
      const mac = hmacSha256(key!.derive('fake', op.domain ?? column));
      const w = words!;
      const fakeWord = (name: string, role: 'given' | 'surname'): string => {
        const seed = mac(`person\u0000${role}\u0000${name.toLowerCase()}`);
        let round = 0;
        const list = role === 'given' ? w.fakeGivenNames : w.fakeSurnames;
        return list[uniformInt(seed, list.length, () => mac(`person\u0000${role}\u0000${name.toLowerCase()}\u0000${++round}`))]!;
      };
      return (v, before) => {
        const seed = mac(`${kind}\u0000${v.trim().toLowerCase()}`);
        let round = 0;
        const more = () => mac(`${kind}\u0000${v.trim().toLowerCase()}\u0000${++round}`);
        const pick = <T>(xs: readonly T[], at: number): T => xs[uniformInt(seed.subarray(at * 6), xs.length, more)]!;
        if (kind === 'person') {
          // Word by word, so that a person's names agree wherever they appear: "Kwame Mensah", then "Kwame" and
          // "Ms. Mensah" get the same fake given name and surname. A lone word after a title is a surname.
          const names = v.trim().split(/\s+/);
          return names.map((name, i) => (i === 0 && !(names.length === 1 && TITLE.test(before)) ? fakeWord(name, 'given') : fakeWord(name, 'surname'))).join(' ');
        }
        if (kind === 'address') return `${1 + uniformInt(seed.subarray(0), 999, more)} ${pick(w.fakeSurnames, 1)} ${pick(FAKE_SUFFIXES, 2)}`;
        const day = new Date(Date.UTC(1930, 0, 1) + uniformInt(seed, 27_394, more) * 86_400_000);
        return day.toISOString().slice(0, 10);
      };
    }
  }
}
