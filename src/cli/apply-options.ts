// What `veil apply` is asked (its flags and streams), and which engine runs
// it: the one place both engines' wiring (apply.ts, apply-duckdb.ts) and
// `veil check` read.

import type { Writable } from 'node:stream';
import { VeilError } from '../core/errors.js';
import type { EngineFormat } from '../engines/duckdb/run.js';
import { isGlob, kindOfPath, parseDelimiter } from '../io/formats.js';

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

const usage = (code: 'USAGE_SEED' | 'USAGE_THREADS' | 'USAGE_DELIMITER', text: string) => new VeilError({ kind: 'usage', code, detail: JSON.stringify(text) });

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

/** --delimiter, --output-delimiter: one character (\t or tab for a tab). */
export function delimiterFlag(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const d = parseDelimiter(text);
  if (d === undefined) throw usage('USAGE_DELIMITER', text);
  return d;
}

/** Parquet by its extension (.parquet, .pq), else what formats.ts reads from the name. */
export function engineFormatOf(path: string | undefined): EngineFormat | undefined {
  if (path === undefined || path === '-') return undefined;
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  return kindOfPath(path).format;
}


/**
 * The engine: --engine, else DuckDB for Parquet (in or out) and globs of
 * files, which the streaming engine does not read, and the streaming engine
 * for the rest (CSV and JSON Lines, stdin: see docs/engines.md for why).
 */
export function engineOf(input: string | undefined, flags: ApplyFlags): 'stream' | 'duckdb' {
  if (flags.engine !== undefined) {
    if (flags.engine !== 'stream' && flags.engine !== 'duckdb') throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `--engine is stream or duckdb, not ${JSON.stringify(flags.engine)}` });
    return flags.engine;
  }
  const parquet = [input, flags.output].some((p) => engineFormatOf(p) === 'parquet') || flags.inputFormat === 'parquet' || flags.outputFormat === 'parquet';
  return parquet || isGlob(input) ? 'duckdb' : 'stream';
}

