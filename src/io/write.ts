// Output serializers: rows to text, batched into large chunks. CSV quotes a
// field only when it must (delimiter, quote, CR or LF inside; RFC 4180) and
// ends lines with LF. JSONL writes one object per line, leaving out keys that
// were absent in the input. Numbers kept as written (JsonNumber) are written
// as written.

import { jsonText } from '../lib/json.js';
import { looksLikeFormula } from '../lib/formula.js';

export interface RowSerializer {
  header(columns: readonly string[]): string;
  row(values: readonly unknown[]): string;
}

/** CSV rows. `escapeFormulas`: a cell that looks like a formula is written after a single quote ('=SUM(A1)), as OWASP advises. */
export function csvSerializer(delimiter: string, options: { escapeFormulas?: boolean } = {}): RowSerializer {
  const needsQuote = new RegExp(`["\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
  const field = (v: unknown): string => {
    let text = typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? jsonText(v) : String(v);
    if (options.escapeFormulas && looksLikeFormula(text)) text = `'${text}`;
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
