// k-anonymity on DuckDB, in two phases. First the engine counts the
// quasi-identifier combinations (GROUP BY the quasi-identifiers as the column
// transforms leave them, and the sensitive value for l-diversity), and veil's
// partitioner makes the classes from those counts (src/privacy/: the same
// code as the streaming engine's first pass, on groups weighted by their
// rows, so that memory is bounded by the combinations, not the rows). Then
// the combinations, each with its class, are appended to a temporary table
// and joined to the rows, numbered first: a join does not keep the rows'
// order, so only the class of each row (one integer) is sorted back into it,
// and set beside the input by position. The published values are looked up
// by class in lists held once.

import type * as Api from '@duckdb/node-api';
import { SUPPRESSED } from '../../lib/numeric.js';
import type { KAnonymity } from '../../privacy/k-anonymity.js';
import { GroupCollector } from '../../core/stage-groups.js';
import type { MemoryCap } from '../request.js';
import type { KStage } from '../../core/stage.js';
import { fromSql, unsupported, type CompiledSelect } from '../sql/compile.js';
import { duckdb as dialect, toFunction } from '../sql/dialect.js';

/** The rows' number before the join, by which the classes are put back in the input's order. */
export const ROW_NUMBER = 'veil_row_number';
/** Each row's class, beside the input: -1 when suppressed. */
export const CLASS = 'veil_class';

export interface KPhase {
  readonly stage: Omit<KStage, 'rowRandomness'>;
  /** Rows the stage removes (suppressed and not masked). */
  readonly removed: number;
  /** Rows the first phase counted. */
  readonly rows: number;
  /** The input with each row's class beside it (column CLASS: -1 suppressed). */
  readonly input: string;
  /** The condition a published row meets ('' when every row is published). */
  readonly where: string;
  /** Each quasi-identifier's published value, by column name. */
  readonly published: ReadonlyMap<string, string>;
  /** Each quasi-identifier's value as its column transform left it, by column name (for the report's counts). */
  readonly before: ReadonlyMap<string, string>;
}

/** The quasi-identifier (and sensitive) expressions: the compiled columns. A randomized one would be drawn anew by each phase. */
function expressions(model: KAnonymity, compiled: CompiledSelect): { qis: string[]; sensitive: string | undefined } {
  const of = (name: string): string => {
    const column = compiled.columns.find((c) => c.name === name);
    if (!column) throw unsupported(`k_anonymity over a dropped column (${name})`, dialect);
    const fn = compiled.functions.find((f) => f.column.name === name);
    if (fn?.volatile) throw unsupported(`k_anonymity over ${fn.column.transform} (${name}): each phase would draw it anew`, dialect);
    return column.sql;
  };
  return { qis: model.quasiIdentifiers.map(of), sensitive: model.lDiversity ? of(model.lDiversity.sensitive) : undefined };
}

/**
 * `numbered`: the FROM of the column expressions over the input with each
 * row's number (ROW_NUMBER); `plain`: the input relation itself.
 */
export async function kPhase(
  duck: typeof Api,
  connection: Api.DuckDBConnection,
  model: KAnonymity,
  compiled: CompiledSelect,
  from: string,
  plain: string,
  run: (sql: string) => Promise<Api.DuckDBResult>,
  exec: (sql: string) => Promise<number>,
  cap: MemoryCap | undefined,
): Promise<KPhase> {
  const { qis, sensitive } = expressions(model, compiled);
  const text = (e: string) => `coalesce(${toFunction(e, dialect)}, '')`;
  // In the order of each combination's first row, as the streaming engine meets them: the same codes, the same classes.
  const result = await run(`SELECT ${[...qis, ...(sensitive ? [sensitive] : [])].map(text).join(', ')}, count(*), min(i.${ROW_NUMBER}) AS veil_first ${from} GROUP BY ALL ORDER BY veil_first`);
  // Each group is added as it is fetched, and kept as codes only.
  const collector = new GroupCollector(model, cap);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      collector.add(
        row.slice(0, qis.length).map((v) => fromSql(String(v))),
        sensitive ? fromSql(String(row[qis.length])) : undefined,
        Number(row[row.length - 2]),
      );
    }
  }
  const { stage, rows, removed, combinations } = collector.classes();
  // The combinations with their class, and the published values by class.
  await connection.run(`CREATE TEMP TABLE veil_plan (${[...qis.map((_, j) => `q${j} VARCHAR`), 'cls INTEGER'].join(', ')})`);
  const appender = await connection.createAppender('veil_plan', 'main', 'temp');
  for (const c of combinations()) {
    for (const v of c.values) appender.appendVarchar(v);
    appender.appendInteger(c.cls);
    appender.endRow();
  }
  appender.closeSync();
  await connection.run(`CREATE TEMP TABLE veil_outputs (${qis.map((_, j) => `o${j} VARCHAR[]`).join(', ')})`);
  const lists = await connection.createAppender('veil_outputs', 'main', 'temp');
  for (let j = 0; j < qis.length; j++) lists.appendList(stage.outputs.map((o) => o[j]!), duck.LIST(duck.VARCHAR));
  lists.endRow();
  lists.closeSync();
  // Each row's class, in the input's order: one integer a row is what is sorted.
  const join = `JOIN veil_plan AS p ON ${qis.map((e, j) => `coalesce(${e}, '') = p.q${j}`).join(' AND ')}`;
  await exec(`CREATE TEMP TABLE veil_row_class AS SELECT p.cls AS ${CLASS} ${from} ${join} ORDER BY i.${ROW_NUMBER}`);
  const names = model.quasiIdentifiers;
  const cls = `i.${CLASS}`;
  return {
    stage,
    removed,
    rows,
    input: `(SELECT * FROM ${plain} POSITIONAL JOIN veil_row_class)`,
    where: removed > 0 ? `WHERE ${cls} >= 0` : '',
    published: new Map(names.map((n, j) => [n, `CASE WHEN ${cls} < 0 THEN '${SUPPRESSED}' ELSE (SELECT o${j} FROM veil_outputs)[${cls} + 1] END`])),
    before: new Map(names.map((n, j) => [n, qis[j]!])),
  };
}
