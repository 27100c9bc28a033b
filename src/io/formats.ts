// Input and output formats, from flags or from the file's extension:
// .csv .tsv .jsonl .ndjson, each optionally followed by .gz; anything else is CSV.

export type Format = 'csv' | 'jsonl';
export const FORMATS: readonly Format[] = ['csv', 'jsonl'];

export interface FileKind {
  readonly format: Format | undefined;
  readonly gzip: boolean;
  /** The delimiter the extension implies (tab for .tsv). */
  readonly delimiter: string | undefined;
}

export function kindOfPath(path: string | undefined): FileKind {
  if (path === undefined || path === '-') return { format: undefined, gzip: false, delimiter: undefined };
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return { format: 'jsonl', gzip, delimiter: undefined };
  if (base.endsWith('.tsv')) return { format: 'csv', gzip, delimiter: '\t' };
  if (base.endsWith('.csv')) return { format: 'csv', gzip, delimiter: ',' };
  return { format: undefined, gzip, delimiter: undefined };
}

/** A delimiter is one character that cannot be confused with quoting or line ends; `\t` and `tab` name the tab. */
export function parseDelimiter(text: string): string | undefined {
  const d = text === '\\t' || text === 'tab' ? '\t' : text;
  if ([...d].length !== 1 || d === '"' || d === '\r' || d === '\n') return undefined;
  return d;
}
