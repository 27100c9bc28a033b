// What the DuckDB engine reads, described once: the files, their format, and
// the input's columns as veil names them, as written. DuckDB's own names
// ignore case and rename a name given twice (`diagnosis_1`), so the SQL never
// uses them: every column is read by its position (a CSV's columns are given
// positional names, a Parquet file's are renamed by position, and a field of
// a struct is taken by its position in the struct). The checks the streaming
// engine makes of a header are made here for every file: a name given twice
// (INPUT_DUPLICATE_COLUMN) and files whose columns differ
// (INPUT_HEADERS_DIFFER), each naming its file.
//
// A Parquet struct's fields are columns by path (`contact.ssn`), as a JSON
// Lines object's are (src/core/json-paths.ts), unless the policy names the
// struct whole; lists and maps are one value each. A value of a nested type
// is read as its JSON text, as the streaming engine reads a JSON value.

import { promises as fsp } from 'node:fs';
import { VeilError } from '../../lib/errors.js';
import type { JsonPath } from '../../lib/json-paths.js';
import { openInput } from '../../io/files.js';
import { kindOfPath } from '../../io/formats.js';
import { pieces } from '../../io/pieces.js';
import { csvHeader } from '../../io/read.js';
import { utf8 } from '../../io/utf8.js';
import { inputColumn } from '../sql/compile.js';
import { duckdb as dialect } from '../sql/dialect.js';

/** Where a column of the input is read from. */
export interface SourceColumn {
  /** 1-based positions: the file's column, then the field inside each struct down to it. */
  readonly path: readonly number[];
  /** A struct, list or map read as one value: its JSON text. */
  readonly nested: boolean;
}

export interface EngineInput {
  readonly files: readonly string[];
  readonly format: 'csv' | 'parquet';
  readonly delimiter: string;
  /** The columns, as veil names them (struct fields by path). */
  readonly header: readonly string[];
  /** Where each column of the header is read from (CSV: its position). */
  readonly sources: readonly SourceColumn[];
  /** The header's columns that are fields of structs, as paths (their output nests them again). */
  readonly nested: readonly JsonPath[];
  /** Columns the files have at the top (Parquet), which the relation renames by position. */
  readonly width: number;
  /** CSV: the longest record read (else MAX_LINE_BYTES). */
  readonly lineBytes?: number;
}

/** The header of the first CSV record of a file (gzipped too), as the streaming engine reads it (a name given twice is refused). */
async function csvFileHeader(path: string, delimiter: string): Promise<string[]> {
  const input = await openInput(path, kindOfPath(path).gzip);
  try {
    for await (const piece of pieces(input.stream, 'csv')) return csvHeader(utf8(piece.bytes, piece.line), delimiter);
    throw new VeilError({ kind: 'input', code: 'CSV_NO_HEADER', file: path, line: 1 });
  } catch (e) {
    // Said of the file that has the problem, which is not the one named when a glob matched several.
    if (e instanceof VeilError) throw new VeilError(e.problems.map((p) => (p.kind === 'input' ? { ...p, file: path } : p)));
    throw e;
  } finally {
    input.close();
  }
}

/** A Parquet schema element as `parquet_schema()` lists it, in depth-first order. */
export interface SchemaRow {
  readonly file: string;
  readonly name: string;
  readonly children: number;
  readonly repetition: string | null;
  readonly converted: string | null;
  readonly logical: string | null;
}

/** A field of a Parquet file: a struct's fields, or one value (a scalar, or a list or map as a whole). */
interface Field {
  readonly name: string;
  readonly kind: 'scalar' | 'nested' | 'struct';
  readonly fields: readonly Field[];
}

/** The fields of one file, from its schema elements (the first is the root). */
function parquetFields(rows: readonly SchemaRow[]): readonly Field[] {
  let at = 0;
  const take = (): Field => {
    const r = rows[at++]!;
    const fields: Field[] = [];
    for (let k = 0; k < r.children; k++) fields.push(take());
    const collection = /LIST|MAP/.test(r.converted ?? '') || /List|Map/i.test(r.logical ?? '') || r.repetition === 'REPEATED';
    const kind = collection ? 'nested' : r.children > 0 ? 'struct' : 'scalar';
    return { name: r.name, kind, fields: kind === 'struct' ? fields : [] };
  };
  return take().fields;
}

/** A file's columns as a comparable text: names and nesting, not types (DuckDB reads an INT32 and an INT64 column together). */
const shapeOf = (fields: readonly Field[]): string => JSON.stringify(fields, (k, v: unknown) => (k === 'fields' && Array.isArray(v) && v.length === 0 ? undefined : v));

/**
 * The columns of Parquet files: a struct's fields by path unless `whole`
 * names the struct; each name given once at each level, and the same columns
 * in every file.
 */
export function parquetColumns(files: readonly string[], rows: readonly SchemaRow[], whole: (name: string) => boolean): Pick<EngineInput, 'header' | 'sources' | 'nested' | 'width'> {
  const byFile = new Map<string, SchemaRow[]>(files.map((f) => [f, []]));
  for (const r of rows) byFile.get(r.file)?.push(r);
  const first = parquetFields(byFile.get(files[0]!)!);
  const shape = shapeOf(first);
  for (const file of files.slice(1)) {
    if (shapeOf(parquetFields(byFile.get(file)!)) !== shape) {
      throw new VeilError({ kind: 'input', code: 'INPUT_HEADERS_DIFFER', file, expected: `the columns of ${files[0]}` });
    }
  }
  const header: string[] = [];
  const sources: SourceColumn[] = [];
  const nested: JsonPath[] = [];
  const seen = new Set<string>();
  const walk = (fields: readonly Field[], path: readonly string[], positions: readonly number[]): void => {
    const names = new Set<string>();
    fields.forEach((f, i) => {
      const at = [...path, f.name];
      const name = at.join('.');
      // Two fields of one name, or a name that a path also makes ("a.b" beside a struct a with a field b).
      if (names.has(f.name) || seen.has(name)) throw new VeilError({ kind: 'input', code: 'INPUT_DUPLICATE_COLUMN', file: files[0], columnName: name, columnNumber: (positions[0] ?? i + 1) });
      names.add(f.name);
      if (f.kind === 'struct' && f.fields.length > 0 && !whole(name)) return walk(f.fields, at, [...positions, i + 1]);
      seen.add(name);
      header.push(name);
      sources.push({ path: [...positions, i + 1], nested: f.kind !== 'scalar' });
      if (path.length > 0) nested.push(at);
    });
  };
  walk(first, [], []);
  return { header, sources, nested, width: first.length };
}

/** The CSV files' header: the first file's, which every other file must repeat. */
export async function csvColumns(files: readonly string[], delimiter: string): Promise<Pick<EngineInput, 'header' | 'sources' | 'nested' | 'width'>> {
  const header = await csvFileHeader(files[0]!, delimiter);
  for (const other of files.slice(1)) {
    const h = await csvFileHeader(other, delimiter);
    if (h.join('\u0000') !== header.join('\u0000')) throw new VeilError({ kind: 'input', code: 'INPUT_HEADERS_DIFFER', file: other, expected: `the header of ${files[0]}` });
  }
  return { header, sources: header.map((_, j) => ({ path: [j + 1], nested: false })), nested: [], width: header.length };
}

/** The name a file's column is renamed to, by position (never DuckDB's own name for it). */
const fileColumn = (j: number): string => `veil_p${j}`;

/** A Parquet column as its file types it (`typed`: Parquet to Parquet keeps the types of the columns kept). */
export const typedColumn = (j: number): string => `veil_typed_${j}`;

/** The value of a column as the file types it: the file's column, then each struct's field by position. */
function typedValue(s: SourceColumn): string {
  return s.path.slice(1).reduce((x, k) => `struct_extract_at(${x}, ${k})`, `t.${fileColumn(s.path[0]! - 1)}`);
}

/**
 * The input relation: every column as text, named by its position
 * (inputColumn), and with `typed` each also as its file types it
 * (typedColumn). Hive partitions are not read as columns: the columns are the
 * files' own.
 */
export function inputRelation(input: EngineInput, typed = false): string {
  const files = `[${input.files.map((p) => dialect.string(p)).join(', ')}]`;
  if (input.format === 'parquet') {
    const text = input.sources.map((s, j) => `${s.nested ? `CAST(to_json(${typedValue(s)}) AS VARCHAR)` : `CAST(${typedValue(s)} AS VARCHAR)`} AS ${inputColumn(j)}`);
    const types = typed ? input.sources.map((s, j) => `${typedValue(s)} AS ${typedColumn(j)}`) : [];
    const renamed = Array.from({ length: input.width }, (_, j) => fileColumn(j)).join(', ');
    return `(SELECT ${[...text, ...types].join(', ')} FROM read_parquet(${files}, hive_partitioning = false) AS t(${renamed}))`;
  }
  // CSV: every column as text, named by its position.
  const cols = input.header.map((_, j) => `${dialect.string(inputColumn(j))}: 'VARCHAR'`).join(', ');
  return `read_csv(${files}, header = true, auto_detect = false, all_varchar = true, columns = {${cols}}, delim = ${dialect.string(input.delimiter)}, quote = '"', escape = '"', strict_mode = true, null_padding = false, compression = 'auto', hive_partitioning = false, max_line_size = ${input.lineBytes ?? MAX_LINE_BYTES}, buffer_size = ${2 * (input.lineBytes ?? MAX_LINE_BYTES)})`;
}

/**
 * The longest CSV record the duckdb engine reads: 32 MiB (DuckDB's own
 * default is 2 MB; its read buffer, twice this, must hold a record, so a
 * larger limit costs memory on every thread). A longer record is
 * CSV_RECORD_TOO_LONG, with its line; the streaming engine, which holds a
 * record whole in memory, reads it (docs/engines.md).
 */
export const MAX_LINE_BYTES = 32 << 20;

/**
 * Refuses a CSV file whose last record is longer than `limit` bytes, as
 * CSV_RECORD_TOO_LONG: DuckDB (1.4) reads a last record longer than its read
 * buffer as no record at all, without an error, where a longer record
 * before it is an error. A record is at least its last line, so the last
 * line, read from the file's end (a gzipped file is read through), is what
 * is measured.
 */
export async function checkLastRecord(path: string, limit: number, cap: string | undefined): Promise<void> {
  // The line named is the long last line's (counted only when it is refused).
  const too = (lines: number) => new VeilError({ kind: 'input', code: 'CSV_RECORD_TOO_LONG', file: path, line: lines, expected: recordLimit(limit, cap) });
  const countLines = async (): Promise<number> => {
    const input = await openInput(path, kindOfPath(path).gzip);
    let breaks = 0;
    try {
      for await (const chunk of input.stream as AsyncIterable<Buffer>) for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) breaks++;
    } finally {
      input.close();
    }
    return breaks;
  };
  if (!kindOfPath(path).gzip) {
    const handle = await fsp.open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= limit) return;
      const tail = Buffer.alloc(limit + 3);
      await handle.read(tail, 0, tail.length, size - tail.length);
      if (lastLine(tail, tail.length) > limit) {
        const breaks = await countLines();
        throw too(tail[tail.length - 1] === 10 ? breaks : breaks + 1);
      }
    } finally {
      await handle.close();
    }
    return;
  }
  // Gzipped: the lengths of the line being read and of the last one ended, as the text goes by.
  const input = await openInput(path, true);
  let run = 0;
  let ended = 0;
  try {
    for await (const chunk of input.stream as AsyncIterable<Buffer>) {
      const at = chunk.lastIndexOf(10);
      if (at < 0) {
        run += chunk.length;
        continue;
      }
      const before = at > 0 ? chunk.lastIndexOf(10, at - 1) : -1;
      ended = before < 0 ? run + at : at - before - 1;
      run = chunk.length - at - 1;
    }
  } finally {
    input.close();
  }
  if ((run > 0 ? run : ended) > limit + 1) throw too(run > 0 ? (await countLines()) + 1 : await countLines());
}

/** The length of the last line of the first `n` bytes (no line break counted, nor one that ends them). */
function lastLine(bytes: Buffer, n: number): number {
  let end = n;
  if (end > 0 && bytes[end - 1] === 10) end--;
  if (end === 0) return 0;
  if (bytes[end - 1] === 13) end--;
  const at = bytes.lastIndexOf(10, end - 1);
  return end - at - 1;
}

/** What CSV_RECORD_TOO_LONG says of the limit. */
export function recordLimit(limit: number, cap: string | undefined): string {
  return `at most ${limit >> 20} MiB${cap !== undefined ? ` under the memory cap of ${cap}` : ''}`;
}

/**
 * The longest CSV record under a memory cap: DuckDB holds about two read
 * buffers a thread, each twice the record limit (measured: 4M rows, two
 * threads, peak RSS 286 MB with 8 MiB buffers, 377 MB with 32 MiB, 482 MB
 * with 64 MiB), so the limit is the cap over 32 a thread, in whole MiB, from
 * 1 to 32 MiB: 6 MiB under 400MB on two threads.
 */
export function csvLineBytes(cap: { readonly bytes: number }, threads: number): number {
  const mib = Math.floor(cap.bytes / (32 * threads) / 2 ** 20);
  return Math.min(32, Math.max(1, mib)) << 20;
}
