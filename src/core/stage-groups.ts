// k-anonymity from counts, for engines that count the quasi-identifier
// combinations themselves (DuckDB, Spark): groups of identical rows, each
// with its number of rows, in; the classes of the same partitioner and
// recoding as the streaming engine's first pass out, with the published
// classes measured from the groups. Memory follows the groups, not the rows.

import { ValueError, VeilError } from '../lib/errors.js';
import { SUPPRESSED } from '../lib/numeric.js';
import { tupleKey } from '../lib/tuple-key.js';
import type { KAnonymity } from '../privacy/k-anonymity.js';
import { QiCollector } from '../privacy/qi-table.js';
import { recodeTable, type KStage } from './stage.js';

export interface Group {
  /** The quasi-identifiers' values, in the model's order, as the column transforms left them. */
  readonly values: readonly string[];
  readonly sensitive: string | undefined;
  readonly rows: number;
}

export interface GroupClasses {
  readonly stage: Omit<KStage, 'rowRandomness'>;
  /** Rows read, and rows the stage removes (suppressed and not masked). */
  readonly rows: number;
  readonly removed: number;
  /** Each distinct combination of quasi-identifiers with its class (-1: suppressed). */
  readonly combinations: readonly { readonly values: readonly string[]; readonly cls: number }[];
}

/**
 * The classes of groups met in the order of their first rows (then the codes,
 * and so the classes, are the streaming engine's).
 */
export function classesOfGroups(model: KAnonymity, groups: Iterable<Group>): GroupClasses {
  const collector = new QiCollector(model.quasiIdentifiers, model.hierarchies, model.lDiversity?.sensitive, true);
  let rows = 0;
  for (const g of groups) {
    rows += g.rows;
    try {
      collector.add(g.values, g.sensitive, g.rows);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      const name = model.quasiIdentifiers[(e as ValueError & { dimension: number }).dimension]!;
      throw new VeilError({ kind: 'input', code: e.code, columnName: name, expected: e.expected });
    }
  }
  const table = collector.finish();
  const stage = recodeTable(table, model);
  const n = model.quasiIdentifiers.length;
  const masked = new Array<string>(n).fill(SUPPRESSED);
  const seen = new Set<string>();
  const combinations: { values: string[]; cls: number }[] = [];
  let removed = 0;
  for (let r = 0; r < table.rows; r++) {
    const values = table.dims.map((d) => d.values[d.codes[r]!]!);
    const c = stage.classOf[r]!;
    const w = table.weights![r]!;
    const sens = table.sensitive ? table.sensitive.values[table.sensitive.codes[r]!] : undefined;
    if (c !== -1) stage.published.addRows(c, stage.outputs[c]!, sens, w);
    else if (stage.masked) stage.published.addRows(stage.published.maskedClass, masked, sens, w);
    else removed += w;
    const key = tupleKey(values);
    if (seen.has(key)) continue;
    seen.add(key);
    combinations.push({ values, cls: c });
  }
  return { stage, rows, removed, combinations };
}
