// Output serializers: rows to text, batched into large chunks. CSV quotes a
// field only when it must (delimiter, quote, CR or LF inside; RFC 4180) and
// ends lines with LF. JSONL writes one object per line, leaving out keys that
// were absent in the input. Numbers kept as written (JsonNumber) are written
// as written.

import { jsonText } from '../lib/json.js';

export interface RowSerializer {
  header(columns: readonly string[]): string;
  row(values: readonly unknown[]): string;
}

export function csvSerializer(delimiter: string): RowSerializer {
  const needsQuote = new RegExp(`["\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
  const field = (v: unknown): string => {
    const text = typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? jsonText(v) : String(v);
    return needsQuote.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return {
    header: (columns) => `${columns.map(field).join(delimiter)}\n`,
    row: (values) => `${values.map(field).join(delimiter)}\n`,
  };
}

export function jsonlSerializer(): { header(columns: readonly string[]): string; row(values: readonly unknown[]): string } {
  let keys: string[] = [];
  return {
    header(columns) {
      keys = columns.map((c) => JSON.stringify(c));
      return '';
    },
    row(values) {
      const parts: string[] = [];
      for (let i = 0; i < keys.length; i++) {
        const v = values[i];
        if (v !== undefined) parts.push(`${keys[i]}:${typeof v === 'object' && v !== null ? jsonText(v) : JSON.stringify(v)}`);
      }
      return `{${parts.join(',')}}\n`;
    },
  };
}
