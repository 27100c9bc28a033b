// Input adapters: bytes in, a header then rows out, each row with the line it
// starts on. Errors are coded problems with a line, never the offending text.

import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse, type CsvError } from 'csv-parse';
import { VeilError, type InputCode } from '../core/errors.js';

export type InputEvent = { header: string[] } | { row: unknown[]; line: number };

export interface CsvReadOptions {
  readonly delimiter: string;
}

const CSV_ERRORS: Record<string, InputCode> = {
  CSV_QUOTE_NOT_CLOSED: 'CSV_QUOTE_NOT_CLOSED',
  CSV_INVALID_CLOSING_QUOTE: 'CSV_INVALID_QUOTE',
};

/** RFC 4180 CSV: quotes, doubled quotes, quoted newlines, CRLF or LF, a UTF-8 BOM, a header row. */
export async function* readCsv(input: Readable, options: CsvReadOptions): AsyncGenerator<InputEvent> {
  const parser = parse({ delimiter: options.delimiter, bom: true, info: true, relax_column_count: true });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let width = -1;
  let lastEnd = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      // A record starts on the line after the previous record ended.
      const start = lastEnd + 1;
      lastEnd = info.lines;
      // A blank line is no record when there are several columns; with one column it is an empty value.
      if (width > 1 && record.length === 1 && record[0] === '') continue;
      if (width >= 0 && record.length !== width) {
        throw new VeilError({ kind: 'input', code: 'CSV_FIELD_COUNT', line: start, expected: `${width} fields, found ${record.length}` });
      }
      if (width < 0) {
        width = record.length;
        const seen = new Set<string>();
        for (const [i, name] of record.entries()) {
          if (seen.has(name)) throw new VeilError({ kind: 'input', code: 'CSV_DUPLICATE_COLUMN', line: start, columnName: name, columnNumber: i + 1 });
          seen.add(name);
        }
        yield { header: record };
      } else {
        yield { row: record, line: start };
      }
    }
  } catch (e) {
    throw csvProblem(e, lastEnd + 1);
  }
  if (width < 0) throw new VeilError({ kind: 'input', code: 'CSV_NO_HEADER', line: 1 });
}

/** A parse error is reported at the line where the broken record starts. */
function csvProblem(e: unknown, line: number): unknown {
  if (e instanceof VeilError) return e;
  const err = e as Partial<CsvError> & { code?: string };
  if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
    const code = CSV_ERRORS[err.code] ?? 'CSV_MALFORMED';
    return new VeilError({ kind: 'input', code, line });
  }
  return e;
}

/** JSON Lines: one object per line; blank lines are skipped. */
export async function* readJsonl(input: Readable): AsyncGenerator<{ object: Record<string, unknown>; line: number }> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    const body = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (body.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new VeilError({ kind: 'input', code: 'JSON_INVALID', line });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new VeilError({ kind: 'input', code: 'JSON_NOT_OBJECT', line });
    }
    yield { object: value as Record<string, unknown>, line };
  }
}
