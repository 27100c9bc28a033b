// k-anonymity on DuckDB, in two phases. First the engine counts the
// quasi-identifier combinations (GROUP BY the quasi-identifiers as the column
// transforms leave them, and the sensitive value for l-diversity), and veil's
// partitioner makes the classes from those counts (src/privacy/: the same
// code as the streaming engine's first pass, on groups weighted by their
// rows, so that memory is bounded by the combinations, not the rows). Then
// the combinations, each with its class's published values, are appended to a
// temporary table and joined to the rows; the rows are numbered before the
// join and written in that order.

import type * as Api from '@duckdb/node-api';
import { ValueError, VeilError } from '../../core/errors.js';
import { SUPPRESSED } from '../../lib/numeric.js';
import { tupleKey } from '../../lib/tuple-key.js';
import type { KAnonymity } from '../../privacy/k-anonymity.js';
import { QiCollector } from '../../privacy/qi-table.js';
import { recodeTable, type KStage } from '../../privacy/stage.js';
import { toFunction, unsupported, type CompiledSelect } from '../sql/compile.js';
import { duckdb as dialect } from '../sql/dialect.js';

/** The rows' number before the join, by which the output keeps the input's order. */
export const ROW_NUMBER = 'veil_row_number';

export interface KPhase {
  readonly stage: Omit<KStage, 'rowRandomness'>;
  /** Rows the stage removes (suppressed and not masked). */
  readonly removed: number;
  /** Rows the first phase counted. */
  readonly rows: number;
  /** The join of the rows to their classes, after the FROM of the column expressions. */
  readonly join: string;
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

export async function kPhase(duck: typeof Api, connection: Api.DuckDBConnection, model: KAnonymity, compiled: CompiledSelect, from: string, run: (sql: string) => Promise<Api.DuckDBResult>): Promise<KPhase> {
  const { qis, sensitive } = expressions(model, compiled);
  const text = (e: string) => `coalesce(${toFunction(e, dialect)}, '.')`;
  const collector = new QiCollector(model.quasiIdentifiers, model.hierarchies, model.lDiversity?.sensitive, true);
  // In the order of each combination's first row, as the streaming engine meets them: the same codes, the same classes.
  const result = await run(`SELECT ${[...qis, ...(sensitive ? [sensitive] : [])].map(text).join(', ')}, count(*), min(i.${ROW_NUMBER}) AS veil_first ${from} GROUP BY ALL ORDER BY veil_first`);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      const values = row.slice(0, qis.length).map((v) => String(v).slice(1));
      const n = Number(row[row.length - 2]);
      rows += n;
      try {
        collector.add(values, sensitive ? String(row[qis.length]).slice(1) : undefined, n);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        const name = model.quasiIdentifiers[(e as ValueError & { dimension: number }).dimension]!;
        throw new VeilError({ kind: 'input', code: e.code, columnName: name, expected: e.expected });
      }
    }
  }
  const table = collector.finish();
  const stage = recodeTable(table, model);
  // The combinations with their class and published values; the published classes as the output will hold them.
  const cols = [...qis.map((_, j) => `q${j} VARCHAR`), 'cls INTEGER', ...qis.map((_, j) => `o${j} VARCHAR`)];
  await connection.run(`CREATE TEMP TABLE veil_plan (${cols.join(', ')})`);
  const appender = await connection.createAppender('veil_plan', 'main', 'temp');
  const seen = new Set<string>();
  const masked = qis.map(() => SUPPRESSED);
  let removed = 0;
  const values = new Array<string>(qis.length);
  for (let r = 0; r < table.rows; r++) {
    for (let j = 0; j < qis.length; j++) values[j] = table.dims[j]!.values[table.dims[j]!.codes[r]!]!;
    const c = stage.classOf[r]!;
    const w = table.weights![r]!;
    const out = c === -1 ? masked : stage.outputs[c]!;
    const sens = table.sensitive ? table.sensitive.values[table.sensitive.codes[r]!] : undefined;
    if (c !== -1) stage.published.addRows(c, out, sens, w);
    else if (stage.masked) stage.published.addRows(stage.published.maskedClass, out, sens, w);
    else removed += w;
    const key = tupleKey(values);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const v of values) appender.appendVarchar(v);
    appender.appendInteger(c);
    for (const v of out) appender.appendVarchar(v);
    appender.endRow();
  }
  appender.closeSync();
  void duck;
  const names = model.quasiIdentifiers;
  return {
    stage,
    removed,
    rows,
    join: `JOIN veil_plan AS p ON ${qis.map((e, j) => `coalesce(${e}, '') = p.q${j}`).join(' AND ')}`,
    where: removed > 0 ? 'WHERE p.cls >= 0' : '',
    published: new Map(names.map((n, j) => [n, `p.o${j}`])),
    before: new Map(names.map((n, j) => [n, qis[j]!])),
  };
}
