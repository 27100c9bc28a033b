// The rows of an input as the commands that read rows without a policy see
// them (scan, init): CSV and JSON Lines by the streaming readers (a glob of
// JSON Lines files too, one file after the other), Parquet and globs of CSV
// files by DuckDB (./duckdb/rows.ts), from the one
// resolved set of input settings (src/io/settings.ts).

import { spoolFiles } from '../io/concat.js';
import { openInput, removeSpool, spoolInput } from '../io/files.js';
import { readRows, type InputEvent } from '../io/read.js';
import { readByDuckdb, type InputSettings } from '../io/settings.js';
import { VeilError } from '../lib/errors.js';
import { parquetRows } from './duckdb/rows.js';
import { describeInput, engineInputs } from './duckdb/execute.js';

export interface OpenRows {
  readonly events: AsyncGenerator<InputEvent[]>;
  close(): Promise<void>;
}

/**
 * Opens the input's rows. `onMalformed`: CSV records of the wrong number of
 * fields (and JSON Lines records that are not objects) are counted there and
 * left out; `limit`: at most this many rows are read (DuckDB reads no more).
 */
export async function openRows(s: InputSettings, options: { readonly onMalformed?: () => void; readonly limit?: number } = {}): Promise<OpenRows> {
  if (!readByDuckdb(s) && !s.glob) {
    const source = await openInput(s.path, s.gzip, s.encoding);
    return { events: readRows(s.format === 'jsonl' ? 'jsonl' : 'csv', s.delimiter, source.stream, options.onMalformed), close: async () => source.close() };
  }
  if (!readByDuckdb(s)) {
    // A glob of JSON Lines files: our own reader, the files one after the other (src/io/concat.ts).
    const spool = await spoolFiles(await engineInputs(s.path!), s.encoding);
    const source = await openInput(spool.path, false);
    const events = readRows('jsonl', s.delimiter, source.stream, options.onMalformed);
    return {
      events: (async function* () {
        try {
          yield* events;
        } catch (e) {
          throw spool.placeError(e);
        }
      })(),
      close: async () => {
        source.close();
        spool.remove();
      },
    };
  }
  if (s.encoding !== 'utf-8') throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `DuckDB reads Parquet and globs of files as UTF-8, not ${s.encoding}` });
  const spool = s.path === undefined ? await spoolInput(undefined) : undefined;
  try {
    const files = spool ? [spool] : await engineInputs(s.path!);
    const described = await describeInput(files, s.format === 'parquet' ? 'parquet' : 'csv', s.delimiter);
    return { events: parquetRows(described, options.limit), close: async () => void (spool && (await removeSpool(spool))) };
  } catch (e) {
    if (spool) await removeSpool(spool);
    throw e;
  }
}
