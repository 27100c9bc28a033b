// Problems are data: a code plus where it happened. Their text is added at the
// edge (src/cli/messages.ts), and nothing here ever holds a cell's content, so
// printing a problem cannot leak a protected value.

/** Where a policy problem sits: its path in the policy and its place in the YAML file. */
export interface PolicyProblem {
  readonly kind: 'policy';
  readonly code: PolicyCode;
  /** Dotted path in the policy, e.g. `columns.age.width`. Empty for the document itself. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  /** What was expected, in words ("a positive number"). */
  readonly expected?: string;
  /** What was found, as policy text (never data). */
  readonly found?: string;
  /** The nearest valid name, for a typo. */
  readonly suggestion?: string;
}

/** A problem with the data being read: file, line and column, never the cell. */
export interface InputProblem {
  readonly kind: 'input';
  readonly code: InputCode;
  /** The file, when it is one of several read together (a glob's match), or not the input the user named. */
  readonly file?: string;
  readonly line?: number;
  /** The column's name (a header name, not data). */
  readonly columnName?: string;
  /** The column's 1-based position in the input. */
  readonly columnNumber?: number;
  readonly expected?: string;
  /** Names (header names only) that the problem concerns, e.g. every unlisted column. */
  readonly names?: readonly string[];
  readonly suggestion?: string;
}

export interface UsageProblem {
  readonly kind: 'usage' | 'key';
  readonly code: UsageCode | KeyCode;
  readonly detail?: string;
}

export interface IoProblem {
  readonly kind: 'io';
  readonly code: IoCode;
  readonly path?: string;
  /** The system error code (ENOSPC, EACCES), never a message that could quote data. */
  readonly errno?: string;
  /** ENGINE_OUT_OF_MEMORY, MEMORY_CAP_TOO_SMALL: the memory limit, as asked. */
  readonly limit?: string;
  /** MEMORY_CAP_TOO_SMALL: what was to be held, and about how much memory it needs. */
  readonly what?: string;
  readonly needed?: string;
}

/** A privacy requirement that was not met: exit 1. */
export interface PrivacyProblem {
  readonly kind: 'privacy';
  readonly code: PrivacyCode;
  readonly required?: string;
  readonly found?: string;
}

export type PrivacyCode = 'K_ANONYMITY_NOT_MET' | 'L_DIVERSITY_NOT_MET' | 'SUPPRESSION_OVER_BUDGET' | 'RESIDUAL_PII' | 'SAFE_HARBOR_NOT_MET';

export type Problem = PolicyProblem | InputProblem | UsageProblem | IoProblem | PrivacyProblem;

export const POLICY_CODES = [
  'POLICY_UNREADABLE',
  'POLICY_YAML_SYNTAX',
  'POLICY_TYPE',
  'POLICY_VALUE',
  'POLICY_UNKNOWN_KEY',
  'POLICY_MISSING_KEY',
  'POLICY_UNKNOWN_TRANSFORM',
  'POLICY_CONFLICT',
  'POLICY_HIERARCHY',
  'POLICY_REFERENCE',
  'POLICY_BUDGET',
] as const;
export type PolicyCode = (typeof POLICY_CODES)[number];

export const INPUT_CODES = [
  'INPUT_UNREADABLE',
  'INPUT_GZIP',
  'INPUT_NOT_UTF8',
  'INPUT_CHANGED',
  'INPUT_HEADERS_DIFFER',
  'ENGINE_READ_FAILED',
  'CSV_NO_HEADER',
  'INPUT_DUPLICATE_COLUMN',
  'CSV_RECORD_TOO_LONG',
  'CSV_QUOTE_NOT_CLOSED',
  'CSV_INVALID_QUOTE',
  'CSV_FIELD_COUNT',
  'JSON_INVALID',
  'JSON_NOT_OBJECT',
  'JSON_FIELD_NOT_OBJECT',
  'JSON_TOO_DEEP',
  'COLUMN_MISSING',
  'HEADER_ONE_COLUMN',
  'COLUMN_UNLISTED',
  'COLUMN_NOT_IN_FIRST_RECORD',
  'VALUE_NOT_NUMBER',
  'VALUE_NOT_INTEGER',
  'VALUE_NOT_DATE',
  'VALUE_DATE_OUT_OF_RANGE',
  'VALUE_NOT_ZIP',
  'VALUE_NOT_IN_HIERARCHY',
  'VALUE_NOT_LISTED',
  'VALUE_INVALID',
  'INVALID_OVER_LIMIT',
  'ENTITY_EMPTY',
] as const;
export type InputCode = (typeof INPUT_CODES)[number];

/** The delimiters a header read as one column is searched for, most common first. */
const LIKELY_DELIMITERS = [';', '\t', '|', ','];

/**
 * The problems of the columns a policy names and the header lacks. A header
 * read as one column that holds a common delimiter is one problem, which
 * names the delimiter to try, instead of one per column: the delimiter was
 * wrong, not the policy.
 */
export function missingColumns(header: readonly string[], missing: readonly string[], suggest?: (name: string) => string | undefined): InputProblem[] {
  if (missing.length === 0) return [];
  if (header.length === 1) {
    const counts = LIKELY_DELIMITERS.map((d) => header[0]!.split(d).length - 1);
    const best = counts.indexOf(Math.max(...counts));
    if (counts[best]! > 0) return [{ kind: 'input', code: 'HEADER_ONE_COLUMN', expected: LIKELY_DELIMITERS[best]!, names: missing }];
  }
  return missing.map((name) => {
    const suggestion = suggest?.(name);
    return { kind: 'input', code: 'COLUMN_MISSING', columnName: name, ...(suggestion && { suggestion }) };
  });
}

export type UsageCode = 'USAGE' | 'USAGE_FORMAT' | 'USAGE_FORMAT_NAME' | 'USAGE_PATHS' | 'USAGE_DELIMITER' | 'USAGE_SEED' | 'USAGE_THREADS' | 'USAGE_MEMORY' | 'USAGE_PLAN' | 'USAGE_CHECK' | 'USAGE_REJECTS' | 'USAGE_UTILITY' | 'USAGE_REPORT' | 'USAGE_ENGINE' | 'USAGE_INPUT_CONFLICT';
export type KeyCode = 'KEY_MISSING' | 'KEY_TOO_SHORT' | 'KEY_WEAK' | 'KEY_DEMO' | 'KEY_UNREADABLE';
export type IoCode = 'OUTPUT_WRITE_FAILED' | 'REPORT_WRITE_FAILED' | 'TEMP_WRITE_FAILED' | 'ENGINE_OUT_OF_MEMORY' | 'MEMORY_CAP_TOO_SMALL' | 'INTERNAL';

/**
 * Thrown across the streaming machinery, where returning is not possible.
 * Carries problems only; its message is the first code, never data.
 */
export class VeilError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: Problem | readonly Problem[]) {
    const list = Array.isArray(problems) ? problems : [problems as Problem];
    super(list.map((p) => p.code).join(', '));
    this.name = 'VeilError';
    this.problems = list;
  }
}

/**
 * What a transform throws for a value it cannot read. The pipeline adds the
 * line and column; the transform adds only what it expected.
 */
export class ValueError extends Error {
  constructor(
    readonly code: InputCode,
    readonly expected: string,
  ) {
    super(code);
    this.name = 'ValueError';
  }
}
