// How an input is read and an output written, resolved in one place for every
// command (apply on every engine, scan, init, check) from three sources, in
// this order: the flags, the policy's `input:` section, and the file's name
// (its extension; standard input's first bytes). A flag and the policy that
// say different things are a coded error (USAGE_INPUT_CONFLICT), never a
// silent winner: `--delimiter ,` beside `input: { delimiter: ";" }` is a run
// that reads the file one way while its author meant the other.

import { statSync } from 'node:fs';
import { VeilError } from '../lib/errors.js';
import { ENCODINGS, inputNameProblem, isGlob, kindOfPath, outputNameProblem, parseDelimiter, parseEncoding, type Encoding } from './formats.js';

/** The formats veil reads and writes: Parquet through DuckDB (src/engines/duckdb/rows.ts on the streaming engine). */
export type DataFormat = 'csv' | 'jsonl' | 'parquet';
export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'jsonl', 'parquet'];

/** A policy's `input:` section: what its exports are, so that no run has to say it again. */
export interface PolicyInput {
  readonly format?: DataFormat;
  readonly delimiter?: string;
  readonly encoding?: Encoding;
}

/** The flags every command that reads data takes. */
export interface InputFlags {
  readonly inputFormat?: string;
  readonly delimiter?: string;
  readonly encoding?: string;
}

export interface InputSettings {
  /** undefined: standard input. */
  readonly path: string | undefined;
  readonly format: DataFormat;
  readonly gzip: boolean;
  /** The input's bytes, converted to UTF-8 as they are read (CSV and JSON Lines). */
  readonly encoding: Encoding;
  readonly delimiter: string;
  /** The delimiter came from a flag or the policy, not from the name or the default (scan may then read it from the header). */
  readonly delimiterSaid: boolean;
  /** A glob of files (of Parquet or CSV, read by DuckDB; of JSON Lines, by our reader: src/io/concat.ts). */
  readonly glob: boolean;
}

/** Whether DuckDB reads the input: Parquet, and globs of CSV files (JSON Lines, globs of it too, are read by our reader). */
export const readByDuckdb = (input: Pick<InputSettings, 'format' | 'glob'>): boolean => input.format === 'parquet' || (input.glob && input.format !== 'jsonl');

export interface OutputSettings {
  readonly path: string | undefined;
  readonly format: DataFormat;
  readonly gzip: boolean;
  readonly delimiter: string;
}

const usage = (code: 'USAGE_FORMAT' | 'USAGE_FORMAT_NAME' | 'USAGE_DELIMITER' | 'USAGE_INPUT_CONFLICT' | 'USAGE', detail: string) => new VeilError({ kind: 'usage', code, detail });

/** Parquet by its extension (.parquet, .pq, a glob of them too), else what kindOfPath reads from the name. */
export function formatOfPath(path: string | undefined): DataFormat | undefined {
  if (path === undefined || path === '-') return undefined;
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  return kindOfPath(path).format;
}

function formatFlag(text: string | undefined, flag: string): DataFormat | undefined {
  if (text === undefined) return undefined;
  if (!(DATA_FORMATS as readonly string[]).includes(text)) throw usage('USAGE_FORMAT', `${flag} is one of ${DATA_FORMATS.join(', ')}, not ${JSON.stringify(text)}`);
  return text as DataFormat;
}

/** --delimiter, --output-delimiter: one character (\t or tab for a tab). */
export function delimiterFlag(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const d = parseDelimiter(text);
  if (d === undefined) throw usage('USAGE_DELIMITER', JSON.stringify(text));
  return d;
}

function encodingFlag(text: string | undefined): Encoding | undefined {
  if (text === undefined) return undefined;
  const e = parseEncoding(text);
  if (e === undefined) throw usage('USAGE', `--encoding is one of ${ENCODINGS.join(', ')}, not ${JSON.stringify(text)}`);
  return e;
}

/** A flag's value and the policy's, which must agree when both are given. */
function agreed<T>(flag: T | undefined, policy: T | undefined, flagName: string, key: string): T | undefined {
  if (flag !== undefined && policy !== undefined && flag !== policy) {
    throw usage('USAGE_INPUT_CONFLICT', `${flagName} ${JSON.stringify(flag)} and the policy's input.${key} ${JSON.stringify(policy)} disagree: leave out one of them`);
  }
  return flag ?? policy;
}

/**
 * The input's settings. `stdin`: what standard input's first bytes showed
 * (gzip, and JSON Lines or Parquet when nothing else says the format). The policy's
 * format counts for a name that says none (stdin, an unknown extension).
 */
export function resolveInput(input: string | undefined, flags: InputFlags, policy: PolicyInput = {}, stdin?: { gzip: boolean; jsonl: boolean; parquet?: boolean }): InputSettings {
  const path = input === undefined || input === '-' ? undefined : input;
  const flagFormat = formatFlag(flags.inputFormat, '--input-format');
  agreed(flagFormat, policy.format, '--input-format', 'format');
  const problem = inputNameProblem(path, flags.inputFormat !== undefined);
  if (problem) throw usage('USAGE_FORMAT_NAME', problem);
  const kind = kindOfPath(path);
  const format = flagFormat ?? formatOfPath(path) ?? policy.format ?? (path === undefined && stdin?.parquet ? 'parquet' : path === undefined && stdin?.jsonl ? 'jsonl' : 'csv');
  const said = agreed(delimiterFlag(flags.delimiter), policy.delimiter, '--delimiter', 'delimiter');
  const encoding = agreed(encodingFlag(flags.encoding), policy.encoding, '--encoding', 'encoding') ?? 'utf-8';
  return {
    path,
    format,
    gzip: path === undefined ? stdin?.gzip === true : kind.gzip,
    encoding,
    delimiter: said ?? kind.delimiter ?? ',',
    delimiterSaid: said !== undefined,
    glob: isGlob(path),
  };
}

/**
 * The output's settings: --output-format, else the name, else the input's
 * format (CSV for Parquet written to standard output, which is read by
 * people and pipes).
 */
export function resolveOutput(output: string | undefined, flags: { readonly outputFormat?: string; readonly outputDelimiter?: string }, input: InputSettings): OutputSettings {
  const path = output === undefined || output === '-' ? undefined : output;
  const given = formatFlag(flags.outputFormat, '--output-format');
  const named = formatOfPath(path);
  // Never one format under another's name (CSV in out.parquet, Parquet in out.csv).
  if (given !== undefined && named !== undefined && named !== given) throw usage('USAGE_FORMAT_NAME', `--output-format ${given} under the name ${path}, which says ${named}`);
  // A pipe or a device (-o /dev/stdout, a FIFO) is not named for a format.
  const problem = isSpecial(path) ? undefined : outputNameProblem(path, given !== undefined);
  if (problem) throw usage('USAGE_FORMAT_NAME', problem);
  const kind = kindOfPath(path);
  const format = given ?? named ?? (path === undefined && input.format === 'parquet' ? 'csv' : input.format);
  const delimiter = delimiterFlag(flags.outputDelimiter) ?? (input.delimiterSaid ? input.delimiter : undefined) ?? kind.delimiter ?? input.delimiter;
  return { path, format, gzip: kind.gzip, delimiter };
}

/** An existing path that is no regular file (a FIFO, a device). */
function isSpecial(path: string | undefined): boolean {
  if (path === undefined) return false;
  try {
    return !statSync(path).isFile();
  } catch {
    return false;
  }
}
