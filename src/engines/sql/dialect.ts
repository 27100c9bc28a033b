// What differs between the SQL engines veil compiles a policy for, in one
// place (as SQLGlot's dialects: a base table of expressions, and a dialect
// that overrides only the entries it spells differently). The transforms
// (their `sql` part, src/transforms/sql.ts) build every expression through a
// dialect and never write an engine's function name themselves.

import type { Dialect } from '../../transforms/sql.js';

export type { DateDialect, Dialect } from '../../transforms/sql.js';

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The characters JavaScript's trim removes (ECMAScript WhiteSpace and LineTerminator). */
const JS_SPACE = [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
/** The same as an RE2 or Java character class. */
export const JS_SPACE_CLASS = `[${JS_SPACE.map((c) => `\\x{${c.toString(16).toUpperCase()}}`).join('')}]`;

/** Text whose lower case is the same in every engine (the full Unicode mapping differs: final sigma, dotted I). */
const ASCII = '[\\x{00}-\\x{7F}]*';

/**
 * A text as a JavaScript function registered in DuckDB receives it.
 * @duckdb/node-api 1.5.6 decodes strings with a TextDecoder that drops a
 * leading byte order mark (U+FEFF), so a value that starts with one (or with
 * U+0001, the escape) is handed over after a U+0001, which fromSql takes off;
 * any other value as it is (a prefix on every value made each short one, 12
 * bytes or less, leave DuckDB's inline storage: one native call more per
 * value). NULL stays NULL.
 */
export function toFunction(value: string, d: Dialect): string {
  return `(CASE WHEN starts_with(${value}, chr(1)) OR starts_with(${value}, chr(65279)) THEN ${d.concat('chr(1)', value)} ELSE ${value} END)`;
}

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
  // ASCII is lower-cased by DuckDB (every engine agrees there); other text by veil_lower, JavaScript's toLowerCase, registered by the runner.
  lowerJs: (text) => `CASE WHEN ${duckdb.matches(text, ASCII)} THEN ${duckdb.lower(text)} ELSE veil_lower(${toFunction(text, duckdb)}) END`,
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
  // Spark lower-cases as Java does, with the Unicode special casings JavaScript has (final sigma, dotted I).
  lowerJs: (text) => `lower(${text})`,
  struct: (fields) => `named_struct(${fields.map(([k, v]) => `${spark.string(k)}, ${v}`).join(', ')})`,
  trimJs: (text) => `regexp_replace(${text}, ${spark.string(`^${JS_SPACE_CLASS}+|${JS_SPACE_CLASS}+$`)}, '')`,
  toDouble: (text) => `try_cast(${text} AS DOUBLE)`,
  integerText: (n) => `CAST(CAST(${n} AS BIGINT) AS STRING)`,
  dates: undefined,
};

export const DIALECTS = { duckdb, spark } as const;
