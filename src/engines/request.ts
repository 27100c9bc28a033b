// The seam between `veil apply` and its engines: what a run is asked (its
// flags, streams and resolved settings, the checked policy, the key, the
// plan) and what every engine returns (one result type). The CLI builds the
// request and chooses the engine (./index.ts); ./finish.ts turns any
// engine's result into the report, the files renamed into place and the
// summary, the same way for every engine.

import type { Writable } from 'node:stream';
import type { ColumnReport } from '../core/pipeline.js';
import type { KStage } from '../core/stage.js';
import type { ResidualScan } from '../governance/residual.js';
import type { Encoding, Format } from '../io/formats.js';
import { sniffStdin } from '../io/files.js';
import { resolveInput, resolveOutput, type InputSettings, type OutputSettings, type PolicyInput } from '../io/settings.js';
import { VeilError } from '../lib/errors.js';
import type { LoadedKey } from '../lib/key.js';
import type { Policy } from '../policy/load.js';
import type { Plan } from '../privacy/plan.js';

export interface ApplyFlags {
  readonly policy: string;
  readonly output?: string;
  readonly report?: string;
  readonly inputFormat?: string;
  readonly outputFormat?: string;
  readonly delimiter?: string;
  readonly encoding?: string;
  readonly outputDelimiter?: string;
  readonly seed?: string;
  readonly keyFile?: string;
  readonly quiet?: boolean;
  readonly plan?: string;
  readonly planOut?: string;
  readonly planMode?: string;
  readonly rejects?: string;
  readonly failOnPii?: boolean;
  readonly threads?: string;
  readonly memory?: string;
  readonly allowDemoKey?: boolean;
  readonly escapeFormulas?: boolean;
  readonly reportHtml?: string;
  readonly utility?: boolean;
  readonly utilityTarget?: string;
  readonly utilityPairs?: string;
  readonly engine?: string;
}

export interface Streams {
  readonly stdout: Writable;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

const usage = (code: 'USAGE_SEED' | 'USAGE_THREADS', text: string) => new VeilError({ kind: 'usage', code, detail: JSON.stringify(text) });

/** --seed: a non-negative integer of up to 15 digits. */
export function seedFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw usage('USAGE_SEED', text);
  return Number(text);
}

/** A memory cap as asked: its bytes, and how it was written (and where: the flag or the variable). */
export interface MemoryCap {
  readonly bytes: number;
  readonly text: string;
  readonly from: '--memory' | 'VEIL_DUCKDB_MEMORY';
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/**
 * --memory, else VEIL_DUCKDB_MEMORY (its older name): a size as DuckDB
 * writes one (400MB, 1.5GB: powers of 1000; 512MiB: of 1024), at least 1 MB.
 * Undefined: no cap.
 */
export function memoryFlag(flag: string | undefined, env: NodeJS.ProcessEnv): MemoryCap | undefined {
  const from = flag !== undefined ? '--memory' : 'VEIL_DUCKDB_MEMORY';
  const text = flag ?? env.VEIL_DUCKDB_MEMORY;
  if (text === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(bytes >= 1e6)) throw new VeilError({ kind: 'usage', code: 'USAGE_MEMORY', detail: `${from} ${JSON.stringify(text)}` });
  return { bytes, text: text.trim(), from };
}

/** --threads: 1 to 64. */
export function threadsFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d{1,2}$/.test(text) ? Number(text) : 0;
  if (n < 1 || n > 64) throw usage('USAGE_THREADS', text);
  return n;
}

export interface Settings {
  readonly inputPath: string | undefined;
  /** What the writing pass reads: CSV or JSON Lines (a Parquet input or a glob of files is first spooled as JSON Lines). */
  readonly inputFormat: Format;
  readonly inputGzip: boolean;
  /** --encoding (or the policy's input.encoding): the input's bytes, converted to UTF-8 as they are read. */
  readonly inputEncoding: Encoding;
  readonly delimiter: string;
  readonly outputPath: string | undefined;
  /** What the writer writes: CSV or JSON Lines (a Parquet output is written from JSON Lines by openParquetSink). */
  readonly outputFormat: Format;
  readonly outputGzip: boolean;
  readonly outputDelimiter: string;
  readonly seed: number | undefined;
  /** --threads, checked; undefined: one per core, at most four. */
  readonly threads: number | undefined;
  /** --memory (or VEIL_DUCKDB_MEMORY), checked: the duckdb engine's cap on the process's data; undefined: DuckDB's limit is 2 GB and nothing else is capped. */
  readonly memory: MemoryCap | undefined;
  readonly escapeFormulas: boolean;
  /**
   * Sample rows for the report's utility measures: asked for (--utility, or
   * implied by --report-html and --utility-target/-pairs). Not by default: on
   * 1M rows kept as they are (two workers) it took the run from 3.3 s to 5.2 s.
   */
  readonly utility: boolean;
}

/** The run's input and output as asked (io/settings.ts), and the settings of the writing pass. */
export interface Asked {
  readonly input: InputSettings;
  readonly output: OutputSettings;
}

/**
 * The settings of a run from its paths and flags (io/settings.ts: flags, then
 * the policy's input section, then the names). `stdin`: what standard
 * input's first bytes showed (sniffStdin): gzip, and JSON Lines when no flag,
 * name or policy says the format.
 */
export function resolveSettings(
  input: string | undefined,
  f: ApplyFlags,
  stdin?: { gzip: boolean; jsonl: boolean; parquet?: boolean },
  policyInput: PolicyInput = {},
  env: NodeJS.ProcessEnv = {},
): Settings & Asked {
  const i = resolveInput(input, f, policyInput, stdin);
  const o = resolveOutput(f.output, f, i);
  return {
    input: i,
    output: o,
    inputPath: i.path,
    inputFormat: i.format === 'parquet' || i.glob ? 'jsonl' : i.format,
    inputGzip: i.gzip,
    inputEncoding: i.encoding,
    delimiter: i.delimiter,
    outputPath: o.path,
    outputFormat: o.format === 'parquet' ? 'jsonl' : o.format,
    outputGzip: o.gzip,
    outputDelimiter: o.delimiter,
    seed: seedFlag(f.seed),
    threads: threadsFlag(f.threads),
    memory: memoryFlag(f.memory, env),
    escapeFormulas: f.escapeFormulas === true,
    utility: f.utility === true || f.reportHtml !== undefined || f.utilityTarget !== undefined || f.utilityPairs !== undefined,
  };
}

/** What standard input holds, by its first bytes, when it is the input (its format counts only when nothing else says). */
export async function stdinKind(input: string | undefined): Promise<{ gzip: boolean; jsonl: boolean; parquet: boolean } | undefined> {
  return input === undefined || input === '-' ? sniffStdin() : undefined;
}

/** A run of `veil apply` as every engine is given it: everything read and checked that does not depend on the engine. */
export interface RunRequest {
  readonly settings: Settings & Asked;
  readonly flags: ApplyFlags;
  readonly io: Streams;
  readonly policy: Policy;
  readonly policySha: string;
  /** The policy's text, for worker threads (which load it again). */
  readonly policyText: string;
  readonly key: LoadedKey | undefined;
  /** --plan, read and parsed; `featurize`: --plan-mode featurize. */
  readonly plan: Plan | undefined;
  readonly featurize: boolean;
  readonly startedAt: Date;
  /** performance.now() when the run started. */
  readonly t0: number;
  /** Set when the duckdb engine was asked for and hands the rows to the streaming engine's transforms: why. */
  readonly rowsBecause?: string;
}

/** What an engine gives back: what it counted and found, and its output, written but not yet in place. */
export interface RunResult {
  readonly rows: { readonly in: number; readonly out: number; readonly removed: Readonly<Record<string, number>> };
  readonly columns: readonly ColumnReport[];
  /** The input's bytes and SHA-256 as read (its files', not a spool's), and how many files a glob named. */
  readonly input: { readonly bytes: number; readonly sha256: string; readonly files?: number };
  /** The output's bytes and SHA-256 as written. */
  readonly output: { readonly bytes: number; readonly sha256: string };
  /** The report's engine section: its name, and what it says of how it ran. */
  readonly engine: { readonly name: string } & Record<string, unknown>;
  readonly stage: Omit<KStage, 'rowRandomness'> | undefined;
  /** The residual check of the published columns (undefined: there were no rows to check). */
  readonly residual: ResidualScan | undefined;
  /** Declared-type violations by column and code. */
  readonly violations?: ReadonlyMap<string, Record<string, number>>;
  /** The report's utility section, and what it warns of. */
  readonly utility?: { readonly section: Record<string, unknown>; readonly warnings: readonly string[] };
  /** The end of the summary line: how the engine ran (", 2 worker threads", ", duckdb 2 threads"). */
  readonly how: string;
  /** Puts the output (and the rejects) into place, after the report is staged. */
  commit(): Promise<void>;
  /** Removes what the run wrote. */
  abort(): Promise<void>;
}

/** An engine: a folder of src/engines/ and its entry in ./index.ts. */
export interface Engine {
  readonly name: string;
  /** Runs the request; what it cannot run, it refuses with a coded error naming the column or the flag. */
  run(request: RunRequest): Promise<RunResult>;
  /**
   * Why this request's rows go through the streaming engine's transforms
   * instead, this engine's reader and writer still reading and writing the
   * files (undefined: the engine runs it all).
   */
  rowsElsewhere?(request: RunRequest): string | undefined;
  /** After this error of run(), the streaming engine runs the request again, and why (nothing was written yet). */
  readAgain?(error: unknown, request: RunRequest): string | undefined;
}
