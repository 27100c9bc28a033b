// Input and output formats, from flags or from the file's extension:
// .csv .tsv .jsonl .ndjson, each optionally followed by .gz. An input of
// another extension is read as CSV, but never one of a format veil does not
// read (a spreadsheet, Parquet); an output's name must say what veil writes
// (or --output-format must), so that out.xlsx never silently holds CSV.

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

/** The encodings veil reads besides UTF-8: single-byte, so each chunk converts on its own. */
export const ENCODINGS = ['utf-8', 'latin1', 'cp1252'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** An encoding's name as users write it (utf8, ISO-8859-1, windows-1252), or undefined. */
export function parseEncoding(text: string): Encoding | undefined {
  const t = text.toLowerCase().replace(/[_ ]/g, '-');
  if (t === 'utf-8' || t === 'utf8') return 'utf-8';
  if (t === 'latin1' || t === 'latin-1' || t === 'iso-8859-1' || t === 'iso8859-1') return 'latin1';
  if (t === 'cp1252' || t === 'windows-1252' || t === 'win-1252') return 'cp1252';
  return undefined;
}

/** A delimiter is one character that cannot be confused with quoting or line ends; `\t` and `tab` name the tab. */
export function parseDelimiter(text: string): string | undefined {
  const d = text === '\\t' || text === 'tab' ? '\t' : text;
  if ([...d].length !== 1 || d === '"' || d === '\r' || d === '\n') return undefined;
  return d;
}

/** Extensions of formats veil neither reads nor writes (yet): naming one is a usage error, not a silent CSV. */
const FOREIGN = new Set(['xlsx', 'xls', 'xlsm', 'xlsb', 'ods', 'numbers', 'avro', 'orc', 'feather', 'arrow', 'ipc', 'json', 'xml', 'html', 'sqlite', 'db', 'duckdb', 'h5', 'hdf5', 'pkl', 'pickle', 'dta', 'sav', 'sas7bdat', 'rds', 'zip', 'bz2', 'xz', 'zst', '7z', 'tar', 'tgz', 'pdf']);

/** The extension of a path's file name (letters first, so out.2024 has none), lower case, after a .gz. */
function extension(path: string): string | undefined {
  const name = path.toLowerCase().replace(/\.gz$/, '').split(/[\\/]/).pop() ?? '';
  return /\.([a-z][a-z0-9]*)$/.exec(name)?.[1];
}

/**
 * Why veil cannot write this output path (undefined when it can): a format
 * it does not write, or, unless --output-format names the format, an
 * extension that does not say CSV or JSON Lines.
 */
export function outputNameProblem(path: string | undefined, formatGiven: boolean): string | undefined {
  if (path === undefined) return undefined;
  const ext = extension(path);
  if (ext === undefined || ['csv', 'tsv', 'jsonl', 'ndjson', 'parquet', 'pq'].includes(ext)) return undefined;
  if (FOREIGN.has(ext)) return `veil writes CSV (.csv, .tsv), JSON Lines (.jsonl, .ndjson), optionally gzipped (.gz), and Parquet (.parquet), not .${ext}: ${path}`;
  if (formatGiven) return undefined;
  return `the output's extension .${ext} does not say what veil writes: name it .csv, .tsv, .jsonl, .ndjson (optionally .gz) or .parquet, or give --output-format: ${path}`;
}

/** Why veil cannot read this input path (undefined when it can): a format it does not read, unless --input-format says otherwise. */
export function inputNameProblem(path: string | undefined, formatGiven: boolean): string | undefined {
  if (path === undefined || formatGiven) return undefined;
  const ext = extension(path);
  if (ext === undefined || !FOREIGN.has(ext)) return undefined;
  const hint = ext === 'json' ? ' (JSON Lines is one object per line: if this file is, pass --input-format jsonl)' : '';
  return `veil reads CSV, JSON Lines and Parquet, not .${ext}${hint}: ${path}`;
}

/**
 * The delimiter a CSV header line uses, among ',', ';', tab and '|': the one
 * that occurs most outside quotes (a comma on a tie); undefined when none
 * does (a file of one column).
 */
export function sniffDelimiter(headerLine: string): string | undefined {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: string | undefined;
  for (const [d, n] of counts) if (n > 0 && (best === undefined || n > counts.get(best)!)) best = d;
  return best;
}

/** A path DuckDB expands into files. */
export const isGlob = (path: string | undefined): boolean => path !== undefined && /[*?[]/.test(path);
