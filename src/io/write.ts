// Output serializers: rows to text, batched into large chunks. CSV quotes a
// field when it must (delimiter, quote, CR or LF inside; RFC 4180), and one
// that holds '#', which a reader that takes an unquoted '#' for the start of
// a comment (DuckDB's sniffer tries it) would cut short; DuckDB's writer
// quotes it too (duckdb/duckdb#20095), so every engine writes the same
// bytes. Lines end with LF. JSONL writes one object per line, leaving out
// keys that were absent in the input, and nests again the fields read from
// nested objects. Numbers kept as written (JsonNumber) are written as written.

import { jsonText } from '../lib/json.js';
import { looksLikeFormula } from '../lib/formula.js';
import { outputTree, type JsonPath } from '../lib/json-paths.js';

export interface RowSerializer {
  header(columns: readonly string[]): string;
  row(values: readonly unknown[]): string;
}

/** CSV rows. `escapeFormulas`: a cell that looks like a formula is written after a single quote ('=SUM(A1)), as OWASP advises. */
export function csvSerializer(delimiter: string, options: { escapeFormulas?: boolean } = {}): RowSerializer {
  const needsQuote = new RegExp(`["#\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
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

/** JSON Lines; the columns found inside objects (`nested`, src/core/json-paths.ts) are written inside their objects again. */
export function jsonlSerializer(nested: readonly JsonPath[] = []): RowSerializer {
  const value = (v: unknown): string => (typeof v === 'object' && v !== null ? jsonText(v) : JSON.stringify(v));
  if (nested.length === 0) {
    let keys: string[] = [];
    return {
      header(columns) {
        keys = columns.map((c) => JSON.stringify(c));
        return '';
      },
      row(values) {
        const parts: string[] = [];
        for (let i = 0; i < keys.length; i++) if (values[i] !== undefined) parts.push(`${keys[i]}:${value(values[i])}`);
        return `{${parts.join(',')}}\n`;
      },
    };
  }
  let tree: ReturnType<typeof outputTree> = [];
  // An object whose fields are all absent is left out, as its fields are.
  const object = (nodes: typeof tree, values: readonly unknown[]): string | undefined => {
    const parts: string[] = [];
    for (const n of nodes) {
      const text = 'at' in n ? (values[n.at] === undefined ? undefined : value(values[n.at])) : object(n.children, values);
      if (text !== undefined) parts.push(`${JSON.stringify(n.key)}:${text}`);
    }
    return parts.length === 0 && nodes !== tree ? undefined : `{${parts.join(',')}}`;
  };
  return {
    header(columns) {
      tree = outputTree(columns, nested);
      return '';
    },
    row: (values) => `${object(tree, values)!}\n`,
  };
}
