// `veil apply --engine duckdb`: the policy compiled to SQL (../sql/) and run
// by DuckDB, embedded through @duckdb/node-api: Parquet, CSV (gzipped too)
// and globs of files in; Parquet, CSV or JSON Lines out; every core, with
// DuckDB's own memory limit and spilling.
//
// Every input column is read as text (DuckDB's CSV sniffer would retype
// dates and numbers; Parquet's typed columns are cast to text), so the
// transforms see what the streaming engine sees. The subkeys are appended
// to a temporary table as bytes, never written into SQL text. The output is
// written to a temporary file beside its target and renamed into place on
// success. A second pass counts what the report needs (empty and changed
// values per column) and runs the residual-PII check (the streaming engine's
// own ResidualScan, registered as a function) before the output is renamed,
// so --fail-on-pii still writes nothing.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Api from '@duckdb/node-api';
import { ValueError, VeilError } from '../../core/errors.js';
import type { ColumnReport } from '../../core/pipeline.js';
import { ResidualScan } from '../../governance/residual.js';
import type { SecretKey } from '../../lib/key.js';
import type { Policy } from '../../policy/load.js';
import type { ColumnFn } from '../../transforms/define.js';
import { noiseFigures, type NoiseFigures } from '../../utility/section.js';
import { compileSelect, fromSql, toFunction, type CompiledSelect } from '../sql/compile.js';
import type { KStage } from '../../privacy/stage.js';
import { kPhase, ROW_NUMBER } from './k-anonymity.js';
import { registerResidual, residualAggregate, type ResidualPass } from './residual.js';
import { duckdb as dialect } from '../sql/dialect.js';
import { isGlob } from '../../io/formats.js';
import { errnoText } from '../../lib/errno.js';

export type EngineFormat = 'csv' | 'jsonl' | 'parquet';

export interface DuckdbRun {
  readonly inputs: readonly string[];
  readonly inputFormat: EngineFormat;
  readonly delimiter: string;
  /** The output file (never stdout: the caller copies a temporary file there). */
  readonly outputPath: string;
  readonly outputFormat: EngineFormat;
  readonly outputDelimiter: string;
  readonly outputGzip: boolean;
  readonly policy: Policy;
  readonly header: readonly string[];
  /** The streaming engine's column reports (same names, transforms and params); their counts are filled here. */
  readonly columns: readonly ColumnReport[];
  readonly key: SecretKey | undefined;
  readonly seed: number | undefined;
  readonly threads: number | undefined;
}

export interface DuckdbResult {
  /** Rows read. */
  readonly rows: number;
  readonly written: number;
  /** Rows the k-anonymity stage removed. */
  readonly removed: number;
  readonly stage: Omit<KStage, 'rowRandomness'> | undefined;
  /** Per noised column, its noise against its spread, measured on every row. */
  readonly noise: Record<string, NoiseFigures>;
  readonly residual: ResidualScan;
  readonly engine: Record<string, unknown>;
}

/** @duckdb/node-api, loaded only by the runs that use it (a native module of about 60 MB). */
function api(): typeof Api {
  const require = createRequire(import.meta.url);
  try {
    return require('@duckdb/node-api') as typeof Api;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: 'the duckdb engine needs @duckdb/node-api, which is not installed (npm install @duckdb/node-api)' });
  }
}

/** A Parquet column as its file types it, beside its text (`typed`: Parquet to Parquet keeps the types of the columns kept). */
export const typedColumn = (j: number): string => `veil_typed_${j}`;

/** The input relation: every column as text, named as in the header (Parquet or CSV: JSON Lines is refused before). */
export function inputRelation(inputs: readonly string[], format: EngineFormat, delimiter: string, header: readonly string[], typed = false): string {
  const files = `[${inputs.map((p) => dialect.string(p)).join(', ')}]`;
  if (format === 'parquet') {
    const text = header.map((h) => `CAST(${dialect.ident(h)} AS VARCHAR) AS ${dialect.ident(h)}`);
    const types = typed ? header.map((h, j) => `${dialect.ident(h)} AS ${typedColumn(j)}`) : [];
    return `(SELECT ${[...text, ...types].join(', ')} FROM read_parquet(${files}))`;
  }
  const cols = header.map((h) => `${dialect.string(h)}: 'VARCHAR'`).join(', ');
  return `read_csv(${files}, header = true, auto_detect = false, all_varchar = true, columns = {${cols}}, delim = ${dialect.string(delimiter)}, quote = '"', escape = '"', strict_mode = true, null_padding = false, compression = 'auto')`;
}

function copyOptions(r: DuckdbRun): string {
  switch (r.outputFormat) {
    case 'parquet':
      return "FORMAT parquet, COMPRESSION zstd";
    case 'jsonl':
      return `FORMAT json${r.outputGzip ? ", COMPRESSION gzip" : ''}`;
    case 'csv':
      return `FORMAT csv, HEADER true, DELIMITER ${dialect.string(r.outputDelimiter)}, QUOTE '"', ESCAPE '"'${r.outputGzip ? ", COMPRESSION gzip" : ''}`;
  }
}

/** HMAC-SHA256's two padded keys (RFC 2104) of a subkey. */
function padded(subkey: Buffer): { inner: Uint8Array; outer: Uint8Array } {
  const block = Buffer.alloc(64);
  subkey.copy(block);
  return { inner: Uint8Array.from(block, (b) => b ^ 0x36), outer: Uint8Array.from(block, (b) => b ^ 0x5c) };
}

/** DuckDB's memory limit: VEIL_DUCKDB_MEMORY, else 2 GB; past it, DuckDB spills to the temporary folder. */
const MEMORY_LIMIT = process.env.VEIL_DUCKDB_MEMORY ?? '2GB';

export async function runOnDuckdb(r: DuckdbRun): Promise<DuckdbResult> {
  const duck = api();
  const model = r.policy.kAnonymity;
  const compiled = compileSelect(r.policy, r.header, dialect, { functions: true, kAnonymity: true });
  const threads = r.threads ?? availableParallelism();
  const spill = join(tmpdir(), `veil-duckdb-${process.pid}`);
  const instance = await duck.DuckDBInstance.create(':memory:', {
    threads: String(threads),
    memory_limit: MEMORY_LIMIT,
    temp_directory: spill,
    preserve_insertion_order: 'true',
    // No extension is installed or loaded from the network: veil downloads nothing at run time.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    await loadKeys(connection, compiled, r.key);
    await registerFunctions(duck, connection, compiled, r);
    const residual = new ResidualScan(r.columns, new Set(model?.quasiIdentifiers ?? []));
    registerResidual(duck, connection, residual, r.header);
    // Parquet to Parquet: a column kept as it is keeps its type (an integer stays an integer for the model that trains on it).
    const typed = r.inputFormat === 'parquet' && r.outputFormat === 'parquet';
    const plain = inputRelation(r.inputs, r.inputFormat, r.delimiter, r.header, typed);
    const keys = compiled.keys.length > 0 ? ' CROSS JOIN veil_keys AS k' : '';
    /** The FROM of the column expressions over an input relation: the keys, and the values computed once per row. */
    const fromOf = (input: string): string => {
      let from = `FROM ${input} AS i${keys}`;
      for (const level of compiled.derived) from = `FROM (SELECT i.*, ${level.map((x) => `${x.sql} AS ${x.name}`).join(', ')} ${from}) AS i${keys}`;
      return from;
    };
    const numbered = `(SELECT *, row_number() OVER () AS ${ROW_NUMBER} FROM ${plain})`;
    const k = model ? await kPhase(duck, connection, model, compiled, fromOf(numbered), plain, (sql) => stream(connection, sql), (sql) => run(connection, sql)) : undefined;
    const rowsFrom = `${fromOf(k ? k.input : plain)} ${k?.where ?? ''}`;
    const value = (c: CompiledSelect['columns'][number]) => k?.published.get(c.name) ?? (typed && c.kept ? `i.${typedColumn(r.header.indexOf(c.name))}` : c.sql);
    const select = compiled.columns.map((c) => `${value(c)} AS ${dialect.ident(c.name)}`).join(', ');
    const written = await run(connection, `COPY (SELECT ${select} ${rowsFrom}) TO ${dialect.string(r.outputPath)} (${copyOptions(r)})`);
    // The input rows that were published, beside the output rows, in the same order.
    const before = k ? [...k.before.entries()] : [];
    const published = k ? `(SELECT i.*${before.map(([, e], j) => `, ${e} AS veil_before_${j}`).join('')} ${rowsFrom})` : plain;
    const scan = await residualAggregate(residual, r.header, published, (sql) => run(connection, sql));
    const { rows, noise } = await countPass(connection, r, scan?.input ?? published, outputRelation(r, compiled.columns.map((c) => c.name)), before.map(([name], j) => [name, `i.veil_before_${j}`] as const), scan);
    if (rows !== written) throw new Error(`the duckdb engine read ${rows} rows in its second pass and wrote ${written}`);
    if (k && k.rows !== written + k.removed) throw new Error(`the duckdb engine counted ${k.rows} rows and wrote ${written}, removing ${k.removed}`);
    return {
      rows: k ? k.rows : rows,
      written,
      removed: k?.removed ?? 0,
      stage: k?.stage,
      residual,
      noise,
      engine: { name: 'duckdb', version: duck.version(), threads, memory_limit: MEMORY_LIMIT },
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await fsp.rm(spill, { recursive: true, force: true });
  }
}

/** VEIL_TRACE=1: each statement's seconds on stderr (its first words: SQL text, never data or keys); VEIL_TRACE=sql: and its whole text. */
const TRACE = process.env.VEIL_TRACE === '1' || process.env.VEIL_TRACE === 'sql';
const TRACE_LENGTH = process.env.VEIL_TRACE === 'sql' ? Infinity : 40;

/** Runs one statement through `how`: an error raised by one of veil's functions becomes its coded problem, any other names no data. */
async function traced<T>(sql: string, how: (sql: string) => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await how(sql);
  } catch (e) {
    throw engineError(e);
  } finally {
    if (TRACE) process.stderr.write(`veil: trace: ${((performance.now() - t0) / 1000).toFixed(2)} s ${sql.slice(0, TRACE_LENGTH)}\n`);
  }
}

/** Runs a statement; returns the rows it changed (COPY: wrote). */
const run = (connection: Api.DuckDBConnection, sql: string): Promise<number> => traced(sql, async (q) => (await connection.run(q)).rowsChanged);

/** Runs a query and reads its result whole (small: one row of counts). */
const readAll = (connection: Api.DuckDBConnection, sql: string): Promise<unknown[][]> => traced(sql, async (q) => (await connection.runAndReadAll(q)).getRows());

/** Runs a query whose result is read chunk by chunk. */
const stream = (connection: Api.DuckDBConnection, sql: string): Promise<Api.DuckDBResult> => traced(sql, (q) => connection.stream(q));

const FUNCTION_ERROR = /veil-problem:(\{.*?\}):end/;

function engineError(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const ours = FUNCTION_ERROR.exec(message);
  if (ours) return new VeilError(JSON.parse(ours[1]!) as never);
  // DuckDB's messages can quote a line of the input (a CSV error does): only its kind is passed on.
  const kind = /^([A-Za-z ]+ Error)/.exec(message)?.[1] ?? 'Error';
  return new VeilError({ kind: 'input', code: 'ENGINE_READ_FAILED', expected: kind });
}

/** The subkeys' padded halves, appended as bytes to a one-row temporary table: never in SQL text, logs or a plan's literals. */
async function loadKeys(connection: Api.DuckDBConnection, compiled: CompiledSelect, key: SecretKey | undefined): Promise<void> {
  if (compiled.keys.length === 0) return;
  if (!key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });
  const cols = compiled.keys.flatMap((_, i) => [`k${i}_i BLOB`, `k${i}_o BLOB`]).join(', ');
  await connection.run(`CREATE TEMP TABLE veil_keys (${cols})`);
  const appender = await connection.createAppender('veil_keys', 'main', 'temp');
  for (const slot of compiled.keys) {
    const { inner, outer } = padded(key.derive(slot.purpose, slot.domain));
    appender.appendBlob(inner);
    appender.appendBlob(outer);
  }
  appender.endRow();
  appender.closeSync();
}

function problemOf(e: unknown, column: string, position: number): string {
  if (e instanceof ValueError) {
    return `veil-problem:${JSON.stringify({ kind: 'input', code: e.code, columnName: column, columnNumber: position, expected: e.expected })}:end`;
  }
  return `veil-problem:${JSON.stringify({ kind: 'io', code: 'INTERNAL' })}:end`;
}

/** The streaming engine's own functions for the columns SQL does not compute, and `veil_lower`. */
async function registerFunctions(duck: typeof Api, connection: Api.DuckDBConnection, compiled: CompiledSelect, r: DuckdbRun): Promise<void> {
  connection.registerScalarFunction(
    duck.DuckDBScalarFunction.create({
      name: 'veil_lower',
      returnType: duck.VARCHAR,
      parameterTypes: [duck.VARCHAR],
      mainFunction: (_info, input, output) => {
        const v = input.getColumnVector(0);
        for (let i = 0; i < input.rowCount; i++) {
          const x = v.getItem(i) as string | null;
          output.setItem(i, x === null ? null : fromSql(x).toLowerCase());
        }
        output.flush();
      },
    }),
  );
  for (const f of compiled.functions) {
    const position = r.header.indexOf(f.column.name) + 1;
    const fn: ColumnFn = await f.column.configured.create({
      column: f.column.name,
      key: r.key,
      seed: r.seed,
      columnIndex: (name) => f.args.indexOf(name),
    });
    const row: string[] = new Array<string>(f.args.length).fill('');
    connection.registerScalarFunction(
      duck.DuckDBScalarFunction.create({
        name: f.name,
        returnType: duck.VARCHAR,
        parameterTypes: f.args.map(() => duck.VARCHAR),
        // Deterministic ones may be called once per value of a dictionary (Parquet) rather than once per row; randomized
        // ones must draw for every row. NULL (an empty cell) gives NULL.
        volatile: f.volatile,
        mainFunction: (info, input, output) => {
          const vectors = f.args.map((_, a) => input.getColumnVector(a));
          for (let i = 0; i < input.rowCount; i++) {
            for (let a = 0; a < vectors.length; a++) row[a] = fromSql((vectors[a]!.getItem(i) as string | null) ?? '');
            const value = row[0]!;
            if (value === '') {
              output.setItem(i, null);
              continue;
            }
            let out: string;
            try {
              out = fn(value, row);
            } catch (e) {
              info.setError(problemOf(e, f.column.name, position));
              return;
            }
            output.setItem(i, out);
          }
          output.flush();
        },
      }),
    );
  }
}

/**
 * The second pass: the input beside the output, row by row (a positional
 * join: both are read in order), for the rows, and per column the empty and
 * changed values; and the residual-PII check. Nothing is computed again.
 * Returns the row count.
 */
async function countPass(
  connection: Api.DuckDBConnection,
  r: DuckdbRun,
  input: string,
  output: string,
  generalized: readonly (readonly [string, string])[],
  scan: ResidualPass | undefined,
): Promise<{ rows: number; noise: Record<string, NoiseFigures> }> {
  const source = (name: string) => `i.${dialect.ident(name)}`;
  const empty = (name: string) => `(${source(name)} IS NULL OR ${source(name)} = '')`;
  const published = r.columns.filter((c) => c.transform !== 'drop');
  const aggregates = ['count(*)'];
  for (const c of published) {
    aggregates.push(`count(*) FILTER (WHERE ${empty(c.name)})`);
    aggregates.push(`count(*) FILTER (WHERE NOT ${empty(c.name)} AND o.${dialect.ident(c.name)} IS DISTINCT FROM ${source(c.name)})`);
  }
  // Published coarser by k-anonymity than the column transform left them.
  for (const [name, before] of generalized) aggregates.push(`count(*) FILTER (WHERE coalesce(${before}, '') <> coalesce(o.${dialect.ident(name)}, ''))`);
  const noised = published.filter((c) => c.transform === 'noise');
  for (const c of noised) {
    const x = `TRY_CAST(${source(c.name)} AS DOUBLE)`;
    const y = `TRY_CAST(o.${dialect.ident(c.name)} AS DOUBLE)`;
    aggregates.push(`stddev_pop(${x}) FILTER (WHERE ${y} IS NOT NULL)`, `corr(${x}, ${y})`);
  }
  const scanFrom = aggregates.length;
  if (scan) aggregates.push(...scan.aggregates);
  const values = (await readAll(connection, `SELECT ${aggregates.join(', ')} FROM ${input} AS i POSITIONAL JOIN ${output} AS o`))[0]!;
  const n = (x: unknown) => Number(x ?? 0);
  const rows = n(values[0]);
  let k = 1;
  for (const c of published) {
    c.stats.empty = n(values[k++]);
    c.stats.changed = n(values[k++]);
    c.stats.unchanged = rows - c.stats.empty - c.stats.changed;
  }
  for (const [name] of generalized) r.columns.find((c) => c.name === name)!.stats.generalized = n(values[k++]);
  const noise: Record<string, NoiseFigures> = {};
  for (const c of noised) {
    const std = values[k++];
    const correlation = values[k++];
    noise[c.name] = noiseFigures(c, std === null ? NaN : Number(std), correlation === null ? NaN : Number(correlation));
  }
  scan?.take(values.slice(scanFrom));
  return { rows, noise };
}

/** The output as DuckDB reads it back: every column as text. */
function outputRelation(r: DuckdbRun, names: readonly string[]): string {
  if (r.outputFormat !== 'jsonl') return inputRelation([r.outputPath], r.outputFormat, r.outputDelimiter, names);
  const cols = names.map((h) => `${dialect.string(h)}: 'VARCHAR'`).join(', ');
  return `read_json(${dialect.string(r.outputPath)}, format = 'newline_delimited', columns = {${cols}})`;
}

/** Bytes and SHA-256 of files read one after the other (the report ties itself to them). */
export async function digestFiles(paths: readonly string[]): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A short-lived DuckDB for a question about files (their names, their columns). */
async function ask<T>(question: (c: Api.DuckDBConnection) => Promise<T>): Promise<T> {
  const duck = api();
  const instance = await duck.DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    return await question(connection);
  } catch (e) {
    throw engineError(e);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The files a glob names, in name order (the order they are read and hashed in). */
export async function expandInputs(pattern: string): Promise<string[]> {
  return ask(async (c) => (await c.runAndReadAll(`SELECT file FROM glob(${dialect.string(pattern)}) ORDER BY file`)).getRows().map((r) => String(r[0])));
}

/**
 * The files DuckDB is to read: a glob's matches (at least one), or the one
 * file, which must be a readable file. Said as the streaming engine says it
 * (INPUT_UNREADABLE with the system's code), not as DuckDB's read error.
 */
export async function engineInputs(input: string): Promise<string[]> {
  if (isGlob(input)) {
    const files = await expandInputs(input);
    if (files.length === 0) throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `files matching ${input}` });
    return files;
  }
  const code = await fsp.stat(input).then(
    (st) => (st.isDirectory() ? 'EISDIR' : undefined),
    (e: NodeJS.ErrnoException) => e.code ?? 'error',
  );
  if (code !== undefined) throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `a readable file (${errnoText(code)})` });
  return [input];
}

/** The columns of Parquet files (those of the first; read_parquet refuses files whose columns differ). */
export async function parquetHeader(files: readonly string[]): Promise<string[]> {
  return ask(async (c) => (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${dialect.string(files[0]!)})`)).getRows().map((r) => String(r[0])));
}

/**
 * `veil check` of Parquet (or a glob of files): the classes as a GROUP BY in
 * DuckDB, each (quasi-identifiers, sensitive value) combination with its
 * rows, so that memory is bounded by the combinations, not the rows. Values
 * are compared as text, as the streaming check compares them (NULL as "").
 */
export async function groupOnDuckdb(
  inputs: readonly string[],
  format: EngineFormat,
  delimiter: string,
  header: readonly string[],
  columns: readonly string[],
  each: (values: string[], rows: number) => void,
): Promise<void> {
  const text = (name: string) => `coalesce(${toFunction(`i.${dialect.ident(name)}`, dialect)}, '')`;
  const list = columns.map(text).join(', ');
  await ask(async (c) => {
    const result = await c.stream(`SELECT ${list}, count(*) FROM ${inputRelation(inputs, format, delimiter, header)} AS i GROUP BY ALL`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of chunk.getRows()) each(row.slice(0, columns.length).map((v) => fromSql(String(v))), Number(row[columns.length]));
    }
  });
}

