// What differs between the SQL engines veil compiles a policy for, in one
// place (as SQLGlot's dialects: a base table of expressions, and a dialect
// that overrides only the entries it spells differently). The compiler
// (compile.ts) builds every expression through a dialect and never writes an
// engine's function name itself.
//
// Every expression here is exact against the streaming engine for the same
// text: strings are UTF-8, lengths and substrings count code points, and the
// HMAC is composed from the engine's SHA-256 on bytes (RFC 2104:
// H((K ^ opad) || H((K ^ ipad) || m)), with the padded subkeys held in a
// table, never in the SQL text).

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

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The characters JavaScript's trim removes (ECMAScript WhiteSpace and LineTerminator). */
const JS_SPACE = [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
/** The same as an RE2 or Java character class. */
export const JS_SPACE_CLASS = `[${JS_SPACE.map((c) => `\\x{${c.toString(16).toUpperCase()}}`).join('')}]`;

/** DuckDB 1.5: the base. */
export const duckdb: Dialect = {
  name: 'duckdb',
  ident: (name) => `"${name.replace(/"/g, '""')}"`,
  string: quote,
  bytes: (text) => `encode(${text})`,
  sha256Hex: (bytes) => `sha256(${bytes})`,
  unhex: (hex) => `unhex(${hex})`,
  concatBytes: (a, b) => `(${a} || ${b})`,
  length: (text) => `length(${text})`,
  substring: (text, from, count) => `substring(${text}, ${from}, ${count})`,
  repeat: (text, times) => `repeat(${text}, ${times})`,
  replaceAll: (text, pattern, by) => `regexp_replace(${text}, ${quote(pattern)}, ${quote(by)}, 'g')`,
  matches: (text, pattern) => `regexp_full_match(${text}, ${quote(pattern)})`,
  lower: (text) => `lower(${text})`,
  concat: (...texts) => `(${texts.join(' || ')})`,
  struct: (fields) => `struct_pack(${fields.map(([k, v]) => `${duckdb.ident(k)} := ${v}`).join(', ')})`,
  // trim with a set of characters is slow (5 s for 11M cells): it runs only when an end holds one of them.
  trimJs: (text) => {
    const set = `(${JS_SPACE.map((c) => `chr(${c})`).join(' || ')})`;
    return `(CASE WHEN contains(${set}, left(${text}, 1)) OR contains(${set}, right(${text}, 1)) THEN trim(${text}, ${set}) ELSE ${text} END)`;
  },
  toDouble: (text) => `TRY_CAST(${text} AS DOUBLE)`,
  integerText: (n) => `CAST(CAST(${n} AS BIGINT) AS VARCHAR)`,
  dates: {
    toDate: (text) => `TRY_CAST(${text} AS DATE)`,
    formatDate: (date) => `strftime(${date}, '%Y-%m-%d')`,
    addDays: (date, days) => `(${date} + CAST(${days} AS INTEGER))`,
    quarter: (date) => `CAST(quarter(${date}) AS VARCHAR)`,
    isoYear: (date) => `lpad(CAST(isoyear(${date}) AS VARCHAR), 4, '0')`,
    isoWeek: (date) => `lpad(CAST(week(${date}) AS VARCHAR), 2, '0')`,
    hexToInt: (hex) => `CAST(CAST(('0x' || ${hex}) AS UBIGINT) AS BIGINT)`,
  },
};

/** Spark SQL 3.5: what it spells differently. */
export const spark: Dialect = {
  ...duckdb,
  name: 'spark',
  ident: (name) => `\`${name.replace(/`/g, '``')}\``,
  // Spark's string literals take backslash escapes: double them.
  string: (text) => quote(text.replace(/\\/g, '\\\\')),
  bytes: (text) => `encode(${text}, 'UTF-8')`,
  sha256Hex: (bytes) => `sha2(${bytes}, 256)`,
  concatBytes: (a, b) => `concat(${a}, ${b})`,
  replaceAll: (text, pattern, by) => `regexp_replace(${text}, ${spark.string(pattern)}, ${spark.string(by)})`,
  matches: (text, pattern) => `(${text} RLIKE ${spark.string(`^(?:${pattern})$`)})`,
  concat: (...texts) => `concat(${texts.join(', ')})`,
  struct: (fields) => `named_struct(${fields.map(([k, v]) => `${spark.string(k)}, ${v}`).join(', ')})`,
  trimJs: (text) => `regexp_replace(${text}, ${spark.string(`^${JS_SPACE_CLASS}+|${JS_SPACE_CLASS}+$`)}, '')`,
  toDouble: (text) => `try_cast(${text} AS DOUBLE)`,
  integerText: (n) => `CAST(CAST(${n} AS BIGINT) AS STRING)`,
  dates: undefined,
};

export const DIALECTS = { duckdb, spark } as const;
