// Parquet as rows, for the code that reads and writes rows (the streaming
// engine, scan, init): DuckDB is the source and the sink, and every
// transform stays the one the streaming engine runs. A Parquet input is read
// as ./input.ts reads it for the duckdb engine (every value as text, struct
// fields by path, lists and maps as their JSON text), so both engines see the
// same values; a Parquet output keeps the types of the columns kept as they
// are when the input is Parquet too, as the duckdb engine's does.

import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VeilError } from '../../lib/errors.js';
import type { JsonPath } from '../../lib/json-paths.js';
import { ByteTap, openSink, privateFolder, temporaryFor, type Sink } from '../../io/files.js';
import type { InputEvent } from '../../io/read.js';
import { inputColumn, outputSelect } from '../sql/compile.js';
import { duckdb as dialect } from '../sql/dialect.js';
import { inputRelation, MAX_LINE_BYTES, typedColumn, type EngineInput } from './input.js';
import { ask, session } from './execute.js';

/** The input's rows as the row readers give them: the header, then each row's values (text, or null) with its row number as its line; a consumer that stops early (scan's sample) ends the query. */
export async function* parquetRows(input: EngineInput, limit?: number): AsyncGenerator<InputEvent[]> {
  yield [{ header: [...input.header] }];
  const duck = await session();
  try {
    const cols = input.header.map((_, j) => `i.${inputColumn(j)}`).join(', ');
    const result = await duck.connection.stream(`SELECT ${cols} FROM ${inputRelation(input)} AS i${limit !== undefined && Number.isFinite(limit) ? ` LIMIT ${Math.floor(limit)}` : ''}`);
    let line = 1;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk.getRows().map((row) => ({ row: row.map((v) => (v === null ? null : String(v))), line: ++line }));
    }
  } catch (e) {
    throw duck.error(e);
  } finally {
    duck.close();
  }
}

/**
 * The input written as JSON Lines to `path` (a private spool): each row one
 * object, struct fields nested under their struct, every value its text (or
 * null), as the streaming engine then reads it.
 */
export async function parquetToJsonl(input: EngineInput, path: string): Promise<void> {
  const select = outputSelect(input.header, input.nested, dialect, (j) => `i.${inputColumn(j)}`);
  await ask((c) => c.run(`COPY (SELECT ${select} FROM ${inputRelation(input)} AS i) TO ${dialect.string(path)} (FORMAT json)`).then(() => undefined), { writing: path });
}

/** The DuckDB type of each input column as its Parquet file types it. */
export async function parquetTypes(input: EngineInput): Promise<Map<string, string>> {
  const rows = await ask(async (c) => (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${inputRelation(input, true)}`)).getRows());
  const byName = new Map(rows.map((r) => [String(r[0]), String(r[1])]));
  return new Map(input.header.map((h, j) => [h, byName.get(typedColumn(j))!]));
}

export interface ParquetShape {
  /** The published columns in order (struct fields by path). */
  readonly names: readonly string[];
  /** The published columns that are fields of structs (nested again under them). */
  readonly nested: readonly JsonPath[];
  /** Columns published as they are, with the input's type (Parquet to Parquet); the others are text. */
  readonly types: ReadonlyMap<string, string>;
}

/** Text in JSON Lines (`from`, as the streaming engine wrote it) written to `to` as Parquet, with the shape's columns and types. */
export async function jsonlToParquet(from: string, to: string, shape: ParquetShape, outputName: string): Promise<void> {
  const published = new Set(shape.names);
  const nested = shape.nested.filter((p) => published.has(p.join('.')));
  // Each top-level key's type as read: a struct of text fields for a nested column, else text.
  const tree = new Map<string, unknown>();
  const inStruct = new Set(nested.map((p) => p.join('.')));
  for (const name of shape.names) {
    const path = inStruct.has(name) ? nested.find((p) => p.join('.') === name)! : [name];
    let level = tree;
    for (const key of path.slice(0, -1)) {
      if (!level.has(key)) level.set(key, new Map<string, unknown>());
      level = level.get(key) as Map<string, unknown>;
    }
    level.set(path[path.length - 1]!, 'VARCHAR');
  }
  const typeOf = (node: unknown): string => (node instanceof Map ? `STRUCT(${[...node].map(([k, v]) => `${dialect.ident(k)} ${typeOf(v)}`).join(', ')})` : 'VARCHAR');
  const columns = [...tree].map(([k, v]) => `${dialect.string(k)}: ${dialect.string(typeOf(v))}`).join(', ');
  const leaf = (j: number): string => {
    const name = shape.names[j]!;
    const path = inStruct.has(name) ? nested.find((p) => p.join('.') === name)! : [name];
    const ref = `o.${path.map((k) => dialect.ident(k)).join('.')}`;
    const type = shape.types.get(name);
    return type === undefined ? ref : `CAST(${ref} AS ${type})`;
  };
  if (shape.names.length === 0) throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: 'a Parquet output needs at least one published column' });
  const select = outputSelect(shape.names, nested, dialect, leaf);
  const source = `read_json(${dialect.string(from)}, format = 'newline_delimited', columns = {${columns}}, maximum_object_size = ${2 * MAX_LINE_BYTES})`;
  await ask((c) => c.run(`COPY (SELECT ${select} FROM ${source} AS o) TO ${dialect.string(to)} (FORMAT parquet, COMPRESSION zstd)`).then(() => undefined), { writing: outputName });
}

/**
 * Where the streaming engine's rows go when the output is Parquet: its JSON
 * Lines to a private spool, written as Parquet on end() to a temporary file
 * beside the target (its bytes and digest in the tap), renamed into place on
 * commit; to standard output, copied there on commit. The shape is asked for
 * on end(), once the header is known.
 */
export async function openParquetSink(path: string | undefined, stdout: NodeJS.WritableStream, shape: () => ParquetShape | undefined): Promise<Sink> {
  const folder = privateFolder('rows');
  const spool = join(folder.path, 'rows.jsonl');
  const inner = await openSink(spool, false, stdout as never, { private: true });
  const special = path !== undefined && (await fsp.stat(path).then((st) => !st.isFile(), () => false));
  const target = temporaryFor(path === undefined || special ? join(folder.path, 'out.parquet') : path);
  const tap = new ByteTap();
  const named = path ?? '<stdout>';
  let state: 'open' | 'ended' | 'done' = 'open';
  const failed = (e: NodeJS.ErrnoException): never => {
    throw new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: named, errno: e.code ?? 'error' });
  };
  const cleanup = async (): Promise<void> => {
    await fsp.rm(target.path, { force: true });
    target.release();
    folder.remove();
  };
  return {
    tap,
    write: (text) => inner.write(text),
    async end() {
      await inner.end();
      await inner.commit();
      const s = shape();
      if (s === undefined) throw new Error('the Parquet sink ended before the header was known');
      await jsonlToParquet(spool, target.path, s, named);
      await fsp.rm(spool, { force: true });
      await pipeline(createReadStream(target.path), tap, new Writable({ write: (_c, _e, done) => done() }));
      state = 'ended';
    },
    async commit() {
      if (state !== 'ended') return;
      if (path === undefined) await pipeline(createReadStream(target.path), stdout as never, { end: false });
      else if (special) await pipeline(createReadStream(target.path), createWriteStream(path, { flags: 'w' })).catch(failed);
      else await fsp.rename(target.path, path).catch(failed);
      state = 'done';
      await cleanup();
    },
    async abort() {
      if (state === 'done') return;
      state = 'done';
      await inner.abort();
      await cleanup();
    },
  };
}
