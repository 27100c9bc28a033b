// What `veil apply` is asked (its flags and streams), and which engine runs
// it: the one place both engines' wiring (apply.ts, apply-duckdb.ts) and
// `veil check` read.

import type { Writable } from 'node:stream';
import { VeilError } from '../lib/errors.js';
import type { Encoding, Format } from '../io/formats.js';
import { sniffStdin } from '../io/files.js';
import { resolveInput, resolveOutput, type InputSettings, type OutputSettings, type PolicyInput } from '../io/settings.js';
export { delimiterFlag } from '../io/settings.js';

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

/** --threads: 1 to 64. */
export function threadsFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d{1,2}$/.test(text) ? Number(text) : 0;
  if (n < 1 || n > 64) throw usage('USAGE_THREADS', text);
  return n;
}

/**
 * The engine: --engine, else DuckDB for Parquet (in or out) and globs of
 * files, and the streaming engine for the rest (CSV and JSON Lines, stdin:
 * see docs/engines.md for why).
 */
export function engineOf(input: InputSettings, output: OutputSettings, flags: ApplyFlags): 'stream' | 'duckdb' {
  if (flags.engine !== undefined) {
    if (flags.engine !== 'stream' && flags.engine !== 'duckdb') throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `--engine is stream or duckdb, not ${JSON.stringify(flags.engine)}` });
    return flags.engine;
  }
  return input.format === 'parquet' || output.format === 'parquet' || input.glob ? 'duckdb' : 'stream';
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
export function resolveSettings(input: string | undefined, f: ApplyFlags, stdin?: { gzip: boolean; jsonl: boolean; parquet?: boolean }, policyInput: PolicyInput = {}): Settings & Asked {
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
    escapeFormulas: f.escapeFormulas === true,
    utility: f.utility === true || f.reportHtml !== undefined || f.utilityTarget !== undefined || f.utilityPairs !== undefined,
  };
}

/** What standard input holds, by its first bytes, when it is the input (its format counts only when nothing else says). */
export async function stdinKind(input: string | undefined): Promise<{ gzip: boolean; jsonl: boolean; parquet: boolean } | undefined> {
  return input === undefined || input === '-' ? sniffStdin() : undefined;
}

