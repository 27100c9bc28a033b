// A checked policy, compiled to one SELECT list for a SQL engine (dialect.ts
// says how each expression is spelled). Pure: it reads the policy and the
// input's header and returns text and descriptions; the engine's runner
// (src/engines/duckdb/) executes them.
//
// Compiled to SQL, exactly (the differential test compares every cell with
// the streaming engine's): keep, drop, redact, mask, hash (with every
// normalizer), generalize by prefix. Run through the streaming engine's own
// function, registered in the engine as a scalar function (DuckDB runs
// JavaScript functions): fake, noise and randomized response (their
// randomness from the CSPRNG, as in the streaming engine), and the values of
// uncommon shapes of the generalizations and date-shift (their common shapes
// are compiled). An engine that cannot run JavaScript (Spark) gets a coded
// error naming the column instead. Not compiled yet, refused with a coded
// error before any row is read: k-anonymity, row rules (consent, forget
// lists), declared types, the Safe Harbor preset.

import { VeilError } from '../../lib/errors.js';
import type { Policy, PolicyColumn } from '../../policy/load.js';
import { bottomCode, formatNumber, realRange, topCode } from '../../lib/numeric.js';
import type { DateDialect, Dialect } from './dialect.js';
import { outputTree, type JsonPath, type OutputNode } from '../../lib/json-paths.js';

/** A subkey slot: HMAC-SHA256 under the key derived for (purpose, domain), its padded halves in the key table. */
export interface KeySlot {
  readonly purpose: string;
  readonly domain: string;
}

/** A column computed by the streaming engine's own function, registered in the engine. */
export interface FunctionColumn {
  /** The function's name in the engine. */
  readonly name: string;
  readonly column: PolicyColumn;
  /** Input columns it is called with: the value, then the columns it references (date-shift's `by`). */
  readonly args: readonly string[];
  /** It draws randomness (noise, randomized response): called once per row, never once per distinct value. */
  readonly volatile: boolean;
}

export interface CompiledSelect {
  /** Output columns in input order, each an expression over the input relation (alias `i`) and the key table (alias `k`). */
  /** `kept`: published as it is (keep, or unlisted: keep). */
  readonly columns: readonly { readonly name: string; readonly sql: string; readonly kept: boolean }[];
  readonly keys: readonly KeySlot[];
  readonly functions: readonly FunctionColumn[];
  /**
   * Values computed once per row before the output columns, in levels (a
   * level may use the ones before it): the relation the columns read is
   * `SELECT *, <level 1> FROM (SELECT *, <level 0> FROM input AS i, keys AS k) ...`.
   */
  readonly derived: readonly (readonly { readonly name: string; readonly sql: string }[])[];
}

/**
 * The input relation's name for the header's column j: by position, never by
 * the column's own name, which DuckDB and Spark compare ignoring case (two
 * columns `diagnosis` and `Diagnosis` are two columns to veil).
 */
export const inputColumn = (j: number): string => `veil_c${j}`;

/** The name of the j-th published column in the relation of the published rows (before they are nested). */
export const outputColumn = (j: number): string => `veil_o${j}`;

/**
 * The output's columns over the relation of the published rows (as o, each
 * named outputColumn(j)): the fields of nested columns gathered again into
 * structs (`nested`: their paths; none for CSV, which has them by path), each
 * column's value given by `cell`.
 */
export function outputSelect(names: readonly string[], nested: readonly JsonPath[], dialect: Dialect, cell: (j: number) => string = (j) => `o.${outputColumn(j)}`): string {
  const published = new Set(names);
  const tree = outputTree(names, nested.filter((p) => published.has(p.join('.'))));
  const expr = (n: OutputNode): string => ('children' in n ? dialect.struct(n.children.map((m) => [m.key, expr(m)] as const)) : cell(n.at));
  return tree.map((n) => `${expr(n)} AS ${dialect.ident(n.key)}`).join(', ');
}

/** Text whose lower case is the same in every engine (the full Unicode mapping differs: final sigma, dotted I). */
const ASCII = '[\\x{00}-\\x{7F}]*';

export function unsupported(feature: string, dialect: Dialect): VeilError {
  return new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `the ${dialect.name} engine does not run ${feature} yet: run it with --engine stream` });
}

/** The first policy feature an engine does not compile yet (undefined: none), named with its column. */
export function uncompiled(policy: Policy, kAnonymity: boolean): string | undefined {
  if (policy.kAnonymity && !kAnonymity) return 'k_anonymity';
  const model = policy.kAnonymity;
  for (const name of model ? [...model.quasiIdentifiers, ...(model.lDiversity ? [model.lDiversity.sensitive] : [])] : []) {
    const column = policy.columns.find((c) => c.name === name);
    if (column?.configured.drops) return `k_anonymity over a dropped column (${name})`;
    if (column?.configured.epsilon !== undefined) return `k_anonymity over ${column.transform} (${name}): each phase would draw it anew`;
  }
  if (policy.rows) return 'row rules (rows: consent, forget lists)';
  if (policy.preset) return 'extends: hipaa-safe-harbor';
  // Its counts of spans and the residual check of its output are the streaming engine's.
  const scrubbed = policy.columns.find((c) => c.transform === 'scrub');
  if (scrubbed) return `scrub (columns.${scrubbed.name})`;
  const marked = policy.columns.find((c) => c.na);
  if (marked) return `missing-value markers (columns.${marked.name}.na)`;
  const dated = policy.columns.find((c) => c.dateFormats || c.decimalComma);
  if (dated) return `date and number formats (columns.${dated.name})`;
  const typed = policy.columns.find((c) => c.schema);
  if (typed) return `declared types (columns.${typed.name}.type)`;
  return undefined;
}

/** Refused before any row is read: what the engine does not compile. */
function refuseUncompiled(policy: Policy, dialect: Dialect, kAnonymity: boolean): void {
  const feature = uncompiled(policy, kAnonymity);
  if (feature !== undefined) throw unsupported(feature, dialect);
}

/**
 * Compiles the policy's column transforms against the input header (already
 * checked by the streaming engine's compilePipeline: missing and unlisted
 * columns are reported the same way by both engines). `functions`: the
 * engine can call JavaScript functions.
 */
export function compileSelect(policy: Policy, header: readonly string[], dialect: Dialect, options: { functions: boolean; kAnonymity?: boolean }): CompiledSelect {
  refuseUncompiled(policy, dialect, options.kAnonymity === true);
  const named = new Map(policy.columns.map((c) => [c.name, c]));
  const keys: KeySlot[] = [];
  const functions: FunctionColumn[] = [];
  const columns: { name: string; sql: string; kept: boolean }[] = [];
  const slot = (purpose: string, domain: string): number => {
    const at = keys.findIndex((k) => k.purpose === purpose && k.domain === domain);
    return at >= 0 ? at : keys.push({ purpose, domain }) - 1;
  };
  const derived: { name: string; sql: string }[][] = [];
  const derive = (level: number, sql: string): string => {
    while (derived.length <= level) derived.push([]);
    const found = derived[level]!.find((x) => x.sql === sql);
    if (found) return `i.${found.name}`;
    const name = `veil_d${level}_${derived[level]!.length}`;
    derived[level]!.push({ name, sql });
    return `i.${name}`;
  };
  const at = new Map(header.map((name, j) => [name, `i.${inputColumn(j)}`]));
  const ref = (name: string): string => {
    const found = at.get(name);
    if (found === undefined) throw new Error(`compileSelect: the header has no column ${JSON.stringify(name)} (compilePipeline checks it first)`);
    return found;
  };
  const ctx: ExprContext = { dialect, slot, derive, ref };
  for (const name of header) {
    const column = named.get(name);
    const value = ref(name);
    if (!column) {
      if (policy.unlisted === 'keep') columns.push({ name, sql: value, kept: true });
      continue;
    }
    if (column.configured.drops) continue;
    const native = nativeExpression(column, value, ctx);
    if (typeof native === 'string') {
      columns.push({ name, sql: native, kept: native === value });
      continue;
    }
    if (!options.functions) throw unsupported(`${column.transform} (columns.${name}) without JavaScript functions`, dialect);
    const fn: FunctionColumn = { name: `veil_fn_${functions.length}`, column, args: [name, ...column.configured.references], volatile: column.configured.epsilon !== undefined };
    functions.push(fn);
    const call = `${fn.name}(${fn.args.map((a) => toFunction(ref(a), dialect)).join(', ')})`;
    // A fast path compiled for the common shapes of value, the streaming engine's function for the rest.
    const sql = native === undefined ? emptyStays(value, call) : `CASE WHEN ${value} IS NULL OR ${value} = '' THEN ${value} WHEN ${native.when} THEN ${native.then} ELSE ${call} END`;
    columns.push({ name, sql, kept: false });
  }
  return { columns, keys, functions, derived };
}

/**
 * A text as a JavaScript function receives it. @duckdb/node-api 1.5.6
 * decodes strings with a TextDecoder that drops a leading byte order mark
 * (U+FEFF), so a value that starts with one (or with U+0001, the escape)
 * is handed over after a U+0001, which fromSql takes off; any other value
 * as it is (a prefix on every value made each short one, 12 bytes or less,
 * leave DuckDB's inline storage: one native call more per value). NULL
 * stays NULL.
 */
export function toFunction(value: string, d: Dialect): string {
  return `(CASE WHEN starts_with(${value}, chr(1)) OR starts_with(${value}, chr(65279)) THEN ${d.concat('chr(1)', value)} ELSE ${value} END)`;
}

/** A text a JavaScript function received through toFunction, as it was. */
export const fromSql = (text: string): string => (text.charCodeAt(0) === 1 ? text.slice(1) : text);

interface ExprContext {
  readonly dialect: Dialect;
  slot(purpose: string, domain: string): number;
  /** A value computed once per row at a level (0 reads the input and the keys), returned as a column reference. */
  derive(level: number, sql: string): string;
  /** An input column by its name. */
  ref(name: string): string;
}

/** Empty cells stay as they are, as in the streaming engine (an empty CSV field is NULL in the engines). */
function emptyStays(value: string, expr: string): string {
  return `CASE WHEN ${value} IS NULL OR ${value} = '' THEN ${value} ELSE ${expr} END`;
}

/** A fast path: values for which `when` holds are computed by `then`; the others by the streaming engine's function. */
interface FastPath {
  readonly when: string;
  readonly then: string;
}

/**
 * The transform as SQL; or a fast path for the values of the common shapes
 * (plain integers and decimals, plain dates), the streaming engine's function
 * computing the rest; or undefined when only that function computes it.
 */
function nativeExpression(column: PolicyColumn, value: string, ctx: ExprContext): string | FastPath | undefined {
  const d = ctx.dialect;
  const p = column.configured.params;
  switch (column.transform) {
    case 'keep':
      return value;
    case 'redact':
      return emptyStays(value, d.string(String(p.with)));
    case 'hash': {
      const normalized = normalize(String(p.normalize), value, d);
      if (normalized === undefined) return undefined;
      const k = ctx.slot('hash', typeof p.domain === 'string' ? p.domain : column.name);
      const inner = d.sha256Hex(d.concatBytes(`k.k${k}_i`, d.bytes(normalized)));
      const mac = d.sha256Hex(d.concatBytes(`k.k${k}_o`, d.unhex(inner)));
      return emptyStays(value, d.substring(mac, '1', String(p.length)));
    }
    case 'mask': {
      const first = Number(p.keep_first);
      const last = Number(p.keep_last);
      const char = d.string(String(p.char));
      const n = d.length(value);
      const middle = `${n} - ${first + last}`;
      const kept = d.concat(d.substring(value, '1', String(first)), d.repeat(char, middle), d.substring(value, `${n} - ${last - 1}`, String(last)));
      return emptyStays(value, `CASE WHEN ${n} <= ${first + last} THEN ${d.repeat(char, n)} ELSE ${kept} END`);
    }
    case 'date-shift':
      return ctx.dialect.dates ? dateShiftPath(p, column, value, ctx, ctx.dialect.dates) : undefined;
    case 'generalize': {
      if (typeof p.prefix !== 'number') return ctx.dialect.dates ? generalizePath(p, value, ctx.dialect, ctx.dialect.dates) : undefined;
      if (p.zip === true) return undefined;
      const cut = d.substring(value, '1', String(p.prefix));
      const restricted = Array.isArray(p.restricted) ? (p.restricted as string[]) : [];
      if (restricted.length === 0) return emptyStays(value, cut);
      return emptyStays(value, `CASE WHEN ${cut} IN (${restricted.map((r) => d.string(r)).join(', ')}) THEN ${d.string('0'.repeat(p.prefix))} ELSE ${cut} END`);
    }
    default:
      return undefined;
  }
}

/**
 * The normalizers of src/lib/normalize.ts. Lower case is compiled for ASCII
 * text only (every engine agrees there); other text goes through the
 * function `veil_lower`, JavaScript's toLowerCase, registered by the runner.
 * Without JavaScript functions, such a column is not compiled.
 */
function normalize(kind: string, value: string, d: Dialect): string | undefined {
  const trim = (v: string) => d.trimJs(v);
  // Spark lower-cases as Java does, with the Unicode special casings JavaScript has (final sigma, dotted I).
  const lower = (v: string) => (d.name === 'duckdb' ? `CASE WHEN ${d.matches(v, ASCII)} THEN ${d.lower(v)} ELSE veil_lower(${toFunction(v, d)}) END` : d.lower(v));
  switch (kind) {
    case 'none':
      return value;
    case 'trim':
      return trim(value);
    case 'lowercase':
      return lower(value);
    case 'email': {
      const t = trim(value);
      return lower(t);
    }
    case 'digits':
      return d.replaceAll(value, '[^0-9]+', '');
    default:
      return undefined;
  }
}

/** Plain integers of up to 15 digits: exact as doubles, written by JavaScript as they are computed. */
const PLAIN_INTEGER = '-?[0-9]{1,15}';
/** Plain decimals: both engines read them as the nearest double. */
const PLAIN_DECIMAL = '-?[0-9]{1,15}(\\.[0-9]{1,15})?';
/** Plain dates of the years 1000 to 8999 (a shift of up to 100 years stays within 0000-9999). */
const PLAIN_DATE = '[1-8][0-9]{3}-[0-9]{2}-[0-9]{2}';

/** A number literal as JavaScript wrote it (the engines read it back as the same double). */
const numberLiteral = (n: number): string => {
  const text = String(n);
  return /e/i.test(text) ? `CAST('${text}' AS DOUBLE)` : `CAST(${text} AS DOUBLE)`;
};

/** The generalizations of numbers and dates (generalize.ts), for plain values; the interval texts are made here, by the same code. */
function generalizePath(p: Record<string, unknown>, value: string, d: Dialect, dates: DateDialect): FastPath | undefined {
  const num = d.toDouble(value);
  const plain = d.matches(value, PLAIN_DECIMAL);
  if (Array.isArray(p.bins)) {
    const bins = p.bins as number[];
    const arms = [`WHEN ${num} < ${numberLiteral(bins[0]!)} THEN ${d.string(bottomCode(bins[0]!))}`, `WHEN ${num} >= ${numberLiteral(bins[bins.length - 1]!)} THEN ${d.string(topCode(bins[bins.length - 1]!))}`];
    for (let i = 1; i < bins.length; i++) arms.push(`WHEN ${num} < ${numberLiteral(bins[i]!)} THEN ${d.string(realRange(bins[i - 1]!, bins[i]!))}`);
    return { when: plain, then: `CASE ${arms.join(' ')} END` };
  }
  if (typeof p.width === 'number') {
    // Integer widths on plain integers; real widths' bounds are written by formatNumber: the function does those.
    if (p.integer !== true) return undefined;
    const width = p.width;
    const top = typeof p.top === 'number' ? p.top : undefined;
    const bottom = typeof p.bottom === 'number' ? p.bottom : undefined;
    const origin = bottom ?? 0;
    const lo = `(${origin} + floor((${num} - ${origin}) / ${width}) * ${width})`;
    const hi = top === undefined ? `(${lo} + ${width})` : `least(${lo} + ${width}, ${top})`;
    const loText = d.integerText(lo);
    const hiText = d.integerText(`(${hi} - 1)`);
    const range = `CASE WHEN ${lo} >= 0 THEN ${d.concat(loText, "'-'", hiText)} ELSE ${d.concat("'['", loText, "', '", hiText, "']'")} END`;
    const arms = [
      ...(top !== undefined ? [`WHEN ${num} >= ${top} THEN ${d.string(topCode(top))}`] : []),
      ...(bottom !== undefined ? [`WHEN ${num} < ${bottom} THEN ${d.string(bottomCode(bottom))}`] : []),
    ];
    return { when: d.matches(value, PLAIN_INTEGER), then: arms.length > 0 ? `CASE ${arms.join(' ')} ELSE ${range} END` : range };
  }
  if (typeof p.top === 'number') return { when: plain, then: `CASE WHEN ${num} >= ${numberLiteral(p.top)} THEN ${d.string(topCode(p.top))} ELSE ${value} END` };
  if (typeof p.over === 'number') return { when: plain, then: `CASE WHEN ${num} > ${numberLiteral(p.over)} THEN ${d.string(`>${formatNumber(p.over)}`)} ELSE ${value} END` };
  if (typeof p.to === 'string') {
    const date = dates.toDate(value);
    const when = plainDate(value, d, dates);
    const year = d.substring(value, '1', '4');
    let then: string;
    switch (p.to) {
      case 'year':
        then = year;
        break;
      case 'month':
        then = d.substring(value, '1', '7');
        break;
      case 'day':
        then = value;
        break;
      case 'quarter':
        then = d.concat(year, "'-Q'", dates.quarter(date));
        break;
      case 'week':
        then = d.concat(dates.isoYear(date), "'-W'", dates.isoWeek(date));
        break;
      default:
        return undefined;
    }
    if (typeof p.before === 'number') then = `CASE WHEN ${year} < ${d.string(String(p.before).padStart(4, '0'))} THEN ${d.string(`<${p.before}`)} ELSE ${then} END`;
    return { when, then };
  }
  return undefined;
}

/** A valid calendar date written YYYY-MM-DD and nothing else, of the years 1000 to 8999. */
function plainDate(value: string, d: Dialect, dates: DateDialect): string {
  return `(${d.matches(value, PLAIN_DATE)} AND ${dates.formatDate(dates.toDate(value))} IS NOT DISTINCT FROM ${value})`;
}

/**
 * date-shift (date-shift.ts) for plain dates: the offset from HMAC-SHA256 of
 * the entity under the date-shift subkey, read as five 48-bit windows and
 * kept by rejection as uniformInt does; the rare entity whose five windows
 * are all rejected, an empty entity and every other shape of date go to the
 * function.
 */
function dateShiftPath(p: Record<string, unknown>, column: PolicyColumn, value: string, ctx: ExprContext, dates: DateDialect): FastPath {
  const d = ctx.dialect;
  const maxDays = Number(p.max_days);
  const by = String(p.by);
  const entity = ctx.ref(by);
  const k = ctx.slot('date-shift', typeof p.domain === 'string' ? p.domain : by);
  const mac = ctx.derive(0, d.sha256Hex(d.concatBytes(`k.k${k}_o`, d.unhex(d.sha256Hex(d.concatBytes(`k.k${k}_i`, d.bytes(entity)))))));
  const n = 2 * maxDays;
  const limit = 2 ** 48 - (2 ** 48 % n);
  const windows = [0, 1, 2, 3, 4].map((w) => dates.hexToInt(d.substring(mac, String(1 + 12 * w), '12')));
  const u = ctx.derive(1, `CASE ${windows.map((x) => `WHEN ${x} < ${limit} THEN ${x} % ${n}`).join(' ')} END`);
  const offset = `CASE WHEN ${u} < ${maxDays} THEN ${u} - ${maxDays} ELSE ${u} - ${maxDays - 1} END`;
  void column;
  return {
    when: `(${plainDate(value, d, dates)} AND ${entity} IS NOT NULL AND ${entity} <> '' AND (${u}) IS NOT NULL)`,
    then: dates.formatDate(dates.addDays(dates.toDate(value), offset)),
  };
}
