// The text of every problem, in one table per kind; `satisfies` makes a new
// code fail to compile until it has its message. Only names, positions and
// policy text appear here: never a cell's value.

import type { InputCode, InputProblem, IoCode, IoProblem, KeyCode, PolicyProblem, PrivacyCode, PrivacyProblem, Problem, UsageCode, UsageProblem } from '../lib/errors.js';

export interface Where {
  /** How the policy file is named in messages. */
  policyFile: string;
  /** How the input is named in messages (a path, or <stdin>). */
  inputFile: string;
}

const col = (p: InputProblem) =>
  p.columnName === undefined ? '' : ` column "${p.columnName}"${p.columnNumber === undefined ? '' : ` (#${p.columnNumber})`}`;
const expected = (p: InputProblem) => (p.expected === undefined ? '' : `: expected ${p.expected}`);
const hint = (s: string | undefined) => (s === undefined ? '' : ` (did you mean "${s}"?)`);

const INPUT_TEXT = {
  INPUT_UNREADABLE: (p) => `cannot read the input${expected(p)}`,
  INPUT_GZIP: () => 'the input is not valid gzip data',
  INPUT_NOT_UTF8: () => 'the input is not valid UTF-8: if it was saved by Excel or another Windows program, try --encoding cp1252 (or latin1; the policy can say input: { encoding: cp1252 })',
  INPUT_CHANGED: () => 'the input changed between the two passes of the k-anonymity stage',
  ENGINE_READ_FAILED: (p) => `DuckDB could not read the input (${p.expected ?? 'an error'}); its message may quote the data, so it is not shown${p.suggestion ? `: ${p.suggestion}` : ''}`,
  INPUT_HEADERS_DIFFER: (p) => `the files read together do not share one header${expected(p)}`,
  CSV_NO_HEADER: () => 'the input is empty: expected a header row',
  INPUT_DUPLICATE_COLUMN: (p) => `the input names${col(p)} twice: a policy cannot tell the two apart, so nothing is read; rename one`,
  CSV_RECORD_TOO_LONG: (p) => `a record is longer than the duckdb engine reads (${p.expected ?? 'its limit'}): run it with --engine stream, which holds a record whole in memory`,
  CSV_QUOTE_NOT_CLOSED: () => 'a quoted field is not closed before the end of the input',
  CSV_INVALID_QUOTE: () => 'a closing quote is followed by something other than a delimiter or line end',
  CSV_FIELD_COUNT: (p) => `wrong number of fields${expected(p)}; veil apply sets such records aside when the policy says on_invalid: drop (or quarantine, with --rejects FILE)`,
  JSON_INVALID: () => 'not valid JSON',
  JSON_NOT_OBJECT: () => 'expected a JSON object on each line',
  JSON_FIELD_NOT_OBJECT: (p) => `${col(p).trim()}: expected an object, as in the first record, whose fields are columns (name the object whole in the policy to take it as one value)`,
  JSON_TOO_DEEP: () => 'the record nests objects and arrays more than 1000 levels deep',
  HEADER_ONE_COLUMN: (p) => {
    const d = p.expected === '\t' ? 'tab' : p.expected;
    return `the header was read as one column, and it holds "${p.expected === '\t' ? '\\t' : p.expected}": try --delimiter '${d}' (the policy names ${p.names?.length ?? 0} columns the input seems to lack)`;
  },
  COLUMN_MISSING: (p) => `the policy names column "${p.columnName}", which the input lacks${hint(p.suggestion)}`,
  COLUMN_UNLISTED: (p) =>
    `input columns the policy does not name: ${(p.names ?? []).map((n) => `"${n}"`).join(', ')} (name them in the policy, or set unlisted: drop or keep)`,
  COLUMN_NOT_IN_FIRST_RECORD: (p) => `${col(p).trim()} first appears after the first record; with unlisted: keep, a column the policy does not name must be in the first record`,
  VALUE_NOT_NUMBER: (p) => `${col(p).trim()}${expected(p)}; the column's policy can name a decimal comma (decimal: ",") and missing-value markers (na: ["N/A"])`,
  VALUE_NOT_INTEGER: (p) => `${col(p).trim()}${expected(p)}`,
  VALUE_NOT_DATE: (p) => `${col(p).trim()}${expected(p)}; the column's policy can name other formats (format: MM/DD/YYYY, or a list) and missing-value markers (na: ["N/A"])`,
  VALUE_DATE_OUT_OF_RANGE: (p) => `${col(p).trim()}${expected(p)}`,
  VALUE_NOT_ZIP: (p) => `${col(p).trim()}${expected(p)}`,
  VALUE_NOT_IN_HIERARCHY: (p) => `${col(p).trim()}: the value is not${p.expected === undefined ? ' in the hierarchy' : ` ${p.expected}`}`,
  VALUE_INVALID: (p) => `${col(p).trim()}: the value breaks its declared type${p.expected === undefined ? '' : `: expected ${p.expected}`}; on_invalid: drop (or quarantine, with --rejects FILE) sets such rows aside`,
  INVALID_OVER_LIMIT: (p) => `too many rows break their declared types or are malformed: ${p.expected ?? ''}`,
  VALUE_NOT_LISTED: (p) => `${col(p).trim()}: the value is not one of the listed values${p.expected === undefined ? '' : ` (${p.expected})`}`,
  ENTITY_EMPTY: (p) => `${col(p).trim()}${expected(p)}`,
} satisfies Record<InputCode, (p: InputProblem) => string>;

const USAGE_TEXT = {
  USAGE: (p) => p.detail ?? 'invalid usage',
  USAGE_FORMAT: (p) => `unknown format ${p.detail ?? ''}: expected csv or jsonl`,
  USAGE_FORMAT_NAME: (p) => p.detail ?? 'a file name that veil cannot read or write',
  USAGE_PATHS: (p) => p.detail ?? 'output, report, plan and rejects must be distinct files',
  USAGE_DELIMITER: (p) => `invalid delimiter ${p.detail ?? ''}: expected one character other than a quote or line end (\\t for tab)`,
  USAGE_SEED: (p) => `invalid seed ${p.detail ?? ''}: expected a non-negative integer`,
  USAGE_MEMORY: (p) => `invalid ${p.detail ?? '--memory'}: expected a size of at least 1MB, such as 400MB, 1.5GB or 512MiB`,
  USAGE_THREADS: (p) => `invalid --threads ${p.detail ?? ''}: expected an integer from 1 to 64 (1: no worker threads)`,
  USAGE_PLAN: (p) => `cannot use the plan: ${p.detail ?? 'invalid plan'}`,
  USAGE_UTILITY: (p) => `cannot measure utility: ${p.detail ?? ''}`,
  USAGE_REPORT: (p) => `cannot render the report: ${p.detail ?? ''}`,
  USAGE_ENGINE: (p) => p.detail ?? 'the engine cannot run this',
  USAGE_INPUT_CONFLICT: (p) => p.detail ?? "a flag and the policy's input section disagree",
  USAGE_CHECK: (p) => p.detail ?? 'invalid check options',
  USAGE_REJECTS: (p) => p.detail ?? '--rejects goes with on_invalid: quarantine',
  KEY_MISSING: () => 'the policy uses keyed transforms but no key was given: set VEIL_KEY or pass --key-file FILE',
  KEY_TOO_SHORT: (p) => `the key is too short: expected at least 16 bytes, found ${p.detail ?? 'fewer'}; make one with: openssl rand -hex 32`,
  KEY_WEAK: (p) => `the key is too weak: expected at least 128 bits, found ${p.detail ?? 'fewer'} (the key is its bytes as written: 16 hex digits are 64 bits); make one with: openssl rand -hex 32`,
  KEY_DEMO: () => 'the key is the public demo key, which anyone can use to re-identify what it hashes: make your own (openssl rand -hex 32), or pass --allow-demo-key for the demo',
  KEY_UNREADABLE: (p) => `cannot read the key file${p.detail === undefined ? '' : ` (${p.detail})`}`,
} satisfies Record<UsageCode | KeyCode, (p: UsageProblem) => string>;

const IO_TEXT = {
  OUTPUT_WRITE_FAILED: (p) => `cannot write the output ${p.path ?? ''}${p.errno ? ` (${p.errno})` : ''}`,
  REPORT_WRITE_FAILED: (p) => `cannot write the report ${p.path ?? ''}${p.errno ? ` (${p.errno})` : ''}`,
  ENGINE_OUT_OF_MEMORY: (p) => `the duckdb engine ran out of memory under its limit of ${p.limit ?? '2GB'} (what it could not spill): give it more (--memory 4GB), or run it with --engine stream, whose memory follows the policy, not the input (docs/engines.md)`,
  MEMORY_CAP_TOO_SMALL: (p) => `${p.what ?? 'the run'} need about ${p.needed ?? 'more'} of memory, more than half of the memory cap of ${p.limit ?? '?'}: nothing was written; give it a cap of at least twice that (--memory), or fewer combinations (coarser quasi-identifiers, hierarchies) (docs/engines.md)`,
  TEMP_WRITE_FAILED: (p) => `cannot write the engine's spill files in ${p.path ?? 'the temporary folder'}${p.errno ? ` (${p.errno})` : ''}: set TMPDIR to a folder with room (docs/engines.md)`,
  INTERNAL: (p) => `internal error${p.errno ? ` (${p.errno})` : ''}; please report it`,
} satisfies Record<IoCode, (p: IoProblem) => string>;

const PRIVACY_TEXT = {
  K_ANONYMITY_NOT_MET: (p) => `k-anonymity not met: required ${p.required ?? ''}, found ${p.found ?? ''}`,
  L_DIVERSITY_NOT_MET: (p) => `l-diversity not met: required ${p.required ?? ''}, found ${p.found ?? ''}`,
  RESIDUAL_PII: (p) => `personal data left in the output: ${p.found ?? ''}`,
  SAFE_HARBOR_NOT_MET: (p) => `HIPAA Safe Harbor not met: required ${p.required ?? ''}, found ${p.found ?? ''} (drop or redact those columns)`,
  SUPPRESSION_OVER_BUDGET: (p) => `the privacy requirement cannot be met within the suppression budget: allowed ${p.required ?? ''}, needed ${p.found ?? ''}; a larger max_suppression, hierarchies or wider generalizations of the quasi-identifiers, or a smaller k may meet it`,
} satisfies Record<PrivacyCode, (p: PrivacyProblem) => string>;

function policyText(p: PolicyProblem, where: Where): string {
  const pos = p.line === undefined ? '' : `:${p.line}:${p.column ?? 1}`;
  const path = p.path === '' ? '' : ` ${p.path}:`;
  const what =
    p.code === 'POLICY_YAML_SYNTAX'
      ? ` invalid YAML (${p.found ?? 'syntax error'})`
      : p.code === 'POLICY_UNREADABLE'
        ? ` cannot read the policy (${p.found ?? 'error'})`
        : p.code === 'POLICY_MISSING_KEY'
          ? ` missing${p.expected === undefined ? '' : `: expected ${p.expected}`}`
          : `${p.expected === undefined ? '' : ` expected ${p.expected}`}${p.found === undefined ? '' : `, found ${p.found}`}`;
  return `${where.policyFile}${pos}:${path}${what}${hint(p.suggestion)} [${p.code}]`;
}

export function problemText(p: Problem, where: Where): string {
  switch (p.kind) {
    case 'policy':
      return policyText(p, where);
    case 'input': {
      const pos = p.line === undefined ? '' : `:${p.line}`;
      return `${p.file ?? where.inputFile}${pos}: ${INPUT_TEXT[p.code](p)} [${p.code}]`;
    }
    case 'usage':
    case 'key':
      return `${USAGE_TEXT[p.code](p)} [${p.code}]`;
    case 'io':
      return `${IO_TEXT[p.code](p)} [${p.code}]`;
    case 'privacy':
      return `${PRIVACY_TEXT[p.code](p)} [${p.code}]`;
  }
}
