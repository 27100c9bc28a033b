// A streaming RFC 4180 CSV parser with a pure core, in the manner of
// csv-parse's `parse(buf, end, push)`: text goes in by chunks, whole records
// come out with the line they start on, and a problem is returned (never
// thrown) with the line it concerns, never the text. Records end at LF or
// CRLF; a lone CR is data. A quote may only open a field; inside a quoted
// field a doubled quote is a quote and line breaks are data.
//
// csv-parse is the reference, configured as { bom: true, relax_column_count:
// true, record_delimiter: ['\r\n', '\n'] }: test/csv-differential.test.ts
// runs both over a corpus of edge cases and random inputs cut into random
// chunks, and requires the same records and the same errors.
//
// Fast path: a line without any quote is split natively; only lines holding a
// quote go through the character loop.

import type { InputProblem } from '../lib/errors.js';

export type RecordSink = (fields: string[], line: number) => void;

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

export class CsvParser {
  private rest = '';
  private line: number;
  private started: boolean;

  /** `line`: the line the text starts on; `midStream`: the text does not start the input (no BOM to strip). */
  constructor(
    private readonly delimiter: string,
    { line = 1, midStream = false }: { line?: number; midStream?: boolean } = {},
  ) {
    this.line = line;
    this.started = midStream;
  }

  /** Parses what is complete in `text` (plus what was left over); keeps an unfinished record for later. */
  push(text: string, sink: RecordSink): InputProblem | undefined {
    let buf = this.rest + text;
    if (!this.started && buf.length > 0) {
      this.started = true;
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
    }
    const result = this.parse(buf, false, sink);
    if (typeof result === 'object') return result;
    this.rest = buf.slice(result);
    return undefined;
  }

  /** Parses what is left at the end of the input. */
  end(sink: RecordSink): InputProblem | undefined {
    const buf = this.rest;
    this.rest = '';
    if (buf.length === 0) return undefined;
    const result = this.parse(buf, true, sink);
    return typeof result === 'object' ? result : undefined;
  }

  /** Returns the offset of the first unconsumed character, or a problem. */
  private parse(buf: string, atEnd: boolean, sink: RecordSink): number | InputProblem {
    const d = this.delimiter;
    const n = buf.length;
    let pos = 0;
    // The next quote at or after pos (n when none): searched once, not once per line.
    let quote = -1;
    while (pos < n) {
      let eol = buf.indexOf('\n', pos);
      if (eol < 0) {
        if (!atEnd) return pos;
        eol = n;
      }
      if (quote < pos) {
        quote = buf.indexOf('"', pos);
        if (quote < 0) quote = n;
      }
      if (quote > eol) {
        // Fast path: no quote in this line.
        const end = eol < n && eol > pos && buf.charCodeAt(eol - 1) === CR ? eol - 1 : eol;
        sink(buf.slice(pos, end).split(d), this.line);
        this.line++;
        pos = eol + 1;
        continue;
      }
      const r = this.quotedRecord(buf, pos, atEnd);
      if (r === undefined) return pos; // needs more input
      if ('kind' in r) return r;
      sink(r.fields, this.line);
      this.line += r.lines;
      pos = r.next;
    }
    return pos;
  }

  /** A record holding at least one quote, character by character. Undefined: incomplete. */
  private quotedRecord(buf: string, start: number, atEnd: boolean): { fields: string[]; next: number; lines: number } | InputProblem | undefined {
    const d = this.delimiter;
    const dc = d.charCodeAt(0);
    const n = buf.length;
    const fields: string[] = [];
    let lines = 0;
    let pos = start;
    for (;;) {
      // One field starts at pos.
      if (pos < n && buf.charCodeAt(pos) === QUOTE) {
        let value = '';
        let from = pos + 1;
        for (;;) {
          const close = buf.indexOf('"', from);
          if (close < 0) {
            if (!atEnd) return undefined;
            return { kind: 'input', code: 'CSV_QUOTE_NOT_CLOSED', line: this.line + lines };
          }
          const part = buf.slice(from, close);
          lines += countLf(part);
          value += part;
          if (close + 1 < n && buf.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
            continue;
          }
          if (close + 1 >= n && !atEnd) return undefined; // a doubled quote may follow in the next chunk
          pos = close + 1;
          break;
        }
        fields.push(value);
        const c = pos < n ? buf.charCodeAt(pos) : -1;
        if (c === dc) {
          pos += 1;
          continue;
        }
        if (c === -1) return { fields, next: pos, lines: lines + 1 };
        if (c === LF) return { fields, next: pos + 1, lines: lines + 1 };
        if (c === CR && pos + 1 < n && buf.charCodeAt(pos + 1) === LF) return { fields, next: pos + 2, lines: lines + 1 };
        if (c === CR && pos + 1 >= n && !atEnd) return undefined;
        return { kind: 'input', code: 'CSV_INVALID_QUOTE', line: this.line + lines };
      }
      // An unquoted field: up to the delimiter or the line end; a quote inside is an error.
      let end = pos;
      while (end < n) {
        const c = buf.charCodeAt(end);
        if (c === dc || c === LF) break;
        if (c === QUOTE) return { kind: 'input', code: 'CSV_INVALID_QUOTE', line: this.line + lines };
        end++;
      }
      if (end >= n && !atEnd) return undefined;
      const c = end < n ? buf.charCodeAt(end) : -1;
      if (c === dc) {
        fields.push(buf.slice(pos, end));
        pos = end + 1;
        continue;
      }
      const valueEnd = c === LF && end > pos && buf.charCodeAt(end - 1) === CR ? end - 1 : end;
      fields.push(buf.slice(pos, valueEnd));
      return { fields, next: c === LF ? end + 1 : end, lines: lines + 1 };
    }
  }
}

function countLf(s: string): number {
  let count = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) count++;
  return count;
}
