// `veil apply --engine duckdb`: the policy compiled to SQL (../sql/) and run
// by DuckDB, embedded through @duckdb/node-api: Parquet, CSV (gzipped too)
// and globs of files in; Parquet, CSV or JSON Lines out; every core, with
// DuckDB's own memory limit and spilling.
//
// Every input column is read as text (DuckDB's CSV sniffer would retype
// dates and numbers; Parquet's typed columns are cast to text), by its
// position (./input.ts), so the transforms see what the streaming engine
// sees. The subkeys are appended to a temporary table as bytes, never
// written into SQL text. The published rows are computed once, in one pass
// that writes them to a temporary file beside the target (renamed into
// place on success) and, beside each row, computes what the report counts
// of it (empty and changed values per column, and the residual-PII check:
// decided in SQL where it can be, the streaming engine's own ResidualScan,
// registered as a function, for the rest), added up by a function the rows
// pass through (veil_tally). The input is read once more only for the
// residual check's table of protected values, and the output never; the
// output is renamed after the check, so --fail-on-pii still writes nothing.
//
// What DuckDB spills under memory pressure (raw values among it) goes to a
// private folder (0700, files 0600: the umask is 077 while the engine runs),
// removed on every way out, and by `veil clean` after a SIGKILL. A signal
// interrupts the query before the temporary files are removed.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type * as Api from '@duckdb/node-api';
import { ValueError, VeilError } from '../../lib/errors.js';
import type { ColumnReport } from '../../core/pipeline.js';
import { ResidualScan } from '../../governance/residual.js';
import type { SecretKey } from '../../lib/key.js';
import type { Policy } from '../../policy/load.js';
import type { ColumnFn } from '../../transforms/define.js';
import { noiseFigures, type NoiseFigures } from '../../utility/section.js';
import { compileSelect, fromSql, inputColumn, outputColumn, outputSelect, type CompiledSelect } from '../sql/compile.js';
import { outputTree, type OutputNode } from '../../lib/json-paths.js';
import { onInterrupt, privateFolder } from '../../io/files.js';
import { checkLastRecord, csvColumns, csvLineBytes, inputRelation, MAX_LINE_BYTES, parquetColumns, recordLimit, typedColumn, type EngineInput, type SchemaRow } from './input.js';
import type { KStage } from '../../core/stage.js';
import type { MemoryCap } from '../request.js';
import { kPhase, ROW_NUMBER } from './k-anonymity.js';
import { registerResidual, residualPass } from './residual.js';
import { duckdb as dialect, toFunction } from '../sql/dialect.js';
import { isGlob } from '../../io/formats.js';
import { errnoText } from '../../lib/errno.js';

export type EngineFormat = 'csv' | 'jsonl' | 'parquet';

export interface DuckdbRun {
  readonly input: EngineInput;
  /** The output file (never stdout: the caller copies a temporary file there). */
  readonly outputPath: string;
  /** The output as the user named it, for messages (`<stdout>`). */
  readonly outputName: string;
  readonly outputFormat: EngineFormat;
  readonly outputDelimiter: string;
  readonly outputGzip: boolean;
  readonly policy: Policy;
  /** The streaming engine's column reports (same names, transforms and params); their counts are filled here. */
  readonly columns: readonly ColumnReport[];
  readonly key: SecretKey | undefined;
  readonly seed: number | undefined;
  readonly threads: number | undefined;
  /** --memory: the cap on DuckDB's memory and the JS side's; undefined: DuckDB's limit is 2 GB. */
  readonly memory: MemoryCap | undefined;
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
  readonly engine: { readonly name: string } & Record<string, unknown>;
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

/** DuckDB's memory limit without a cap; past it, DuckDB spills to the temporary folder. */
const MEMORY_LIMIT = '2GB';

/** The JavaScript side's memory: V8's heap and the buffers outside it (DuckDB's chunks as JS values, the appenders'). */
const jsBytes = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** What DuckDB is given of a cap at least: below this it cannot read a chunk of rows, and says so as out of memory. */
const DUCKDB_FLOOR = 16e6;

/**
 * The statements' hook of a connection: under a cap, DuckDB's memory_limit is
 * set before each statement to the cap less what the JS side holds then (the
 * partitioner's groups, the dictionaries, the chunks being handed over).
 */
const beforeStatement = new WeakMap<Api.DuckDBConnection, () => Promise<void>>();

function capDuckdb(connection: Api.DuckDBConnection, cap: MemoryCap): void {
  const start = jsBytes();
  let set = -1;
  beforeStatement.set(connection, async () => {
    const limit = Math.max(Math.min(cap.bytes, DUCKDB_FLOOR), cap.bytes - Math.max(0, jsBytes() - start));
    // Set again only when it moved by more than 1 MiB.
    if (Math.abs(limit - set) < 2 ** 20) return;
    set = limit;
    await connection.run(`SET memory_limit = '${Math.floor(limit / 2 ** 10)}KiB'`);
  });
}

export async function runOnDuckdb(r: DuckdbRun): Promise<DuckdbResult> {
  const duck = api();
  const model = r.policy.kAnonymity;
  const header = r.input.header;
  const compiled = compileSelect(r.policy, header, dialect, { functions: true, kAnonymity: true });
  const shape = outputShape(r, compiled);
  const threads = r.threads ?? availableParallelism();
  // Spill files are made 0600 in a 0700 folder; the output's mode is set back to what the user's umask gives.
  const umask = process.umask(0o077);
  const spill = privateFolder('duckdb');
  let instance: Api.DuckDBInstance | undefined;
  let connection: Api.DuckDBConnection | undefined;
  let stopInterrupt = (): void => {};
  // Settles once the engine is closed: what a signal waits for after it interrupts the query.
  let closed!: () => void;
  const finished = new Promise<void>((done) => (closed = done));
  const cap = r.memory;
  // Under a cap, a CSV record's read buffers (two of twice its limit a thread) are held to about an eighth of it.
  const input: EngineInput = cap && r.input.format === 'csv' ? { ...r.input, lineBytes: csvLineBytes(cap, threads) } : r.input;
  const context: ErrorContext = { spill: spill.path, oneCsv: r.input.format === 'csv' && r.input.files.length === 1, limit: cap?.text, lineBytes: input.lineBytes };
  try {
    if (input.format === 'csv') for (const file of input.files) await checkLastRecord(file, input.lineBytes ?? MAX_LINE_BYTES, cap?.text);
    instance = await duck.DuckDBInstance.create(':memory:', {
      threads: String(threads),
      memory_limit: cap ? `${Math.floor(cap.bytes / 2 ** 10)}KiB` : MEMORY_LIMIT,
      temp_directory: spill.path,
      preserve_insertion_order: 'true',
      // Every join veil writes has its small side on the right, which DuckDB builds its hash table of (the plan of
      // k-anonymity's classes, the protected values). Left to choose, DuckDB cannot count a CSV file's rows without its
      // sniffer and built the table of 4M input rows instead of the 59,456 classes: 1.2 GB and 3x the time.
      disabled_optimizers: 'build_side_probe_side',
      // No extension is installed or loaded from the network: veil downloads nothing at run time.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const c = (connection = await instance.connect());
    if (cap) capDuckdb(c, cap);
    stopInterrupt = onInterrupt(() => {
      c.interrupt();
      return finished;
    });
    await loadKeys(c, compiled, r.key);
    await registerFunctions(duck, c, compiled, r);
    const residual = new ResidualScan(r.columns, new Set(model?.quasiIdentifiers ?? []), r.policy.recognizers);
    registerResidual(duck, c, residual, header);
    const plain = inputRelation(input, shape.typed);
    const keys = compiled.keys.length > 0 ? ' CROSS JOIN veil_keys AS k' : '';
    /** The FROM of the column expressions over an input relation: the keys, and the values computed once per row. */
    const fromOf = (input: string): string => {
      let from = `FROM ${input} AS i${keys}`;
      for (const level of compiled.derived) from = `FROM (SELECT i.*, ${level.map((x) => `${x.sql} AS ${x.name}`).join(', ')} ${from}) AS i${keys}`;
      return from;
    };
    const numbered = `(SELECT *, row_number() OVER () AS ${ROW_NUMBER} FROM ${plain})`;
    const k = model ? await kPhase(duck, c, model, compiled, fromOf(numbered), plain, (sql) => stream(c, sql), (sql) => run(c, sql), cap) : undefined;
    const rowsFrom = `${fromOf(k ? k.input : plain)} ${k?.where ?? ''}`;
    // A kept column of Parquet to Parquet keeps its type (an integer stays an integer for the model that trains on it).
    const value = (c: CompiledSelect['columns'][number], j: number) => k?.published.get(c.name) ?? (shape.typedAt[j] !== undefined ? `i.${typedColumn(shape.typedAt[j])}` : c.sql);
    // The input rows that were published, beside the output rows, in the same order.
    const before = k ? [...k.before.entries()] : [];
    // The residual check's table of protected values, from the published input rows, before the one pass.
    const published = k ? `(SELECT i.* ${rowsFrom})` : plain;
    const scan = await residualPass(residual, header, published, (sql) => run(c, sql), (sql) => readAll(c, sql));
    // One pass: the published rows, computed once (noise is drawn once), each beside what the report counts of it
    // (empty and changed values, values k-anonymity generalized further, the residual check's findings), written and
    // counted as they are written: the input is read once, and the output never.
    // A kept column is published as it is (as text, or as its typed value, whose text is the input's).
    const counted = counts(r, compiled, shape.text, before, (j) => compiled.columns[j]!.kept && !k?.published.has(compiled.columns[j]!.name));
    const flags = [...counted.flags, ...(scan?.flags.map((_, n) => `o.veil_rf${n}`) ?? [])];
    const tally = registerTally(duck, c, flags.length, counted.noise.length);
    const outputs = compiled.columns.map((col, j) => `${value(col, j)} AS ${outputColumn(j)}`);
    const residualColumns = scan ? [`${scan.calls} AS veil_rj`, ...scan.flags.map((f, n) => `${f} AS veil_rf${n}`)] : [];
    const from = `${fromOf(scan ? scan.input : k ? k.input : plain)} ${k?.where ?? ''}`;
    const inner = `SELECT ${[...outputs, ...counted.inner, ...residualColumns].join(', ')} ${from}`;
    const counting = `veil_tally(${[...tally.words(flags), ...counted.noise.flat(), scan ? 'o.veil_rj' : '0'].join(', ')})`;
    const written = await run(c, `COPY (SELECT ${shape.select} FROM (SELECT o.*, ${counting} AS veil_t FROM (${inner}) AS o) AS o WHERE o.veil_t = 0) TO ${dialect.string(r.outputPath)} (${copyOptions(r)})`).catch((e: unknown) => {
      throw engineError(e, { ...context, writing: r.outputName });
    });
    await fsp.chmod(r.outputPath, 0o666 & ~umask);
    const { rows, noise } = counted.take(tally);
    if (rows !== written) throw new Error(`the duckdb engine counted ${rows} published rows and wrote ${written}`);
    scan?.take(tally.counts.slice(counted.flags.length));
    if (k && k.rows !== written + k.removed) throw new Error(`the duckdb engine counted ${k.rows} rows and wrote ${written}, removing ${k.removed}`);
    return {
      rows: k ? k.rows : rows,
      written,
      removed: k?.removed ?? 0,
      stage: k?.stage,
      residual,
      noise,
      engine: { name: 'duckdb', version: duck.version(), threads, memory_limit: cap?.text ?? MEMORY_LIMIT, ...(cap && { memory_cap: `${cap.text} (${cap.from}): DuckDB's limit and veil's tables` }) },
    };
  } catch (e) {
    throw engineError(e, context);
  } finally {
    stopInterrupt();
    connection?.closeSync();
    instance?.closeSync();
    spill.remove();
    process.umask(umask);
    closed();
  }
}

interface OutputShape {
  /** Parquet to Parquet: kept columns keep their types. */
  readonly typed: boolean;
  /** Per published column, the input column whose typed value it keeps as it is. */
  readonly typedAt: readonly (number | undefined)[];
  /** The COPY's columns over veil_out (as o): nested again under their structs, for Parquet and JSON Lines. */
  readonly select: string;
  /** Per published column, its value as text (as the input's text is), for the counts. */
  readonly text: ReadonlyMap<string, string>;
}

/**
 * How the published columns are written: their names as written (DuckDB's
 * identifiers ignore case, so names that differ only in case are refused
 * rather than renamed), the fields of a struct nested again under it (Parquet
 * and JSON Lines; CSV has them by path, `contact.email`), and a nested value
 * kept whole as JSON in JSON Lines.
 */
function outputShape(r: DuckdbRun, compiled: CompiledSelect): OutputShape {
  const { input } = r;
  const typed = input.format === 'parquet' && r.outputFormat === 'parquet';
  const index = new Map(input.header.map((h, j) => [h, j]));
  const names = compiled.columns.map((c) => c.name);
  const typedAt = compiled.columns.map((c) => (typed && c.kept ? index.get(c.name) : undefined));
  const nestedSource = (j: number) => input.sources[index.get(names[j]!)!]?.nested === true;
  const cell = (j: number): string => {
    const o = `o.${outputColumn(j)}`;
    // JSON text kept whole: a JSON value in JSON Lines (as the streaming engine writes it).
    if (typedAt[j] === undefined && r.outputFormat === 'jsonl' && compiled.columns[j]!.kept && nestedSource(j)) return `CAST(${o} AS JSON)`;
    // An empty CSV field is an empty text (DuckDB reads it as NULL): JSON Lines writes "", as the streaming engine does.
    return input.format === 'csv' && r.outputFormat === 'jsonl' ? `coalesce(${o}, '')` : o;
  };
  const nested = r.outputFormat === 'csv' ? [] : input.nested;
  const sameCase = (level: readonly OutputNode[], prefix: string): void => {
    const seen = new Map<string, string>();
    for (const n of level) {
      const folded = n.key.toLowerCase();
      const other = seen.get(folded);
      if (other !== undefined) {
        throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `the duckdb engine cannot write two columns whose names differ only in case (${prefix}${other}, ${prefix}${n.key}): its names ignore case; rename one, or run it with --engine stream` });
      }
      seen.set(folded, n.key);
      if ('children' in n) sameCase(n.children, `${prefix}${n.key}.`);
    }
  };
  sameCase(outputTree(names, nested), '');
  const select = outputSelect(names, nested, dialect, cell);
  const text = new Map(
    compiled.columns.map((c, j) => {
      const o = `o.${outputColumn(j)}`;
      if (typedAt[j] === undefined) return [c.name, o];
      return [c.name, nestedSource(j) ? `CAST(to_json(${o}) AS VARCHAR)` : `CAST(${o} AS VARCHAR)`];
    }),
  );
  return { typed, typedAt, select, text };
}

/** VEIL_TRACE=1: each statement's seconds on stderr (its first words: SQL text, never data or keys); VEIL_TRACE=sql: and its whole text. */
const TRACE = process.env.VEIL_TRACE === '1' || process.env.VEIL_TRACE === 'sql';
const TRACE_LENGTH = process.env.VEIL_TRACE === 'sql' ? Infinity : 40;

/** Runs one statement through `how`, timed under VEIL_TRACE (its errors are made coded problems by engineError). */
async function traced<T>(connection: Api.DuckDBConnection, sql: string, how: (sql: string) => Promise<T>): Promise<T> {
  await beforeStatement.get(connection)?.();
  const t0 = performance.now();
  try {
    return await how(sql);
  } finally {
    if (TRACE) {
      const m = process.memoryUsage();
      const mb = (n: number) => Math.round(n / 2 ** 20);
      process.stderr.write(`veil: trace: ${((performance.now() - t0) / 1000).toFixed(2)} s (rss ${mb(m.rss)} MB, js ${mb(m.heapUsed + m.external)} MB) ${sql.slice(0, TRACE_LENGTH)}\n`);
    }
  }
}

/** Runs a statement; returns the rows it changed (COPY: wrote). */
const run = (connection: Api.DuckDBConnection, sql: string): Promise<number> => traced(connection, sql, async (q) => (await connection.run(q)).rowsChanged);

/** Runs a query and reads its result whole (small: one row of counts). */
const readAll = (connection: Api.DuckDBConnection, sql: string): Promise<unknown[][]> => traced(connection, sql, async (q) => (await connection.runAndReadAll(q)).getRows());

/** Runs a query whose result is read chunk by chunk. */
const stream = (connection: Api.DuckDBConnection, sql: string): Promise<Api.DuckDBResult> => traced(connection, sql, (q) => connection.stream(q));

const FUNCTION_ERROR = /veil-problem:(\{.*?\}):end/;

/** The system's error in a DuckDB message (its text, as strerror gives it), as an errno code. */
const SYSTEM_ERRORS: readonly (readonly [RegExp, string])[] = [
  [/No space left on device/i, 'ENOSPC'],
  [/Read-only file system/i, 'EROFS'],
  [/Permission denied/i, 'EACCES'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  [/File too large/i, 'EFBIG'],
  [/Input\/output error/i, 'EIO'],
  [/No such file or directory/i, 'ENOENT'],
  [/Not a directory/i, 'ENOTDIR'],
  [/Is a directory/i, 'EISDIR'],
];

/** Where an engine error happened, for what it is said to be. */
export interface ErrorContext {
  /** The output is being written (COPY): a system error is the output's. */
  readonly writing?: string;
  /** The private folder of DuckDB's spill files: a system error naming it is theirs. */
  readonly spill?: string;
  /** The input is one CSV file, which the streaming engine can read to find the line. */
  readonly oneCsv?: boolean;
  /** The memory cap, as asked (else DuckDB's limit is MEMORY_LIMIT), and a CSV record's limit under it. */
  readonly limit?: string;
  readonly lineBytes?: number;
}

/**
 * An engine error as a coded problem that names no data: an error raised by
 * one of veil's functions is its own problem; a system error while writing
 * the output or the spill files is said as the streaming engine says a
 * failed write; anything else is a read error, of which only DuckDB's kind of
 * error is passed on (its messages can quote a line of the input).
 */
export function engineError(e: unknown, at: ErrorContext = {}): Error {
  if (e instanceof VeilError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const ours = FUNCTION_ERROR.exec(message);
  if (ours) return new VeilError(JSON.parse(ours[1]!) as never);
  const kind = /^([A-Za-z ]+ Error)/.exec(message)?.[1] ?? 'Error';
  if (/Maximum line size of \d+ bytes exceeded/.test(message)) {
    const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
    return new VeilError({ kind: 'input', code: 'CSV_RECORD_TOO_LONG', ...(line !== undefined && { line: Number(line) }), expected: recordLimit(at.lineBytes ?? MAX_LINE_BYTES, at.limit) });
  }
  // Out of memory is not a read error: the streaming engine is not to read the file again as if it were one.
  if (/^Out of Memory Error/.test(message)) return new VeilError({ kind: 'io', code: 'ENGINE_OUT_OF_MEMORY', limit: at.limit ?? MEMORY_LIMIT });
  const errno = SYSTEM_ERRORS.find(([pattern]) => pattern.test(message))?.[1];
  if (errno !== undefined && at.spill !== undefined && message.includes(at.spill)) return new VeilError({ kind: 'io', code: 'TEMP_WRITE_FAILED', path: at.spill, errno });
  if (errno !== undefined && at.writing !== undefined) return new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: at.writing, errno });
  return new VeilError({ kind: 'input', code: 'ENGINE_READ_FAILED', expected: errno === undefined ? kind : `${kind}: ${errno}`, ...(at.oneCsv && { suggestion: 'run it with --engine stream to find the line' }) });
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
    const position = r.input.header.indexOf(f.column.name) + 1;
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
 * What the report counts of the published rows, computed beside them as they
 * are made (`inner`: the input values they need, over the rows' relation;
 * `flags` and `noise`: over the published values as o), for the tally to add
 * up (registerTally), and what takes its sums: the rows, and per column its
 * empty, changed and unchanged values, exactly, the values k-anonymity
 * generalized further, and each noised column's noise against its spread,
 * on every row (not a sample).
 */
function counts(r: DuckdbRun, compiled: CompiledSelect, output: ReadonlyMap<string, string>, generalized: readonly (readonly [string, string])[], asIs: (j: number) => boolean) {
  const at = new Map(r.input.header.map((h, j) => [h, j]));
  const jOf = new Map(compiled.columns.map((col, j) => [col.name, j]));
  const published = r.columns.filter((col) => col.transform !== 'drop');
  const out = (name: string) => output.get(name)!;
  const inner: string[] = [];
  const flags: string[] = [];
  for (const col of published) {
    const j = jOf.get(col.name)!;
    // A column published as it is is its input value: nothing to carry beside it, and nothing changed.
    const same = asIs(j);
    const source = same ? out(col.name) : `o.veil_s${j}`;
    if (!same) inner.push(`i.${inputColumn(at.get(col.name)!)} AS veil_s${j}`);
    const empty = `(${source} IS NULL OR ${source} = '')`;
    flags.push(empty, same ? 'false' : `(NOT ${empty} AND ${out(col.name)} IS DISTINCT FROM ${source})`);
  }
  // Published coarser by k-anonymity than the column transform left them.
  generalized.forEach(([name, before], g) => {
    inner.push(`${before} AS veil_b${g}`);
    flags.push(`coalesce(o.veil_b${g}, '') <> coalesce(${out(name)}, '')`);
  });
  const noised = published.filter((col) => col.transform === 'noise');
  const noise = noised.map((col) => {
    const j = jOf.get(col.name)!;
    return [`TRY_CAST(o.veil_s${j} AS DOUBLE)`, `TRY_CAST(${out(col.name)} AS DOUBLE)`] as const;
  });
  const take = (tally: Tally): { rows: number; noise: Record<string, NoiseFigures> } => {
    const rows = tally.rows;
    let k = 0;
    for (const col of published) {
      col.stats.empty = tally.counts[k++]!;
      col.stats.changed = tally.counts[k++]!;
      col.stats.unchanged = rows - col.stats.empty - col.stats.changed;
    }
    for (const [name] of generalized) r.columns.find((col) => col.name === name)!.stats.generalized = tally.counts[k++]!;
    const figures: Record<string, NoiseFigures> = {};
    noised.forEach((col, n) => {
      const m = tally.moments[n]!;
      figures[col.name] = noiseFigures(col, m.std(), m.correlation());
    });
    return { rows, noise: figures };
  };
  return { inner, flags, noise, take };
}

/** Bits of a flag word: an INTEGER's, less its sign. */
const WORD_BITS = 31;

/** The sums of a pair (x, y) of doubles, merged chunk by chunk (Chan, Golub and LeVeque): their spreads and correlation. */
class Moments {
  n = 0;
  private mx = 0;
  private my = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;
  private min = Infinity;
  private max = -Infinity;
  /** Adds a chunk's pairs (both numbers). */
  add(xs: readonly number[], ys: readonly number[]): void {
    const n = xs.length;
    if (n === 0) return;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += xs[i]!;
      my += ys[i]!;
      if (xs[i]! < this.min) this.min = xs[i]!;
      if (xs[i]! > this.max) this.max = xs[i]!;
    }
    mx /= n;
    my /= n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = xs[i]! - mx;
      const dy = ys[i]! - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    const total = this.n + n;
    const dx = mx - this.mx;
    const dy = my - this.my;
    const w = (this.n * n) / total;
    this.sxx += sxx + dx * dx * w;
    this.syy += syy + dy * dy * w;
    this.sxy += sxy + dx * dy * w;
    this.mx += (dx * n) / total;
    this.my += (dy * n) / total;
    this.n = total;
  }
  /** The population standard deviation of x (0 exactly for a constant column; NaN with no pair). */
  std(): number {
    if (this.n === 0) return NaN;
    return this.min === this.max ? 0 : Math.sqrt(Math.max(0, this.sxx / this.n));
  }
  /** Pearson's correlation of x and y (NaN when either is constant). */
  correlation(): number {
    const d = Math.sqrt(this.sxx * this.syy);
    return this.n === 0 || this.min === this.max || !(d > 0) ? NaN : this.sxy / d;
  }
}

export interface Tally {
  /** Rows counted. */
  rows: number;
  /** Per flag, the rows it was true of. */
  readonly counts: number[];
  /** Per noised column, its pairs' moments. */
  readonly moments: Moments[];
  /** The flags packed as the tally's words (INTEGER expressions). */
  words(flags: readonly string[]): string[];
}

/**
 * `veil_tally(word..., x, y, ..., calls)`: the report's counts of the rows
 * the output is written from, added up as they pass (volatile: once a row;
 * returns 0, which the pass's WHERE asks of every row, so that none is left
 * out). The flags come packed in INTEGER words of 31; then a double pair per
 * noised column (input, output); last, the residual check's calls, which
 * only have to be made. The counts are sums, so the order in which DuckDB's
 * threads hand in their chunks changes nothing but the noise's spreads, in
 * their last bits (as DuckDB's own aggregates would).
 */
function registerTally(duck: typeof Api, connection: Api.DuckDBConnection, flagCount: number, noised: number): Tally {
  const wordCount = Math.ceil(flagCount / WORD_BITS);
  const tally: Tally = {
    rows: 0,
    counts: new Array<number>(flagCount).fill(0),
    moments: Array.from({ length: noised }, () => new Moments()),
    words: (flags) => {
      const words: string[] = [];
      for (let w = 0; w < wordCount; w++) {
        // A flag that is never true (a column published as it is never changes) takes no work.
        const bits = flags.slice(w * WORD_BITS, (w + 1) * WORD_BITS).flatMap((f, b) => (f === 'false' ? [] : [`(CAST(coalesce(${f}, false) AS INTEGER) << ${b})`]));
        words.push(bits.length === 0 ? '0' : `(${bits.join(' | ')})`);
      }
      return words;
    },
  };
  const xs: number[] = [];
  const ys: number[] = [];
  connection.registerScalarFunction(
    duck.DuckDBScalarFunction.create({
      name: 'veil_tally',
      returnType: duck.INTEGER,
      parameterTypes: [...Array.from({ length: wordCount }, () => duck.INTEGER), ...Array.from({ length: 2 * noised }, () => duck.DOUBLE), duck.INTEGER],
      volatile: true,
      mainFunction: (_info, input, output) => {
        const n = input.rowCount;
        for (let w = 0; w < wordCount; w++) {
          const vector = input.getColumnVector(w);
          const base = w * WORD_BITS;
          for (let i = 0; i < n; i++) {
            let bits = vector.getItem(i) as number;
            while (bits !== 0) {
              const b = 31 - Math.clz32(bits);
              tally.counts[base + b]!++;
              bits ^= 1 << b;
            }
          }
        }
        for (let m = 0; m < noised; m++) {
          const x = input.getColumnVector(wordCount + 2 * m);
          const y = input.getColumnVector(wordCount + 2 * m + 1);
          xs.length = 0;
          ys.length = 0;
          for (let i = 0; i < n; i++) {
            const a = x.getItem(i) as number | null;
            const b = y.getItem(i) as number | null;
            if (a !== null && b !== null) {
              xs.push(a);
              ys.push(b);
            }
          }
          tally.moments[m]!.add(xs, ys);
        }
        tally.rows += n;
        for (let i = 0; i < n; i++) output.setItem(i, 0);
        output.flush();
      },
    }),
  );
  return tally;
}

/** The version of the DuckDB veil embeds. */
export const duckdbVersion = (): string => api().version();

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

/**
 * A short-lived DuckDB for a question about files (their names, their
 * columns), or, with `work`, for reading and writing them whole (every core;
 * its spill files in a private folder, removed after).
 */
export async function ask<T>(question: (c: Api.DuckDBConnection) => Promise<T>, work?: { readonly writing?: string }): Promise<T> {
  const duck = await session(work);
  try {
    return await question(duck.connection);
  } catch (e) {
    throw duck.error(e);
  } finally {
    duck.close();
  }
}

/** A short-lived DuckDB held open by its caller (ask, or a reader of rows that yields as it fetches): close() ends it. */
export async function session(work?: { readonly writing?: string }): Promise<{ connection: Api.DuckDBConnection; error(e: unknown): Error; close(): void }> {
  const duck = api();
  const spill = work ? privateFolder('duckdb') : undefined;
  const instance = await duck.DuckDBInstance.create(':memory:', {
    threads: work ? String(availableParallelism()) : '1',
    ...(spill && { temp_directory: spill.path, memory_limit: MEMORY_LIMIT, preserve_insertion_order: 'true' }),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  const stopInterrupt = spill ? onInterrupt(() => connection.interrupt()) : () => undefined;
  return {
    connection,
    error: (e) => engineError(e, { ...(spill && { spill: spill.path }), ...(work?.writing !== undefined && { writing: work.writing }) }),
    close: () => {
      stopInterrupt();
      connection.closeSync();
      instance.closeSync();
      spill?.remove();
    },
  };
}

/**
 * What the engine reads (./input.ts): the files' columns, with a Parquet
 * struct's fields by path unless `whole` names the struct.
 */
export async function describeInput(files: readonly string[], format: 'csv' | 'parquet', delimiter: string, whole: (name: string) => boolean = () => false): Promise<EngineInput> {
  if (format === 'csv') return { files, format, delimiter, ...(await csvColumns(files, delimiter)) };
  const list = `[${files.map((f) => dialect.string(f)).join(', ')}]`;
  const rows = await ask(async (c) => (await c.runAndReadAll(`SELECT file_name, name, num_children, repetition_type, converted_type, logical_type FROM parquet_schema(${list})`)).getRows());
  const schema: SchemaRow[] = rows.map((x) => ({
    file: String(x[0]),
    name: String(x[1]),
    children: Number(x[2] ?? 0),
    repetition: x[3] === null ? null : String(x[3]),
    converted: x[4] === null ? null : String(x[4]),
    logical: x[5] === null ? null : String(x[5]),
  }));
  return { files, format, delimiter, ...parquetColumns(files, schema, whole) };
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

/**
 * `veil check` of Parquet (or a glob of files): the classes as a GROUP BY in
 * DuckDB, each (quasi-identifiers, sensitive value) combination with its
 * rows, so that memory is bounded by the combinations, not the rows. Values
 * are compared as text, as the streaming check compares them (NULL as "").
 */
export async function groupOnDuckdb(input: EngineInput, columns: readonly string[], each: (values: string[], rows: number) => void): Promise<void> {
  const text = (name: string) => `coalesce(${toFunction(`i.${inputColumn(input.header.indexOf(name))}`, dialect)}, '')`;
  const list = columns.map(text).join(', ');
  await ask(async (c) => {
    const result = await c.stream(`SELECT ${list}, count(*) FROM ${inputRelation(input)} AS i GROUP BY ALL`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of chunk.getRows()) each(row.slice(0, columns.length).map((v) => fromSql(String(v))), Number(row[columns.length]));
    }
  });
}

