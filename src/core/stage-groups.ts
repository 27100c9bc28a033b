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

export interface GroupClasses {
  readonly stage: Omit<KStage, 'rowRandomness'>;
  /** Rows read, and rows the stage removes (suppressed and not masked). */
  readonly rows: number;
  readonly removed: number;
  /** The groups added. */
  readonly groups: number;
  /** Each distinct combination of quasi-identifiers with its class (-1: suppressed), made as it is asked for. */
  combinations(): Iterable<{ readonly values: readonly string[]; readonly cls: number }>;
}

/**
 * About what the partitioner holds for a number of groups: 128 bytes a
 * quasi-identifier a group (measured: 59,456 groups of Adult's 8 took 53 MB
 * of JS heap, from the codes to the published classes' keys).
 */
function groupBytes(model: KAnonymity, groups: number): number {
  return groups * 128 * model.quasiIdentifiers.length;
}

/**
 * The groups, added in the order of their first rows (then the codes, and so
 * the classes, are the streaming engine's). A group is kept as its codes
 * only, so that an engine adds them as it fetches them: memory follows the
 * distinct values and the combinations' codes, not the groups' text.
 */
export class GroupCollector {
  private readonly collector: QiCollector;
  private rows = 0;
  private added = 0;
  /** Past the cap: the groups are counted, not kept, to say how much memory they need. */
  private over = false;

  /** `cap`: the run's memory cap, of which the groups may take half (the other half is the engine's). */
  constructor(
    private readonly model: KAnonymity,
    private readonly cap?: { readonly bytes: number; readonly text: string },
  ) {
    this.collector = new QiCollector(model.quasiIdentifiers, model.hierarchies, model.lDiversity?.sensitive, true);
  }

  /** One group: its quasi-identifiers' values in the model's order, as the column transforms left them, with its sensitive value and rows. */
  add(values: readonly string[], sensitive: string | undefined, rows: number): void {
    this.rows += rows;
    this.added++;
    if (this.cap && (this.over ||= groupBytes(this.model, this.added) > this.cap.bytes / 2)) return;
    try {
      this.collector.add(values, sensitive, rows);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      const name = this.model.quasiIdentifiers[(e as ValueError & { dimension: number }).dimension]!;
      throw new VeilError({ kind: 'input', code: e.code, columnName: name, expected: e.expected });
    }
  }

  /** The classes of the groups added, by the same partitioner and recoding as the streaming engine's, with what they publish. */
  classes(): GroupClasses {
    const model = this.model;
    if (this.over) {
      const what = `k-anonymity's ${this.added.toLocaleString('en-US')} groups of quasi-identifier values`;
      throw new VeilError({ kind: 'io', code: 'MEMORY_CAP_TOO_SMALL', what, needed: `${Math.ceil(groupBytes(model, this.added) / 1e6)}MB`, limit: this.cap!.text });
    }
    const table = this.collector.finish();
    const stage = recodeTable(table, model);
    const n = model.quasiIdentifiers.length;
    const masked = new Array<string>(n).fill(SUPPRESSED);
    const valuesOf = (r: number) => table.dims.map((d) => d.values[d.codes[r]!]!);
    let removed = 0;
    for (let r = 0; r < table.rows; r++) {
      const c = stage.classOf[r]!;
      const w = table.weights![r]!;
      const sens = table.sensitive ? table.sensitive.values[table.sensitive.codes[r]!] : undefined;
      if (c !== -1) stage.published.addRows(c, stage.outputs[c]!, sens, w);
      else if (stage.masked) stage.published.addRows(stage.published.maskedClass, masked, sens, w);
      else removed += w;
    }
    return {
      stage,
      rows: this.rows,
      removed,
      groups: this.added,
      *combinations() {
        // Without a sensitive value, the groups (an engine's GROUP BY) are the distinct combinations; with one, a
        // combination is a group for each of its sensitive values, and is given once.
        const seen = table.sensitive ? new Set<string>() : undefined;
        for (let r = 0; r < table.rows; r++) {
          const values = valuesOf(r);
          if (seen) {
            const key = tupleKey(values);
            if (seen.has(key)) continue;
            seen.add(key);
          }
          yield { values, cls: stage.classOf[r]! };
        }
      },
    };
  }
}
