// The writing pass of `veil apply` on one piece of input (src/io/pieces.ts),
// the same in this thread and in a worker thread: parse the piece, pass each
// row through the gate (row rules, declared types), the pipeline and the
// residual-PII check, publish the k-anonymity stage's values, and serialize.
// What a piece produced comes back as data (text, counters, findings) for
// the main thread to write and add up in input order, so the output and
// the report are the same bytes whatever thread read which piece.

import { VeilError, type InputProblem } from '../../lib/errors.js';
import { compilePipeline, jsonRow, type Pipeline, type PipelineTally } from '../../core/pipeline.js';
import { rowGate, type Gate } from '../../core/gate.js';
import { ResidualScan, type ResidualKind } from '../../governance/residual.js';
import { cellText } from '../../lib/cell.js';
import type { SecretKey } from '../../lib/key.js';
import { SUPPRESSED } from '../../lib/numeric.js';
import { CsvParser } from '../../io/csv-parser.js';
import type { Format } from '../../io/formats.js';
import type { Piece } from '../../io/pieces.js';
import { eachJsonLine, recordCheck } from '../../io/read.js';
import { utf8 } from '../../io/utf8.js';
import { csvSerializer, jsonlSerializer, type RowSerializer } from '../../io/write.js';
import type { JsonPath } from '../../lib/json-paths.js';
import type { Policy } from '../../policy/load.js';
import type { KStage } from '../../core/stage.js';
import { priorityOf, UtilitySample, type SampledRow } from '../../utility/sample.js';

export interface PieceSettings {
  readonly inputFormat: Format;
  readonly delimiter: string;
  readonly outputFormat: Format;
  readonly outputDelimiter: string;
  readonly seed: number | undefined;
  /** CSV output: cells that a spreadsheet would run as formulas are written after a single quote. */
  readonly escapeFormulas: boolean;
  /** Sample rows for the report's utility measures (src/utility/sample.ts). */
  readonly utility: boolean;
  /** JSON Lines: the columns read from nested objects, by path (src/core/json-paths.ts). */
  readonly nested?: readonly JsonPath[];
}

export interface PieceResult {
  readonly seq: number;
  /** The serialized output rows: text, or its UTF-8 bytes (from a worker thread, whose memory moves to the main thread instead of being copied). */
  readonly text: string | Uint8Array;
  /** Quarantined rows (on_invalid: quarantine), JSON lines. */
  readonly rejects: string;
  readonly rowsIn: number;
  readonly removedBy: Readonly<Record<string, number>>;
  /** Declared-type violations by column and code. */
  readonly violations: readonly [string, Record<string, number>][];
  readonly tally: PipelineTally;
  readonly findings: readonly [string, Partial<Record<ResidualKind, number>>][];
  /** The rows this writer's utility sample accepted in the piece. */
  readonly sample: { readonly rows: readonly SampledRow[]; readonly seen: number } | undefined;
}

export class PieceWriter {
  /** The output's header line (CSV), or nothing (JSONL). */
  readonly headerText: string;
  private readonly toRow: ((object: Record<string, unknown>, line: number) => unknown[]) | undefined;
  private readonly publish: ((out: unknown[], raw: readonly unknown[], row: number) => unknown[]) | undefined;
  /** Rows that passed the gate so far: the index of a row in the k-anonymity stage (one thread only). */
  private kept = 0;
  /** The piece's output: rows not yet joined, and blocks of about 64 KiB joined from them. */
  private rows: string[] = [];
  private rowsLength = 0;
  private blocks: string[] = [];
  private rejects = '';
  private rowsIn = 0;
  private removedBy: Record<string, number> = {};
  private readonly violations = new Map<string, Record<string, number>>();
  private gate!: Gate;
  private readonly quarantining: boolean;
  /** on_invalid drop or quarantine: a malformed record is removed, not the end of the run. */
  private readonly lenient: boolean;
  private readonly sample: UtilitySample | undefined;
  /** Scrubbed columns: [input position, output position]; the residual check searches what was published. */
  private readonly scrubbedAt: readonly (readonly [number, number])[];

  private constructor(
    readonly pipeline: Pipeline,
    readonly residual: ResidualScan,
    private readonly serializer: RowSerializer,
    private readonly header: readonly string[],
    private readonly settings: PieceSettings,
    private readonly stage: KStage | undefined,
    policy: Policy,
  ) {
    this.headerText = serializer.header(pipeline.outputColumns);
    this.quarantining = policy.onInvalid === 'quarantine';
    this.lenient = policy.onInvalid !== 'error';
    this.toRow = settings.inputFormat === 'jsonl' ? jsonRow(policy, header, settings.nested ?? []) : undefined;
    this.publish = stage && publisher(stage, pipeline, header);
    this.sample = settings.utility ? new UtilitySample(false) : undefined;
    this.scrubbedAt = residual.scrubbed.map((i) => [i, pipeline.outputColumns.indexOf(header[i]!)] as const);
  }

  /** The row with each scrubbed column's input replaced by its output. */
  private withScrubbed(values: readonly unknown[], out: readonly unknown[]): unknown[] {
    const row = values.slice();
    for (const [i, j] of this.scrubbedAt) row[i] = out[j];
    return row;
  }

  static async create(policy: Policy, header: readonly string[], settings: PieceSettings, key: SecretKey | undefined, stage?: KStage): Promise<PieceWriter> {
    const pipeline = await compilePipeline(policy, header, { key, seed: settings.seed, rowRandomness: stage?.rowRandomness, sparse: settings.inputFormat === 'jsonl' });
    const serializer = settings.outputFormat === 'csv' ? csvSerializer(settings.outputDelimiter, { escapeFormulas: settings.escapeFormulas }) : jsonlSerializer(settings.nested);
    const residual = new ResidualScan(pipeline.columns(), new Set(stage?.model.quasiIdentifiers ?? []), policy.recognizers);
    const writer = new PieceWriter(pipeline, residual, serializer, header, settings, stage, policy);
    writer.gate = await rowGate(policy, header, key, (row, line, v) => writer.quarantine(row, line, v.columns));
    return writer;
  }

  /** Writes one piece; throws VeilError for the first problem in it. The first piece's first CSV record is the header. */
  run(piece: Piece): PieceResult {
    this.residual.forget();
    if (piece.sampleBelow !== undefined) this.sample?.narrow(piece.sampleBelow);
    const text = utf8(piece.bytes, piece.line);
    if (this.toRow) this.jsonl(text, piece);
    else this.csv(text, piece);
    this.join();
    const result: PieceResult = {
      seq: piece.seq,
      text: this.blocks.join(''),
      rejects: this.rejects,
      rowsIn: this.rowsIn,
      removedBy: this.removedBy,
      violations: [...this.violations],
      tally: this.pipeline.takeTally(),
      findings: this.residual.takeFindings(),
      sample: this.sample?.take(),
    };
    this.blocks = [];
    this.rejects = '';
    this.rowsIn = 0;
    this.removedBy = {};
    this.violations.clear();
    return result;
  }

  /** Rows that passed the gate (in the pieces this writer wrote). */
  get keptRows(): number {
    return this.kept;
  }

  /** Adds what a piece written elsewhere (another thread) counted to this writer's report counters. */
  absorb(r: PieceResult): void {
    this.pipeline.addTally(r.tally);
    this.residual.addFindings(r.findings);
  }

  private csv(text: string, piece: Piece): void {
    const parser = new CsvParser(this.settings.delimiter, { line: piece.line, midStream: piece.seq > 0 });
    let header = piece.seq === 0;
    const columns = this.header.length;
    const sink = (fields: string[], line: number): void => {
      if (header) {
        header = false;
        return;
      }
      const check = recordCheck(columns, fields, line);
      if (check === 'skip') return;
      if (check) {
        // A record of the wrong number of fields: with on_invalid drop or quarantine, removed and counted (within max_invalid).
        if (!this.lenient) throw new VeilError(check);
        this.malformed(line, check.expected ?? '', { fields });
        return;
      }
      this.row(fields, line);
    };
    const problem = parser.push(text, sink) ?? parser.end(sink);
    if (problem) throw new VeilError(problem);
  }

  private jsonl(text: string, piece: Piece): void {
    // A record that gives a key twice: with on_invalid drop or quarantine, removed and counted as malformed.
    const malformed = this.lenient ? (p: InputProblem, line: number, body: string) => this.malformed(line, `each key once (${p.columnName ?? 'a key'} is given twice)`, { text: body }) : undefined;
    eachJsonLine(text, piece.line, (object, line) => this.row(this.toRow!(object, line), line), malformed);
  }

  private row(values: unknown[], line: number): void {
    this.rowsIn++;
    this.pipeline.readAsWritten(values);
    const reason = this.gate(values, line);
    if (reason !== undefined) {
      this.removedBy[reason] = (this.removedBy[reason] ?? 0) + 1;
      return;
    }
    const index = this.kept++;
    if (this.stage && this.stage.classOf[index] === -1 && !this.stage.masked) {
      this.removedBy.k_anonymity = (this.removedBy.k_anonymity ?? 0) + 1;
      this.sampled(values, undefined, line);
      return;
    }
    let out = this.pipeline.row(values, line);
    this.residual.observe(this.scrubbedAt.length === 0 ? values : this.withScrubbed(values, out));
    if (this.publish) out = this.publish(out, values, index);
    this.sampled(values, out, line);
    const text = this.serializer.row(out);
    this.rows.push(text);
    this.rowsLength += text.length;
    // Joined by blocks, the rows' strings die young: kept to the end of the piece, they would fill the old generation.
    if (this.rowsLength >= 1 << 16) this.join();
  }

  private sampled(values: readonly unknown[], out: readonly unknown[] | undefined, line: number): void {
    const sample = this.sample;
    if (!sample) return;
    if (!sample.wants(line)) return sample.skip();
    sample.offer({ priority: priorityOf(line), line, input: values.map(cellText), output: out?.map(cellText) });
  }

  private join(): void {
    this.blocks.push(this.rows.join(''));
    this.rows = [];
    this.rowsLength = 0;
  }

  /** A record that is no row of the header's shape: counted as malformed, and written to the rejects when quarantining. */
  private malformed(line: number, expected: string, record: { fields: readonly string[] } | { text: string }): void {
    this.rowsIn++;
    this.removedBy.malformed = (this.removedBy.malformed ?? 0) + 1;
    if (this.quarantining) this.rejects += `${JSON.stringify({ line, reason: 'malformed', expected, ...record })}\n`;
  }

  private quarantine(row: readonly unknown[], line: number, columns: readonly { name: string; codes: readonly string[] }[]): void {
    for (const col of columns) {
      const counts = this.violations.get(col.name) ?? {};
      for (const code of col.codes) counts[code] = (counts[code] ?? 0) + 1;
      this.violations.set(col.name, counts);
    }
    if (!this.quarantining) return;
    const record = Object.fromEntries(this.header.map((h, i) => [h, row[i]]));
    this.rejects += `${JSON.stringify({ line, reason: 'invalid', violations: columns.map((x) => ({ column: x.name, codes: x.codes })), row: record })}\n`;
  }
}

/**
 * Replaces a row's quasi-identifiers by its class's published values ('*'
 * when suppressed and masked), counts what each class (the masked rows one
 * more) published, and has the column counts follow what was published.
 */
function publisher(stage: KStage, pipeline: Pipeline, header: readonly string[]): (out: unknown[], raw: readonly unknown[], row: number) => unknown[] {
  const columns = pipeline.outputColumns;
  const positions = stage.model.quasiIdentifiers.map((n) => columns.indexOf(n));
  const sources = stage.model.quasiIdentifiers.map((n) => header.indexOf(n));
  const sensitive = stage.model.lDiversity ? columns.indexOf(stage.model.lDiversity.sensitive) : -1;
  return (out, raw, row) => {
    const c = stage.classOf[row]!;
    const values = c === -1 ? undefined : stage.outputs[c]!;
    for (let j = 0; j < positions.length; j++) {
      const at = positions[j]!;
      const published = values ? values[j]! : SUPPRESSED;
      pipeline.republish(at, raw[sources[j]!], out[at], published);
      out[at] = published;
    }
    stage.published.add(c === -1 ? stage.published.maskedClass : c, out, positions, sensitive >= 0 ? cellText(out[sensitive]) : undefined);
    return out;
  };
}
