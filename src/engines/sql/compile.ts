// A checked policy, compiled to one SELECT list for a SQL engine (dialect.ts
// says how each expression is spelled). Pure: it reads the policy and the
// input's header and returns text and descriptions; the engine's runner
// (src/engines/duckdb/) executes them.
//
// Each transform owns its SQL (its `sql` part, src/transforms/sql.ts): the
// compiler asks it for the column's expression and never names a transform.
// A transform without an SQL part (fake, noise, randomized response), and the
// values of uncommon shapes a fast path leaves (generalizations, date-shift),
// run through the streaming engine's own function, registered in the engine
// as a scalar function (DuckDB runs JavaScript functions; their randomness
// from the CSPRNG, as in the streaming engine). An engine that cannot run
// JavaScript (Spark) gets one coded error naming the transform and the
// column instead. What `uncompiled` names (row rules, declared types, the
// Safe Harbor preset, a transform only the streaming engine runs) goes
// through the streaming engine's rows (src/engines/index.ts).

import { VeilError } from '../../lib/errors.js';
import type { Policy, PolicyColumn } from '../../policy/load.js';
import { emptyStays, type SqlContext } from '../../transforms/sql.js';
import { toFunction, type Dialect } from './dialect.js';
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
  const streamed = policy.columns.find((c) => c.configured.streamOnly !== undefined);
  if (streamed) return `${streamed.transform} (columns.${streamed.name})`;
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
  for (const name of header) {
    const column = named.get(name);
    const value = ref(name);
    if (!column) {
      if (policy.unlisted === 'keep') columns.push({ name, sql: value, kept: true });
      continue;
    }
    if (column.configured.drops) continue;
    // The transform's own SQL part (src/transforms/sql.ts), when it has one.
    const native = column.configured.sql?.(value, { dialect, column: name, slot, derive, ref } satisfies SqlContext);
    if (typeof native === 'string') {
      columns.push({ name, sql: native, kept: native === value });
      continue;
    }
    if (!options.functions) throw unsupported(`${column.transform} (columns.${name}) without JavaScript functions${column.configured.sql ? ' (its SQL covers common values only)' : ': it has no SQL part'}`, dialect);
    const fn: FunctionColumn = { name: `veil_fn_${functions.length}`, column, args: [name, ...column.configured.references], volatile: column.configured.epsilon !== undefined };
    functions.push(fn);
    const call = `${fn.name}(${fn.args.map((a) => toFunction(ref(a), dialect)).join(', ')})`;
    // A fast path compiled for the common shapes of value, the streaming engine's function for the rest.
    const sql = native === undefined ? emptyStays(value, call) : `CASE WHEN ${value} IS NULL OR ${value} = '' THEN ${value} WHEN ${native.when} THEN ${native.then} ELSE ${call} END`;
    columns.push({ name, sql, kept: false });
  }
  return { columns, keys, functions, derived };
}

/** A text a JavaScript function received through toFunction, as it was. */
export const fromSql = (text: string): string => (text.charCodeAt(0) === 1 ? text.slice(1) : text);
