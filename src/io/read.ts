// Input adapters: bytes in, a header then rows out, each row with the line it
// starts on. Errors are coded problems with a line, never the offending text.

import type { Readable } from 'node:stream';
import { VeilError, type InputProblem } from '../lib/errors.js';
import { CsvParser } from './csv-parser.js';
import type { Format } from './formats.js';
import { utf8Text } from './utf8.js';
import { JsonError, parseJson } from '../lib/json.js';
import { jsonColumns, jsonRowMapper } from '../lib/json-paths.js';

export type InputEvent = { header: string[] } | { row: unknown[]; line: number };

export interface CsvReadOptions {
  readonly delimiter: string;
  /** Records of the wrong number of fields are left out instead of stopping the read (the policy's on_invalid: drop or quarantine). */
  readonly skipMalformed?: boolean;
  /** Called for each record left out as malformed. */
  readonly onMalformed?: () => void;
}

/** A header naming a column twice. */
export function headerProblem(fields: readonly string[], line: number): InputProblem | undefined {
  const seen = new Set<string>();
  for (const [i, name] of fields.entries()) {
    if (seen.has(name)) return { kind: 'input', code: 'INPUT_DUPLICATE_COLUMN', line, columnName: name, columnNumber: i + 1 };
    seen.add(name);
  }
  return undefined;
}

/** A record after the header: its problem, 'skip' for a blank line, or undefined when it is a row. */
export function recordCheck(columns: number, fields: readonly string[], line: number): InputProblem | 'skip' | undefined {
  if (fields.length === columns) return undefined;
  if (fields.length === 1 && fields[0] === '' && columns > 1) return 'skip';
  return { kind: 'input', code: 'CSV_FIELD_COUNT', line, expected: `${columns} fields, found ${fields.length}` };
}

/**
 * RFC 4180 CSV (see csv-parser.ts): the first record is the header. With
 * several columns a blank line is no record; with one column it is an empty
 * value. Every record must have the header's number of fields.
 */
/** Yields events in batches (one per input chunk): a per-row await costs more than the parsing. */
export async function* readCsv(input: Readable, options: CsvReadOptions): AsyncGenerator<InputEvent[]> {
  const parser = new CsvParser(options.delimiter);
  let header: string[] | undefined;
  let batch: InputEvent[] = [];
  let problem: InputProblem | undefined;
  const sink = (fields: string[], line: number): void => {
    if (problem) return;
    if (!header) {
      problem = headerProblem(fields, line);
      if (problem) return;
      header = fields;
      batch.push({ header: fields });
      return;
    }
    const check = recordCheck(header.length, fields, line);
    if (check === 'skip') return;
    if (check && options.skipMalformed) return options.onMalformed?.();
    if (check) problem = check;
    else batch.push({ row: fields, line });
  };
  for await (const chunk of utf8Text(input as AsyncIterable<Buffer>)) {
    const parseProblem = parser.push(chunk, sink); // the sink may have set `problem` meanwhile
    problem ??= parseProblem;
    if (batch.length > 0) yield batch;
    batch = [];
    if (problem) throw new VeilError(problem);
  }
  const endProblem = parser.end(sink);
  problem ??= endProblem;
  if (batch.length > 0) yield batch;
  if (problem) throw new VeilError(problem);
  if (!header) throw new VeilError({ kind: 'input', code: 'CSV_NO_HEADER', line: 1 });
}

/** One line of JSON Lines: its object, or undefined when blank; throws for anything else. */
export function jsonLine(body: string, line: number): Record<string, unknown> | undefined {
  if (body.charCodeAt(0) !== 0x7b /* { */ && body.trim() === '') return undefined;
  let value: unknown;
  try {
    value = parseJson(body);
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    if (e.reason === 'duplicate_key') throw new VeilError({ kind: 'input', code: 'INPUT_DUPLICATE_COLUMN', line, columnName: e.key });
    throw new VeilError({ kind: 'input', code: e.reason === 'too_deep' ? 'JSON_TOO_DEEP' : 'JSON_INVALID', line });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new VeilError({ kind: 'input', code: 'JSON_NOT_OBJECT', line });
  }
  return value as Record<string, unknown>;
}

/** A JSON Lines record that gives a key twice: set aside under on_invalid drop or quarantine, as a CSV record of the wrong number of fields is. */
export type OnMalformedJson = (problem: InputProblem, line: number, text: string) => void;

/**
 * Calls `fn` with each object of the JSON Lines in `text` (whole lines, the
 * first numbered `line`; a BOM before line 1 is dropped, blank lines are
 * skipped) until it returns true. A record that gives a key twice goes to
 * `malformed` when given (else it is an error). Returns the number of the
 * line after the last.
 */
export function eachJsonLine(text: string, line: number, fn: (object: Record<string, unknown>, line: number) => boolean | void, malformed?: OnMalformedJson): number {
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const at = line++;
    const body = at === 1 && text.charCodeAt(pos) === 0xfeff ? text.slice(pos + 1, eol) : text.slice(pos, eol);
    let object: Record<string, unknown> | undefined;
    try {
      object = jsonLine(body, at);
    } catch (e) {
      if (!malformed || !(e instanceof VeilError) || e.problems[0]?.code !== 'INPUT_DUPLICATE_COLUMN') throw e;
      malformed(e.problems[0] as InputProblem, at, body);
      object = undefined;
    }
    pos = eol + 1;
    if (object && fn(object, at) === true) break;
  }
  return line;
}

/**
 * JSON Lines: one object per line (LF, or CRLF: CR is JSON whitespace);
 * blank lines are skipped. Yields the objects in batches, one per input chunk.
 */
export async function* readJsonl(input: Readable, malformed?: OnMalformedJson): AsyncGenerator<{ object: Record<string, unknown>; line: number }[]> {
  let line = 1;
  let rest = '';
  const batch = (text: string): { object: Record<string, unknown>; line: number }[] => {
    const out: { object: Record<string, unknown>; line: number }[] = [];
    line = eachJsonLine(text, line, (object, at) => void out.push({ object, line: at }), malformed);
    return out;
  };
  for await (const chunk of utf8Text(input as AsyncIterable<Buffer>)) {
    const text = rest + chunk;
    const end = text.lastIndexOf('\n') + 1;
    rest = text.slice(end);
    const out = batch(text.slice(0, end));
    if (out.length > 0) yield out;
  }
  const out = batch(rest);
  if (out.length > 0) yield out;
}

/** Rows as events, without a policy: JSONL columns are the first record's keys, nested objects' fields by path. */
export async function* readRows(format: Format, delimiter: string, stream: NodeJS.ReadableStream, onMalformed?: () => void): AsyncGenerator<InputEvent[]> {
  if (format === 'csv') {
    yield* readCsv(stream as never, { delimiter, skipMalformed: onMalformed !== undefined, ...(onMalformed && { onMalformed }) });
    return;
  }
  let toRow: ((object: Record<string, unknown>, line: number) => unknown[]) | undefined;
  for await (const objects of readJsonl(stream as never, onMalformed && (() => onMalformed()))) {
    const batch: InputEvent[] = [];
    for (const { object, line } of objects) {
      if (!toRow) {
        const { names, nested } = jsonColumns(object, line);
        toRow = jsonRowMapper(names, nested, () => undefined);
        batch.push({ header: names });
      }
      batch.push({ row: toRow(object, line), line });
    }
    yield batch;
  }
}

/** The first record of the first piece (which holds at least one whole record). */
export function csvHeader(text: string, delimiter: string): string[] {
  const parser = new CsvParser(delimiter);
  let header: string[] | undefined;
  const found = new Error('header found');
  const sink = (fields: string[], line: number): void => {
    const problem = headerProblem(fields, line);
    if (problem) throw new VeilError(problem);
    header = fields;
    throw found;
  };
  try {
    const problem = parser.push(text, sink) ?? parser.end(sink);
    if (problem) throw new VeilError(problem);
  } catch (e) {
    if (e !== found) throw e;
  }
  if (!header) throw new VeilError({ kind: 'input', code: 'CSV_NO_HEADER', line: 1 });
  return header;
}
