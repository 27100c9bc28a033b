// Declared column types, checked on the input values before any transform:
//
//   age:   { transform: keep, type: integer, min: 0, max: 120 }
//   email: { transform: hash, type: email, required: true }
//   code:  { transform: keep, type: string, pattern: "[A-Z]{3}-\\d+" }
//   plan:  { transform: keep, type: enum, values: [free, pro] }
//
// Types: string, integer, number, boolean (true/false/yes/no/1/0), date
// (YYYY-MM-DD), datetime (a date with a time), email, enum. `min`/`max` apply
// to integer and number, `pattern` (matched whole) to any type, `required`
// makes an empty value a violation (otherwise empty values pass). What
// happens to a violating row is the policy's `on_invalid`.

import { parseDate } from '../lib/dates.js';
import { parseNumber } from '../lib/numeric.js';
import type { OptionReader } from './reader.js';

export const SCHEMA_OPTIONS = ['type', 'values', 'pattern', 'min', 'max', 'required'] as const;
export const TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'email', 'enum'] as const;
export type ColumnType = (typeof TYPES)[number];

export const VIOLATIONS = ['TYPE', 'MIN', 'MAX', 'PATTERN', 'ENUM', 'REQUIRED'] as const;
export type Violation = (typeof VIOLATIONS)[number];

export interface ColumnSchema {
  readonly type: ColumnType;
  readonly values: ReadonlySet<string> | undefined;
  readonly pattern: RegExp | undefined;
  readonly patternText: string | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly required: boolean;
}

/** Reads the schema options of a column; undefined when it declares none. `valuesOwned`: the transform uses `values` itself. */
export function parseSchema(r: OptionReader, valuesOwned: boolean): ColumnSchema | undefined {
  if (!SCHEMA_OPTIONS.some((o) => r.has(o) && (o !== 'values' || !valuesOwned))) return undefined;
  const type = (r.string('type', { oneOf: TYPES }) ?? 'string') as ColumnType;
  const min = r.number('min');
  const max = r.number('max');
  const required = r.boolean('required') ?? false;
  const patternText = r.string('pattern');
  let pattern: RegExp | undefined;
  if (patternText !== undefined) {
    try {
      pattern = new RegExp(`^(?:${patternText})$`, 'u');
    } catch {
      r.report('POLICY_VALUE', 'pattern', { expected: 'a regular expression', found: JSON.stringify(patternText) });
    }
  }
  if ((min !== undefined || max !== undefined) && type !== 'integer' && type !== 'number') {
    r.report('POLICY_CONFLICT', min !== undefined ? 'min' : 'max', { expected: 'min and max with type integer or number', found: `type ${type}` });
  }
  if (min !== undefined && max !== undefined && min > max) r.report('POLICY_VALUE', 'max', { expected: `a number of at least min (${min})`, found: String(max) });
  let values: Set<string> | undefined;
  if (type === 'enum') {
    const list = r.stringList('values', { required: true });
    values = list && new Set(list);
  } else if (r.has('values') && !valuesOwned) {
    r.report('POLICY_CONFLICT', 'values', { expected: 'values with type: enum', found: `type ${type}` });
  }
  return { type, values, pattern, patternText, min, max, required };
}

const BOOLEAN = new Set(['true', 'false', 'yes', 'no', '1', '0', 'TRUE', 'FALSE', 'True', 'False', 'Yes', 'No', 'YES', 'NO']);
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

/** The violations of one value (empty when it conforms). */
export function violations(s: ColumnSchema, value: string): Violation[] {
  if (value === '') return s.required ? ['REQUIRED'] : [];
  const out: Violation[] = [];
  let number: number | undefined;
  switch (s.type) {
    case 'string':
      break;
    case 'integer':
      number = /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
      if (number === undefined) out.push('TYPE');
      break;
    case 'number':
      number = parseNumber(value);
      if (number === undefined) out.push('TYPE');
      break;
    case 'boolean':
      if (!BOOLEAN.has(value)) out.push('TYPE');
      break;
    case 'date': {
      const d = parseDate(value);
      if (!d || d.day === 0 || d.rest !== '') out.push('TYPE');
      break;
    }
    case 'datetime': {
      const d = parseDate(value);
      if (!d || d.rest === '') out.push('TYPE');
      break;
    }
    case 'email':
      if (!EMAIL.test(value)) out.push('TYPE');
      break;
    case 'enum':
      if (!s.values!.has(value)) out.push('ENUM');
      break;
  }
  if (number !== undefined) {
    if (s.min !== undefined && number < s.min) out.push('MIN');
    if (s.max !== undefined && number > s.max) out.push('MAX');
  }
  if (s.pattern && !s.pattern.test(value)) out.push('PATTERN');
  return out;
}

/** What a schema expects, in words, for error messages (never the value). */
export function describeSchema(s: ColumnSchema): string {
  const range = s.min !== undefined && s.max !== undefined ? ` from ${s.min} to ${s.max}` : s.min !== undefined ? ` of at least ${s.min}` : s.max !== undefined ? ` of at most ${s.max}` : '';
  const base = s.type === 'enum' ? `one of ${s.values!.size} listed values` : `${/^[aeiou]/.test(s.type) ? 'an' : 'a'} ${s.type}${range}`;
  return `${base}${s.pattern ? ` matching ${s.patternText}` : ''}${s.required ? ', required' : ''}`;
}

export interface RowViolations {
  /** Violations by input column position. */
  readonly columns: readonly { readonly index: number; readonly name: string; readonly codes: readonly Violation[] }[];
}

/** A function from a row to its violations (undefined when it conforms), for the columns that declare a type. */
export function compileValidator(columns: readonly { name: string; schema: ColumnSchema | undefined }[], header: readonly string[], text: (v: unknown) => string): (row: readonly unknown[]) => RowViolations | undefined {
  const checks = columns.filter((c) => c.schema).map((c) => ({ name: c.name, index: header.indexOf(c.name), schema: c.schema! }));
  if (checks.length === 0) return () => undefined;
  return (row) => {
    let found: { index: number; name: string; codes: Violation[] }[] | undefined;
    for (const c of checks) {
      const codes = violations(c.schema, c.index < 0 ? '' : text(row[c.index]));
      if (codes.length > 0) (found ??= []).push({ index: c.index, name: c.name, codes });
    }
    return found && { columns: found };
  };
}
