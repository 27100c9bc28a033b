// A checked policy, compiled to one SELECT list for a SQL engine (dialect.ts
// says how each expression is spelled). Pure: it reads the policy and the
// input's header and returns text and descriptions; the engine's runner
// (src/engines/duckdb/) executes them.
//
// Compiled to SQL, exactly (the differential test compares every cell with
// the streaming engine's): keep, drop, redact, mask, hash (with every
// normalizer), generalize by prefix. Run through the streaming engine's own
// function, registered in the engine as a scalar function (DuckDB runs
// JavaScript functions): every other generalization, date-shift, fake. An
// engine that cannot run JavaScript (Spark) gets a coded error naming the
// column instead. Not compiled yet, refused with a coded error before any
// row is read: k-anonymity, noise, randomized response, row rules (consent,
// forget lists), declared types, the Safe Harbor preset.

import { VeilError } from '../../core/errors.js';
import type { Policy, PolicyColumn } from '../../policy/load.js';
import type { Dialect } from './dialect.js';

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
}

export interface CompiledSelect {
  /** Output columns in input order, each an expression over the input relation (alias `i`) and the key table (alias `k`). */
  readonly columns: readonly { readonly name: string; readonly sql: string; readonly source: string; readonly native: boolean }[];
  readonly keys: readonly KeySlot[];
  readonly functions: readonly FunctionColumn[];
}

/** Whitespace as JavaScript's String.prototype.trim sees it (WhiteSpace and LineTerminator), for RE2 and Java. */
const JS_SPACE = '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';
/** Text whose lower case is the same in every engine (the full Unicode mapping differs: final sigma, dotted I). */
const ASCII = '[\\x{00}-\\x{7F}]*';

export function unsupported(feature: string, dialect: Dialect): VeilError {
  return new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `the ${dialect.name} engine does not run ${feature} yet: run it with --engine stream` });
}

/** The policy features an engine does not compile yet, refused before any row is read. */
function refuseUncompiled(policy: Policy, dialect: Dialect): void {
  if (policy.kAnonymity) throw unsupported('k_anonymity', dialect);
  if (policy.rows) throw unsupported('row rules (rows: consent, forget lists)', dialect);
  if (policy.preset) throw unsupported('extends: hipaa-safe-harbor', dialect);
  const typed = policy.columns.find((c) => c.schema);
  if (typed) throw unsupported(`declared types (columns.${typed.name}.type)`, dialect);
  const noisy = policy.columns.find((c) => c.transform === 'noise' || c.transform === 'randomized-response');
  if (noisy) throw unsupported(`${noisy.transform} (columns.${noisy.name}): its randomness must come from a keyed PRF the engine runs`, dialect);
}

/**
 * Compiles the policy's column transforms against the input header (already
 * checked by the streaming engine's compilePipeline: missing and unlisted
 * columns are reported the same way by both engines). `functions`: the
 * engine can call JavaScript functions.
 */
export function compileSelect(policy: Policy, header: readonly string[], dialect: Dialect, options: { functions: boolean }): CompiledSelect {
  refuseUncompiled(policy, dialect);
  const named = new Map(policy.columns.map((c) => [c.name, c]));
  const keys: KeySlot[] = [];
  const functions: FunctionColumn[] = [];
  const columns: { name: string; sql: string; source: string; native: boolean }[] = [];
  const slot = (purpose: string, domain: string): number => {
    const at = keys.findIndex((k) => k.purpose === purpose && k.domain === domain);
    return at >= 0 ? at : keys.push({ purpose, domain }) - 1;
  };
  const ctx: ExprContext = { dialect, slot };
  for (const name of header) {
    const column = named.get(name);
    const value = `i.${dialect.ident(name)}`;
    if (!column) {
      if (policy.unlisted === 'keep') columns.push({ name, sql: value, source: name, native: true });
      continue;
    }
    if (column.configured.drops) continue;
    const native = nativeExpression(column, value, ctx);
    if (native !== undefined) {
      columns.push({ name, sql: native, source: name, native: true });
      continue;
    }
    if (!options.functions) throw unsupported(`${column.transform} (columns.${name}) without JavaScript functions`, dialect);
    const fn: FunctionColumn = { name: `veil_fn_${functions.length}`, column, args: [name, ...column.configured.references] };
    functions.push(fn);
    const args = fn.args.map((a) => toFunction(`i.${dialect.ident(a)}`, dialect)).join(', ');
    columns.push({ name, sql: emptyStays(value, `${fn.name}(${args})`), source: name, native: false });
  }
  return { columns, keys, functions };
}

/**
 * A text as a JavaScript function receives it: after one '.', which the
 * function takes off. @duckdb/node-api 1.5.6 decodes strings with a
 * TextDecoder that drops a leading byte order mark (U+FEFF), so a value that
 * starts with one would reach the function without it. NULL stays NULL.
 */
export function toFunction(value: string, d: Dialect): string {
  return d.concat(d.string('.'), value);
}

interface ExprContext {
  readonly dialect: Dialect;
  slot(purpose: string, domain: string): number;
}

/** Empty cells stay as they are, as in the streaming engine (an empty CSV field is NULL in the engines). */
function emptyStays(value: string, expr: string): string {
  return `CASE WHEN ${value} IS NULL OR ${value} = '' THEN ${value} ELSE ${expr} END`;
}

/** The transform as SQL, or undefined when only the streaming engine's function computes it exactly. */
function nativeExpression(column: PolicyColumn, value: string, ctx: ExprContext): string | undefined {
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
    case 'generalize': {
      if (typeof p.prefix !== 'number' || p.zip === true) return undefined;
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
  const trim = (v: string) => d.replaceAll(v, `^${JS_SPACE}+|${JS_SPACE}+$`, '');
  const lower = (v: string) => (d.name === 'duckdb' ? `CASE WHEN ${d.matches(v, ASCII)} THEN ${d.lower(v)} ELSE veil_lower(${toFunction(v, d)}) END` : undefined);
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
