// The pure core of `veil apply`: a policy compiled against the input's
// columns becomes a function from one row to one output row, plus counters.
// It never touches files or the process; the adapters in src/io feed it rows
// and write what it returns.

import type { SecretKey } from '../lib/key.js';
import type { RowRandomness } from '../lib/random.js';
import { nearest } from '../lib/suggest.js';
import { presetColumns, type Policy, type PolicyColumn } from '../policy/load.js';
import { cellText } from '../lib/cell.js';
import { JsonNumber } from '../lib/json.js';
import { fromDecimalComma } from '../lib/numeric.js';
import { jsonColumns, jsonRowMapper, type JsonPath } from '../lib/json-paths.js';
import type { ColumnFn, Row, SpanCounts } from '../transforms/define.js';
import { missingColumns, ValueError, VeilError, type InputProblem } from '../lib/errors.js';

export interface ColumnStats {
  /** Output differs from input. */
  changed: number;
  /** Output equals input. */
  unchanged: number;
  /** Empty (or null, or absent) in the input; left empty. */
  empty: number;
  /** Published coarser by the k-anonymity stage than the column transform left them. */
  generalized: number;
  /** Missing-value markers (the column's `na:`) read as empty, and counted among `empty` too. */
  missing: number;
  /** Dates read through the column's `format:` as YYYY-MM-DD, and numbers read through `decimal: ","`. */
  reformatted: number;
  /** scrub: the spans of personal data found and replaced in the column's texts, by kind. */
  spans?: SpanCounts;
}

export interface ColumnReport {
  readonly name: string;
  readonly transform: string;
  readonly params: Record<string, unknown>;
  /** Named by the policy, or handled by `unlisted`. */
  readonly listed: boolean;
  readonly stats: ColumnStats;
}

export interface Pipeline {
  /** Output column names, in input order. */
  readonly outputColumns: readonly string[];
  /** Transforms one row (values by input column); throws VeilError for a value it cannot read. */
  row(values: Row, line: number): unknown[];
  /**
   * Reads, in place, what a column's options say of its values: its
   * missing-value markers (`na:`) as empty, its dates (`format:`) as
   * YYYY-MM-DD; and counts both. Before the row gate and row().
   */
  readAsWritten(values: unknown[]): void;
  /**
   * A later stage (k-anonymity) publishes `after` instead of what row() gave
   * (`before`) in output column j: the counts follow what was published.
   */
  republish(j: number, raw: unknown, before: unknown, after: unknown): void;
  /** Checks what only the end of the stream can tell (JSONL: a policy column that never appeared). */
  finish(): void;
  /** Rows transformed (the pipeline removes none: stages around it do, and count why). */
  readonly rowsIn: number;
  columns(): ColumnReport[];
  /** The counters since the last call (which resets them), to be added to another pipeline's. */
  takeTally(): PipelineTally;
  /** Adds the counters of a pipeline compiled from the same policy and header (in another thread). */
  addTally(t: PipelineTally): void;
}

export interface PipelineTally {
  readonly rowsIn: number;
  /** changed, unchanged, empty, generalized, missing, reformatted of each report column. */
  readonly stats: readonly number[];
  /** JSONL: the input columns that held a value. */
  readonly seen: Uint8Array;
  /** scrub's counters of each report column that has them. */
  readonly spans: (SpanCounts | undefined)[];
}

export interface PipelineOptions {
  readonly key: SecretKey | undefined;
  readonly seed: number | undefined;
  /** Randomness derived per row (the two passes of a k-anonymity stage draw alike); else one stream per column. */
  readonly rowRandomness?: RowRandomness | undefined;
  /**
   * JSONL: rows may lack a key, so a policy column missing from the header
   * is not an error until the end of the stream shows it never appeared.
   */
  readonly sparse: boolean;
  /**
   * Evaluate only these columns (after checking all of them against the
   * header): the first pass of k-anonymity needs only the quasi-identifiers.
   */
  readonly only?: ReadonlySet<string>;
}

interface OutputSpec {
  readonly source: number;
  /** Undefined: the value passes through untouched (JSON numbers and objects too). */
  readonly fn: ColumnFn | undefined;
  /** The transform writes numbers: a JSON number stays a JSON number. */
  readonly numeric: boolean;
  readonly stats: ColumnStats;
}

/**
 * The policy's columns against an input header, before any transform is made
 * or row read: a keyed policy without a key, and every column problem at once
 * (missing, unlisted). Returns the column of each name the policy (or its
 * preset) handles.
 */
export async function checkHeader(policy: Policy, header: readonly string[], options: Pick<PipelineOptions, 'key' | 'sparse'>): Promise<Map<string, PolicyColumn>> {
  // Fail closed: a keyed transform never runs without a key.
  if (policy.needsKey && !options.key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });
  const index = new Map(header.map((name, i) => [name, i]));
  const named = new Map(policy.columns.map((c) => [c.name, c]));
  // A preset (hipaa-safe-harbor) names the columns it recognizes among those the policy does not.
  for (const c of await presetColumns(policy, header.filter((h) => !named.has(h)))) named.set(c.name, c);
  const problems: InputProblem[] = [];

  const unlistedNames = header.filter((h) => !named.has(h));
  if (!options.sparse) {
    const wanted = [...policy.columns.map((c) => c.name), ...policy.columns.flatMap((c) => c.configured.references)];
    const missing = [...new Set(wanted.filter((n) => !index.has(n)))];
    problems.push(...missingColumns(header, missing, (name) => nearest(name, unlistedNames)));
    // A header of one column: its missing columns say it all, not the unlisted one.
    if (problems.some((p) => p.code === 'HEADER_ONE_COLUMN')) throw new VeilError(problems);
  }
  if (policy.unlisted === 'error' && unlistedNames.length > 0) {
    problems.push({ kind: 'input', code: 'COLUMN_UNLISTED', names: unlistedNames });
  }
  if (problems.length > 0) throw new VeilError(problems);
  return named;
}

/**
 * Compiles the policy against the input header. Throws VeilError listing every
 * column problem at once (missing, unlisted) before any row is read.
 */
export async function compilePipeline(policy: Policy, header: readonly string[], options: PipelineOptions): Promise<Pipeline> {
  const named = await checkHeader(policy, header, options);
  const index = new Map(header.map((name, i) => [name, i]));

  const reports: ColumnReport[] = [];
  const specs: OutputSpec[] = [];
  const outputColumns: string[] = [];
  for (let i = 0; i < header.length; i++) {
    const name = header[i]!;
    const column = named.get(name);
    const stats: ColumnStats = { changed: 0, unchanged: 0, empty: 0, generalized: 0, missing: 0, reformatted: 0 };
    if (!column) {
      reports.push({ name, transform: policy.unlisted === 'keep' ? 'keep' : 'drop', params: {}, listed: false, stats });
      if (policy.unlisted === 'keep' && (!options.only || options.only.has(name))) {
        specs.push({ source: i, fn: undefined, numeric: false, stats });
        outputColumns.push(name);
      }
      continue;
    }
    reports.push({ name, transform: column.transform, params: column.configured.params, listed: true, stats });
    if (column.configured.drops || (options.only && !options.only.has(name))) continue;
    const fn = await column.configured.create({
      column: name,
      key: options.key,
      seed: options.seed,
      rowRandomness: options.rowRandomness,
      counts: () => (stats.spans ??= { found: {}, replaced: {} }),
      columnIndex: (other) => {
        const at = index.get(other);
        if (at === undefined) throw new VeilError({ kind: 'input', code: 'COLUMN_MISSING', columnName: other });
        return at;
      },
    });
    specs.push({ source: i, fn: column.transform === 'keep' ? undefined : fn, numeric: column.configured.numericOutput, stats });
    outputColumns.push(name);
  }

  // The columns with missing-value markers, by input position (dropped and unpublished ones too: rules and types read them).
  const markers = header.flatMap((name, i) => {
    const column = named.get(name);
    const na = column?.na ?? new Set<string>();
    const formats = column?.dateFormats ?? [];
    const decimalComma = column?.decimalComma === true;
    return na.size > 0 || formats.length > 0 || decimalComma ? [{ index: i, na, formats, decimalComma, stats: reports[i]!.stats }] : [];
  });

  // JSONL only: which policy columns have held a value so far.
  const policyIndexes = policy.columns.map((c) => index.get(c.name)!);
  const seen = new Uint8Array(header.length);
  let rowsIn = 0;

  return {
    outputColumns,
    get rowsIn() {
      return rowsIn;
    },
    row(values, line) {
      rowsIn++;
      options.rowRandomness?.begin(line);
      const out = new Array<unknown>(specs.length);
      for (let j = 0; j < specs.length; j++) {
        const spec = specs[j]!;
        const raw = values[spec.source];
        if (raw === undefined || raw === null || raw === '') {
          spec.stats.empty++;
          out[j] = raw;
          continue;
        }
        if (spec.fn === undefined) {
          spec.stats.unchanged++;
          out[j] = raw;
          continue;
        }
        const text = cellText(raw);
        let result: string;
        try {
          result = spec.fn(text, values);
        } catch (e) {
          throw cellError(e, line, header[spec.source]!, spec.source + 1);
        }
        if (result === text) spec.stats.unchanged++;
        else spec.stats.changed++;
        out[j] = spec.numeric && (typeof raw === 'number' || raw instanceof JsonNumber) ? Number(result) : result;
      }
      if (options.sparse) {
        for (const i of policyIndexes) if (values[i] !== undefined) seen[i] = 1;
      }
      return out;
    },
    readAsWritten(values) {
      for (const m of markers) {
        const v = values[m.index];
        if (v === undefined || v === null || v === '') continue;
        const text = typeof v === 'string' ? v : cellText(v);
        if (m.na.has(text)) {
          values[m.index] = '';
          m.stats.missing++;
          continue;
        }
        if (m.decimalComma) {
          const number = fromDecimalComma(text);
          if (number !== undefined && number !== text) {
            values[m.index] = number;
            m.stats.reformatted++;
          }
          continue;
        }
        for (const f of m.formats) {
          const iso = f.read(text);
          if (iso === undefined) continue;
          values[m.index] = iso;
          m.stats.reformatted++;
          break;
        }
      }
    },
    finish() {
      if (!options.sparse || rowsIn === 0) return;
      const never = policy.columns.filter((c, j) => !seen[policyIndexes[j]!]);
      if (never.length > 0) {
        throw new VeilError(never.map((c) => ({ kind: 'input', code: 'COLUMN_MISSING', columnName: c.name }) satisfies InputProblem));
      }
    },
    republish(j, raw, before, after) {
      if (before === after || (typeof before !== 'string' && cellText(before) === cellText(after))) return;
      const stats = specs[j]!.stats;
      stats[outcome(raw, before)]--;
      stats[outcome(raw, after)]++;
      stats.generalized++;
    },
    columns: () => reports,
    takeTally() {
      const stats = reports.flatMap((r) => [r.stats.changed, r.stats.unchanged, r.stats.empty, r.stats.generalized, r.stats.missing, r.stats.reformatted]);
      for (const r of reports) r.stats.changed = r.stats.unchanged = r.stats.empty = r.stats.generalized = r.stats.missing = r.stats.reformatted = 0;
      const spans = reports.map((r) => r.stats.spans && { found: { ...r.stats.spans.found }, replaced: { ...r.stats.spans.replaced } });
      for (const r of reports) {
        if (!r.stats.spans) continue;
        for (const k of Object.keys(r.stats.spans.found)) delete r.stats.spans.found[k];
        for (const k of Object.keys(r.stats.spans.replaced)) delete r.stats.spans.replaced[k];
      }
      const t = { rowsIn, stats, seen: seen.slice(), spans };
      rowsIn = 0;
      seen.fill(0);
      return t;
    },
    addTally(t) {
      rowsIn += t.rowsIn;
      reports.forEach((r, i) => {
        r.stats.changed += t.stats[6 * i]!;
        r.stats.unchanged += t.stats[6 * i + 1]!;
        r.stats.empty += t.stats[6 * i + 2]!;
        r.stats.generalized += t.stats[6 * i + 3]!;
        r.stats.missing += t.stats[6 * i + 4]!;
        r.stats.reformatted += t.stats[6 * i + 5]!;
        const spans = t.spans[i];
        if (spans) {
          const mine = (r.stats.spans ??= { found: {}, replaced: {} });
          for (const [k, n] of Object.entries(spans.found)) mine.found[k] = (mine.found[k] ?? 0) + n;
          for (const [k, n] of Object.entries(spans.replaced)) mine.replaced[k] = (mine.replaced[k] ?? 0) + n;
        }
      });
      t.seen.forEach((v, i) => (seen[i]! |= v));
    },
  };
}

/**
 * The header of a JSONL input: the first record's keys, with the fields of
 * its nested objects by path (src/core/json-paths.ts) unless the policy names
 * the object whole, then the policy's columns it lacks (rows may be sparse).
 * A dotted name the first record lacks is a path (its object may come later)
 * unless a part of it is a column already.
 */
export function sparseHeader(policy: Policy, first: Record<string, unknown>, line: number): { header: string[]; nested: JsonPath[] } {
  const named = new Set([...policy.columns.map((c) => c.name), ...policy.columns.flatMap((c) => c.configured.references)]);
  const { names: header, nested } = jsonColumns(first, line, (name) => named.has(name));
  for (const name of named) {
    if (header.includes(name)) continue;
    const path = name.split('.');
    const parts = path.slice(1).map((_, i) => path.slice(0, i + 1).join('.'));
    if (path.length > 1 && path.every((p) => p !== '') && !parts.some((p) => header.includes(p) || named.has(p))) nested.push(path);
    header.push(name);
  }
  return { header, nested };
}

/**
 * Maps JSONL objects onto the header. A key the header lacks is handled by
 * `unlisted`: dropped, or an error (with keep too, since the output's
 * columns were fixed by the first record).
 */
export function jsonRow(policy: Policy, header: readonly string[], nested: readonly JsonPath[]): (object: Record<string, unknown>, line: number) => unknown[] {
  return jsonRowMapper(header, nested, (name, line) => {
    if (policy.unlisted === 'error') throw new VeilError({ kind: 'input', code: 'COLUMN_UNLISTED', line, names: [name] });
    if (policy.unlisted === 'keep') throw new VeilError({ kind: 'input', code: 'COLUMN_NOT_IN_FIRST_RECORD', line, columnName: name });
  });
}

const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '';

/** How a published value counts against its input: as row() counts it. */
function outcome(raw: unknown, published: unknown): 'changed' | 'unchanged' | 'empty' {
  if (typeof raw === 'string' && typeof published === 'string') return raw === published ? (raw === '' ? 'empty' : 'unchanged') : 'changed';
  if (isEmpty(raw) && isEmpty(published)) return 'empty';
  return cellText(raw) === cellText(published) ? 'unchanged' : 'changed';
}

function cellError(e: unknown, line: number, columnName: string, columnNumber: number): unknown {
  if (e instanceof ValueError) {
    return new VeilError({ kind: 'input', code: e.code, line, columnName, columnNumber, expected: e.expected });
  }
  return e;
}
