// The shape every column transform has. Each transform is one file that
// exports `defineTransform({...})`; src/transforms/index.ts is the one list
// that drives policy validation, help and the report.

import { SCHEMA_OPTIONS } from '../options/schema.js';
import type { OptionReader } from '../options/reader.js';
import type { SecretKey } from '../lib/key.js';
import type { RowRandomness } from '../lib/random.js';
import type { SqlContext, SqlExpression } from './sql.js';

/** Options every column takes, whatever its transform: its declared type, and how its values are written (na, format, decimal). */
export const COLUMN_OPTIONS: readonly string[] = [...SCHEMA_OPTIONS, 'na', 'format', 'decimal'];

/** A row as read: values by input column position (strings for CSV, JSON values for JSONL). */
export type Row = readonly unknown[];

/** Counters a transform keeps per column: the spans of each kind it found and replaced. */
export interface SpanCounts {
  readonly found: Record<string, number>;
  readonly replaced: Record<string, number>;
}

/** Turns one cell into its output. Throws ValueError for a value it cannot read. */
export type ColumnFn = (value: string, row: Row) => string;

export interface CreateContext {
  /** The column this transform is applied to. */
  readonly column: string;
  /** Present whenever the configured transform is keyed. */
  readonly key: SecretKey | undefined;
  /** --seed, when given. */
  readonly seed: number | undefined;
  /** When set (the two passes of a k-anonymity stage), randomized transforms draw each row's values from it (random.ts). */
  readonly rowRandomness?: RowRandomness | undefined;
  /** The column's own counters (scrub's spans found and replaced, by kind), added up across threads for the report. */
  counts?(): SpanCounts;
  /** Position of another input column in the row (resolved before any row is read). */
  columnIndex(name: string): number;
}

/** A transform with its options read and checked: ready to be created for a column. */
export interface Configured {
  /** Parameters for the report (never key material). */
  readonly params: Record<string, unknown>;
  /** Whether it needs the secret key. */
  readonly keyed: boolean;
  /** Other input columns it reads (date-shift's `by`). */
  readonly references: readonly string[];
  /** The column is removed from the output. */
  readonly drops: boolean;
  /** The epsilon a differentially private transform spends per record, counted against privacy_budget. */
  readonly epsilon: number | undefined;
  /** Its output is a number: a JSON number in stays a JSON number out. */
  readonly numericOutput: boolean;
  create(ctx: CreateContext): ColumnFn | Promise<ColumnFn>;
  /** Its SQL (./sql.ts), when it has an SQL part: the column's value in, its expression out. */
  readonly sql: ((value: string, ctx: SqlContext) => SqlExpression) | undefined;
  /** Why only the streaming engine's rows can run it (undefined: every engine can). */
  readonly streamOnly: string | undefined;
}

export interface TransformSpec<O> {
  /** Kebab-case name used in the policy. */
  readonly name: string;
  /** One line for `veil transforms` and help. */
  readonly summary: string;
  /** A policy line that uses it. */
  readonly example: string;
  /** Option names it accepts (besides `transform`), for validation and typo suggestions. */
  readonly options: readonly string[];
  /** Loads what parse needs before it runs (a faker locale); reports nothing. */
  preload?(reader: OptionReader): Promise<void>;
  /** Reads and checks the options; reports problems on the reader and returns undefined if any. */
  parse(reader: OptionReader): O | undefined;
  /** Parameters for the report. */
  describe(options: O): Record<string, unknown>;
  keyed: boolean | ((options: O) => boolean);
  references?(options: O): readonly string[];
  drops?: boolean;
  epsilon?(options: O): number;
  /** The output is always a number (JSON numbers in stay numbers out). */
  numericOutput?: boolean;
  create(options: O, ctx: CreateContext): ColumnFn | Promise<ColumnFn>;
  /**
   * Its SQL part (./sql.ts): the expression for the column's value, a fast
   * path for values of common shapes, or undefined (the engine calls the
   * function `create` made). A transform without one runs on an SQL engine
   * only through that function; an engine that cannot call JavaScript (Spark)
   * refuses it with one coded error naming the transform and the column.
   */
  sql?(options: O, value: string, ctx: SqlContext): SqlExpression;
  /** Why its rows must go through the streaming engine (scrub: its spans are counted per row there). */
  streamOnly?: string;
}

export interface Transform {
  readonly name: string;
  readonly summary: string;
  readonly example: string;
  readonly options: readonly string[];
  preload(reader: OptionReader): Promise<void>;
  configure(reader: OptionReader): Configured | undefined;
}

export function defineTransform<O>(spec: TransformSpec<O>): Transform {
  return {
    name: spec.name,
    summary: spec.summary,
    example: spec.example,
    options: spec.options,
    preload: async (reader) => spec.preload?.(reader),
    configure(reader) {
      reader.rejectUnknown(['transform', ...spec.options, ...COLUMN_OPTIONS]);
      const before = reader.ctx.problems.length;
      const options = spec.parse(reader);
      if (options === undefined || reader.ctx.problems.length > before) return undefined;
      return {
        params: spec.describe(options),
        keyed: typeof spec.keyed === 'function' ? spec.keyed(options) : spec.keyed,
        references: spec.references?.(options) ?? [],
        drops: spec.drops ?? false,
        epsilon: spec.epsilon?.(options),
        numericOutput: spec.numericOutput ?? false,
        create: (ctx) => spec.create(options, ctx),
        sql: spec.sql && ((value, ctx) => spec.sql!(options, value, ctx)),
        streamOnly: spec.streamOnly,
      };
    },
  };
}

