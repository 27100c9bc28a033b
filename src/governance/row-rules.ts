// Row rules (policy section `rows`): which rows may be used at all, before
// any column is transformed. A removed row is counted under its reason.
//
//   rows:
//     require: { column: consent_ml, in: ["true", "yes", "1"] }   # keep only consented rows  -> no_consent
//     forget:  { column: email, list: forget.txt, match: hash }    # people who asked to be forgotten -> forgotten
//
// A forget list holds one value per line (blank lines and lines starting
// with # are skipped), either as plain values (`match: plain`, compared after
// the column's hash normalization) or as the pseudonyms veil's `hash` gives
// that column (`match: hash`), so the list itself need hold no personal data:
// `veil hash --column email --policy policy.yaml < emails.txt` makes one.

import { VeilError } from '../lib/errors.js';
import { cellText } from '../lib/cell.js';
import type { SecretKey } from '../lib/key.js';
import { NORMALIZERS, type Normalizer } from '../lib/normalize.js';
import type { OptionReader } from '../options/reader.js';
import type { Configured, Row } from '../transforms/define.js';

export interface RowRules {
  readonly require: { readonly column: string; readonly values: ReadonlySet<string> } | undefined;
  readonly forget: { readonly column: string; readonly match: 'plain' | 'hash'; readonly file: string; readonly entries: readonly string[] } | undefined;
}

export type RemovalReason = 'no_consent' | 'forgotten';

/** The keys of rows, of its require and of its forget: what the loader accepts and the JSON Schema lists. */
export const ROWS_OPTIONS = ['require', 'forget'] as const;
export const REQUIRE_OPTIONS = ['column', 'in'] as const;
export const FORGET_OPTIONS = ['column', 'list', 'match'] as const;

export function parseRowRules(r: OptionReader): RowRules {
  r.rejectUnknown(ROWS_OPTIONS);
  let require: RowRules['require'];
  const req = r.child('require');
  if (req) {
    req.rejectUnknown(REQUIRE_OPTIONS);
    const column = req.string('column', { required: true, nonEmpty: true });
    const values = readValues(req, 'in');
    if (column !== undefined && values !== undefined) require = { column, values: new Set(values) };
  }
  let forget: RowRules['forget'];
  const fg = r.child('forget');
  if (fg) {
    fg.rejectUnknown(FORGET_OPTIONS);
    const column = fg.string('column', { required: true, nonEmpty: true });
    const file = fg.string('list', { required: true, nonEmpty: true });
    const match = (fg.string('match', { oneOf: ['plain', 'hash'] }) ?? 'plain') as 'plain' | 'hash';
    if (column !== undefined && file !== undefined) {
      const read = fg.ctx.readFile(file);
      if ('errno' in read) fg.report('POLICY_REFERENCE', 'list', { expected: 'a readable list file', found: `${file} (${read.errno})` });
      else {
        const entries = read.text
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#'));
        forget = { column, match, file, entries };
      }
    }
  }
  // Whatever parsed is returned even when a sibling failed, so that later checks still report on it.
  return { require, forget };
}

/** Values of a list option, numbers and booleans read as the text they are written as. */
function readValues(r: OptionReader, name: string): string[] | undefined {
  const raw = r.plain(name);
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((v) => v === null || typeof v === 'object')) {
    r.report(raw === undefined ? 'POLICY_MISSING_KEY' : 'POLICY_TYPE', name, { expected: 'a list of one or more values' });
    return undefined;
  }
  return raw.map((v) => String(v));
}

/** Checks that need the columns: `match: hash` needs the column's own transform to be hash. */
export function checkRowRules(r: OptionReader, rules: RowRules, transformOf: (column: string) => string | undefined): void {
  if (rules.forget?.match === 'hash' && transformOf(rules.forget.column) !== 'hash') {
    r.report('POLICY_CONFLICT', 'forget', { expected: `match: hash on a column whose transform is hash`, found: `${rules.forget.column} (transform: ${transformOf(rules.forget.column) ?? 'none'})` });
  }
}

export interface RowRuleContext {
  readonly header: readonly string[];
  readonly key: SecretKey | undefined;
  /** The forget column's configured transform (hash), when the policy names it. */
  readonly forgetColumn: Configured | undefined;
}

/** Compiles the rules against the header: a function from a row to its removal reason, if any. */
export async function compileRowRules(rules: RowRules | undefined, c: RowRuleContext): Promise<(row: Row) => RemovalReason | undefined> {
  if (!rules || (!rules.require && !rules.forget)) return () => undefined;
  const indexOf = (name: string): number => {
    const at = c.header.indexOf(name);
    if (at < 0) throw new VeilError({ kind: 'input', code: 'COLUMN_MISSING', columnName: name });
    return at;
  };
  const requireAt = rules.require ? indexOf(rules.require.column) : -1;
  const forgetAt = rules.forget ? indexOf(rules.forget.column) : -1;
  let forgotten: (value: string) => boolean = () => false;
  if (rules.forget) {
    const normalizeName = (c.forgetColumn?.params.normalize as Normalizer | undefined) ?? 'none';
    const normalize = NORMALIZERS[normalizeName] ?? NORMALIZERS.none;
    if (rules.forget.match === 'plain') {
      const list = new Set(rules.forget.entries.map(normalize));
      forgotten = (v) => list.has(normalize(v));
    } else {
      // The same pseudonym the column's hash transform publishes.
      const pseudonym = await c.forgetColumn!.create({ column: rules.forget.column, key: c.key, seed: undefined, columnIndex: indexOf });
      const list = new Set(rules.forget.entries.map((e) => e.toLowerCase()));
      forgotten = (v) => v !== '' && list.has(pseudonym(v, []));
    }
  }
  return (row) => {
    if (requireAt >= 0 && !rules.require!.values.has(cellText(row[requireAt]))) return 'no_consent';
    if (forgetAt >= 0 && forgotten(cellText(row[forgetAt]))) return 'forgotten';
    return undefined;
  };
}
