// The SQL part of a transform (define.ts: `sql`), as SQLGlot's TRANSFORMS
// table maps a node to text: given the column's value as an SQL expression,
// its parsed options and a context, a transform returns its expression, or a
// fast path for the values of common shapes (the streaming engine's own
// function, registered in the engine, computing the rest), or nothing (that
// function computes every value). The dialect says how each expression is
// spelled in each engine (src/engines/sql/dialect.ts implements it); the
// compiler (src/engines/sql/compile.ts) asks each transform and never names
// one.
//
// Every expression must be exact against the streaming engine for the same
// text: strings are UTF-8, lengths and substrings count code points, and the
// HMAC is composed from the engine's SHA-256 on bytes (RFC 2104:
// H((K ^ opad) || H((K ^ ipad) || m)), with the padded subkeys held in a
// table, never in the SQL text). A differential test compares every cell.

export interface Dialect {
  readonly name: 'duckdb' | 'spark';
  /** A column or table name. */
  ident(name: string): string;
  /** A string literal (policy text only, never data or key material). */
  string(text: string): string;
  /** The UTF-8 bytes of a text. */
  bytes(text: string): string;
  /** Lower-case hex SHA-256 of bytes. */
  sha256Hex(bytes: string): string;
  /** Bytes from hex. */
  unhex(hex: string): string;
  /** Two byte strings, one after the other. */
  concatBytes(a: string, b: string): string;
  /** Code points of a text. */
  length(text: string): string;
  /** Code points from a 1-based position. */
  substring(text: string, from: string, count: string): string;
  repeat(text: string, times: string): string;
  /** Every match of an RE2/Java pattern replaced. */
  replaceAll(text: string, pattern: string, by: string): string;
  /** Does the whole text match an RE2/Java pattern? */
  matches(text: string, pattern: string): string;
  lower(text: string): string;
  /** JavaScript's toLowerCase (the full Unicode mapping, final sigma and dotted I as JavaScript has them). */
  lowerJs(text: string): string;
  concat(...texts: string[]): string;
  /** JavaScript's String.prototype.trim: WhiteSpace and LineTerminator at both ends. */
  trimJs(text: string): string;
  /** A plain decimal text as a double (the nearest, as JavaScript reads it). */
  toDouble(text: string): string;
  /** An integral double below 2^53, written in decimal digits. */
  integerText(n: string): string;
  /** A struct of named fields (a Parquet struct, a JSON object). */
  struct(fields: readonly (readonly [string, string])[]): string;
  /** Dates and integers from hex: compiled only where a dialect has them (and a differential test runs them). */
  readonly dates?: DateDialect;
}

export interface DateDialect {
  /** A date from YYYY-MM-DD text, NULL when it is not a calendar date. */
  toDate(text: string): string;
  /** YYYY-MM-DD text of a date. */
  formatDate(date: string): string;
  addDays(date: string, days: string): string;
  /** The quarter, 1-4, as text. */
  quarter(date: string): string;
  /** ISO 8601 week-numbering year, four digits. */
  isoYear(date: string): string;
  /** ISO 8601 week, two digits. */
  isoWeek(date: string): string;
  /** An unsigned integer from up to 12 hex digits. */
  hexToInt(hex: string): string;
}

export interface SqlContext {
  readonly dialect: Dialect;
  /** The column's name (a keyed transform's default domain). */
  readonly column: string;
  /** The number of the subkey slot for (purpose, domain): its padded halves are the key table's k.k<n>_i and k.k<n>_o. */
  slot(purpose: string, domain: string): number;
  /** A value computed once per row at a level (0 reads the input and the keys), returned as a column reference. */
  derive(level: number, sql: string): string;
  /** An input column by its name. */
  ref(name: string): string;
}

/** A fast path: values for which `when` holds are computed by `then`; the others by the streaming engine's function. */
export interface FastPath {
  readonly when: string;
  readonly then: string;
}

/** The SQL of one configured column: an expression, a fast path, or undefined (the streaming engine's function computes it). */
export type SqlExpression = string | FastPath | undefined;

/** Empty cells stay as they are, as in the streaming engine (an empty CSV field is NULL in the engines). */
export function emptyStays(value: string, expr: string): string {
  return `CASE WHEN ${value} IS NULL OR ${value} = '' THEN ${value} ELSE ${expr} END`;
}

/** Plain integers of up to 15 digits: exact as doubles, written by JavaScript as they are computed. */
export const PLAIN_INTEGER = '-?[0-9]{1,15}';
/** Plain decimals: both engines read them as the nearest double. */
export const PLAIN_DECIMAL = '-?[0-9]{1,15}(\\.[0-9]{1,15})?';
/** Plain dates of the years 1000 to 8999 (a shift of up to 100 years stays within 0000-9999). */
export const PLAIN_DATE = '[1-8][0-9]{3}-[0-9]{2}-[0-9]{2}';

/** A number literal as JavaScript wrote it (the engines read it back as the same double). */
export function numberLiteral(n: number): string {
  const text = String(n);
  return /e/i.test(text) ? `CAST('${text}' AS DOUBLE)` : `CAST(${text} AS DOUBLE)`;
}

/** A valid calendar date written YYYY-MM-DD and nothing else, of the years 1000 to 8999. */
export function plainDate(value: string, d: Dialect, dates: DateDialect): string {
  return `(${d.matches(value, PLAIN_DATE)} AND ${dates.formatDate(dates.toDate(value))} IS NOT DISTINCT FROM ${value})`;
}

/** HMAC-SHA256 of the bytes of a text under subkey slot k, in lower-case hex. */
export function hmacHex(text: string, k: number, d: Dialect): string {
  return d.sha256Hex(d.concatBytes(`k.k${k}_o`, d.unhex(d.sha256Hex(d.concatBytes(`k.k${k}_i`, d.bytes(text))))));
}
