// The gate every row passes before its columns are transformed: the row
// rules (consent, forget lists), then the declared column types. It answers
// with the reason a row is removed, if any; with `on_invalid: error` a
// violation stops the run instead (file, line and column, never the value).

import { VeilError } from '../lib/errors.js';
import { cellText } from '../lib/cell.js';
import type { SecretKey } from '../lib/key.js';
import type { Policy } from '../policy/load.js';
import { compileRowRules } from '../governance/row-rules.js';
import { compileValidator, describeSchema, type RowViolations, type Violation } from '../options/schema.js';

export type Gate = (row: readonly unknown[], line: number) => 'no_consent' | 'forgotten' | 'invalid' | undefined;

/** What a value that breaks its declared type did, as the error says it (never the value). */
const BROKEN: Record<Violation, string> = {
  TYPE: 'a value of another type',
  MIN: 'one below min',
  MAX: 'one above max',
  PATTERN: 'one that does not match the pattern',
  ENUM: 'one not among the values',
  REQUIRED: 'an empty one, where one is required',
};

export async function rowGate(
  policy: Policy,
  header: readonly string[],
  key: SecretKey | undefined,
  onInvalid?: (row: readonly unknown[], line: number, v: RowViolations) => void,
): Promise<Gate> {
  const forgetColumn = policy.rows?.forget && policy.columns.find((c) => c.name === policy.rows!.forget!.column)?.configured;
  const rules = await compileRowRules(policy.rows, { header, key, forgetColumn });
  const validate = compileValidator(policy.columns, header, cellText);
  return (row, line) => {
    const reason = rules(row);
    if (reason !== undefined) return reason;
    const v = validate(row);
    if (v === undefined) return undefined;
    if (policy.onInvalid === 'error') {
      const first = v.columns[0]!;
      const schema = policy.columns.find((c) => c.name === first.name)!.schema!;
      throw new VeilError({ kind: 'input', code: 'VALUE_INVALID', line, columnName: first.name, columnNumber: first.index + 1, expected: `${describeSchema(schema)}, found ${first.codes.map((c) => BROKEN[c]).join(' and ')}` });
    }
    onInvalid?.(row, line, v);
    return 'invalid';
  };
}
