// The streaming engine: every row through the pure pipeline, in this thread
// or in worker threads (./threads.ts), CSV and JSON Lines read and written by
// our own readers and writers, Parquet and globs of files read and written
// by DuckDB (../duckdb/rows.ts). With k-anonymity the input is read twice:
// the first pass counts the quasi-identifiers (src/core/stage.ts), the
// writing pass publishes each row's class. Returns the result every engine
// returns; ../finish.ts writes the report and puts the files into place.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { VeilError, type UsageProblem } from '../../lib/errors.js';
import { checkHeader, jsonRow, sparseHeader, type Pipeline } from '../../core/pipeline.js';
import { rowGate } from '../../core/gate.js';
import { firstPass, stageModel, type KStage } from '../../core/stage.js';
import { UtilitySample } from '../../utility/sample.js';
import { utilitySection } from '../../utility/section.js';
import { openInput, openSink, privateFolder, readableTwice, removeSpool, spoolInput, type Sink } from '../../io/files.js';
import { kindOfPath } from '../../io/formats.js';
import { spoolFiles } from '../../io/concat.js';
import { readByDuckdb } from '../../io/settings.js';
import { pieces, type Piece } from '../../io/pieces.js';
import { Progress } from '../../io/progress.js';
import { utf8 } from '../../io/utf8.js';
import { csvHeader, eachJsonLine, readCsv, readJsonl, type InputEvent } from '../../io/read.js';
import type { JsonPath } from '../../lib/json-paths.js';
import type { SecretKey } from '../../lib/key.js';
import type { Policy } from '../../policy/load.js';
import { openParquetSink, parquetToJsonl, parquetTypes, type ParquetShape } from '../duckdb/rows.js';
import { describeInput, digestFiles, duckdbVersion, engineInputs } from '../duckdb/execute.js';
import type { Asked, Engine, RunRequest, RunResult, Settings } from '../request.js';
import { PieceWriter, type PieceResult } from './piece.js';
import { writeInThreads } from './threads.js';

const usage = (code: UsageProblem['code'], detail: string) => new VeilError({ kind: 'usage', code, detail });

export const streamEngine: Engine = { name: 'stream', run: runStream };

/** Input rows as events: a header, then rows with their line. */
export function inputEvents(s: Pick<Settings, 'inputFormat' | 'delimiter'>, stream: NodeJS.ReadableStream, policy: Policy): AsyncGenerator<InputEvent[]> {
  if (s.inputFormat === 'csv') return readCsv(stream as never, { delimiter: s.delimiter, skipMalformed: policy.onInvalid !== 'error' });
  return (async function* () {
    let toRow: ReturnType<typeof jsonRow> | undefined;
    // The first pass skips what the second sets aside (a record that gives a key twice, under on_invalid drop or quarantine).
    for await (const objects of readJsonl(stream as never, policy.onInvalid === 'error' ? undefined : () => undefined)) {
      const batch: InputEvent[] = [];
      for (const { object, line } of objects) {
        if (!toRow) {
          const { header, nested } = sparseHeader(policy, object, line);
          toRow = jsonRow(policy, header, nested);
          batch.push({ header });
        }
        batch.push({ row: toRow(object, line), line });
      }
      yield batch;
    }
  })();
}

async function runStream(req: RunRequest): Promise<RunResult> {
  const { policy, key, plan } = req;
  const asked = req.settings;
  // A noised column is always measured against its spread: noise that dwarfs it is never silent.
  const s = asked.utility || !policy.columns.some((col) => col.transform === 'noise') ? asked : { ...asked, utility: true };
  const model = stageModel(policy, plan);
  // Parquet and globs of CSV files are read by DuckDB into a private spool of JSON Lines, which the passes read.
  const viaDuckdb = readByDuckdb(s.input) ? await rowsFromDuckdb(s, policy, key?.key) : undefined;
  // A glob of JSON Lines files is read by our own reader, from one spool of the files' lines (src/io/concat.ts).
  const files = !viaDuckdb && s.input.glob ? await spoolFiles(await engineInputs(s.inputPath!), s.input.encoding) : undefined;
  // The k-anonymity stage reads the input twice: stdin or a pipe is spooled to a temporary file first.
  const spool = !viaDuckdb && !files && model && !(await readableTwice(s.inputPath)) ? await spoolInput(s.inputPath) : undefined;
  const inputPath = viaDuckdb?.spool ?? files?.path ?? spool ?? s.inputPath;
  const ws = viaDuckdb || files ? { ...s, inputGzip: false, inputEncoding: 'utf-8' as const } : s;
  try {
    let stage: KStage | undefined;
    let firstRead: string | undefined;
    if (model) {
      const first = await openInput(inputPath, ws.inputGzip, ws.inputEncoding);
      stage = await firstPass({
        events: inputEvents(ws, first.stream, policy),
        policy,
        model,
        plan,
        key: key?.key,
        seed: s.seed,
        sparse: ws.inputFormat === 'jsonl' && !viaDuckdb,
        featurize: req.featurize,
        rowRules: (header) => rowGate(policy, header, key?.key),
      }).finally(() => first.close());
      firstRead = `${first.tap.bytes} ${first.tap.digest()}`;
    }
    const rowsBecause = req.rowsBecause;
    // `io` only when DuckDB read or writes the files: a single CSV or JSON Lines file, and a glob of JSON Lines files, are read by our readers.
    const duckIo = viaDuckdb !== undefined || s.output.format === 'parquet';
    const engine = duckIo || rowsBecause ? { name: 'stream', ...(duckIo && { io: `duckdb ${duckdbVersion()}` }), ...(rowsBecause !== undefined && { asked: 'duckdb', rows_through_stream_because: rowsBecause }) } : undefined;
    return await writePass(req, { s: ws, inputPath, stage, firstRead, input: viaDuckdb?.digest ?? files?.digest, engine, parquetTypes: viaDuckdb?.types, rejectsOf: files && ((text) => files.placeRejects(text)) });
  } catch (e) {
    throw files ? files.placeError(e) : e;
  } finally {
    if (spool) await removeSpool(spool);
    viaDuckdb?.remove();
    files?.remove();
  }
}

/**
 * A Parquet input (or a glob of files) as the writing passes read it: its
 * columns checked as the duckdb engine checks them (missing and unlisted
 * columns, names given twice), then every row spooled as JSON Lines to a
 * private folder, removed after the run. Standard input is spooled first.
 */
async function rowsFromDuckdb(s: Settings & Asked, policy: Policy, key: SecretKey | undefined) {
  if (s.input.encoding !== 'utf-8') throw usage('USAGE_ENGINE', `DuckDB reads Parquet and globs of files as UTF-8, not ${s.input.encoding}: convert the files, or name each CSV file`);
  const stdinSpool = s.inputPath === undefined ? await spoolInput(undefined) : undefined;
  const folder = privateFolder('rows');
  try {
    const files = stdinSpool ? [stdinSpool] : await engineInputs(s.inputPath!);
    const named = new Set(policy.columns.map((c) => c.name));
    const described = await describeInput(files, s.input.format === 'parquet' ? 'parquet' : 'csv', s.input.delimiter, (name) => named.has(name));
    await checkHeader(policy, described.header, { key, sparse: false });
    const spool = join(folder.path, 'input.jsonl');
    await parquetToJsonl(described, spool);
    const types = s.output.format === 'parquet' && described.format === 'parquet' ? await parquetTypes(described) : undefined;
    return {
      spool,
      types,
      digest: { ...(await digestFiles(files)), ...(files.length > 1 && { files: files.length }) },
      remove: () => {
        folder.remove();
        if (stdinSpool) void removeSpool(stdinSpool);
      },
    };
  } catch (e) {
    folder.remove();
    if (stdinSpool) await removeSpool(stdinSpool);
    throw e;
  }
}

interface PassContext {
  readonly s: Settings & Asked;
  readonly inputPath: string | undefined;
  readonly stage: KStage | undefined;
  /** Bytes and SHA-256 of the input as the first pass read it: the writing pass must read the same. */
  readonly firstRead: string | undefined;
  /** The input's files' bytes and digest when DuckDB read them (Parquet, a glob), not the spool's. */
  readonly input?: RunResult['input'];
  /** The report's engine section, when DuckDB read or writes the files. */
  readonly engine?: RunResult['engine'];
  /** Parquet to Parquet: the input columns' types, kept by the columns published as they are. */
  readonly parquetTypes?: ReadonlyMap<string, string>;
  /** A glob of JSON Lines files: the rejects said of their files' lines, not the spool's. */
  readonly rejectsOf?: (text: string) => string;
}

/** The pass that writes: every row through the pipeline, then the k-anonymity stage's published values or removal. */
async function writePass(req: RunRequest, c: PassContext): Promise<RunResult> {
  const { policy, key, flags, io } = req;
  const { s, stage } = c;
  const source = await openInput(c.inputPath, s.inputGzip, s.inputEncoding);
  let shape: ParquetShape | undefined;
  const sink: Sink = s.output.format === 'parquet' ? await openParquetSink(s.outputPath, io.stdout, () => shape) : await openSink(s.outputPath, s.outputGzip, io.stdout);
  const rejectsSink = flags.rejects === undefined ? undefined : await openSink(flags.rejects, kindOfPath(flags.rejects).gzip, io.stdout, { private: true });
  const progress = new Progress(io.stderr, !flags.quiet && io.stderr.isTTY === true, () => source.tap.bytes);
  const abort = async () => {
    progress.stop();
    await sink.abort();
    await rejectsSink?.abort();
    source.close();
  };
  try {
    let chunk = '';
    const flush = async () => {
      await sink.write(chunk);
      chunk = '';
    };
    let rowsIn = 0;
    const removedBy: Record<string, number> = {};
    const violations = new Map<string, Record<string, number>>();
    const utility = s.utility ? new UtilitySample(true) : undefined;
    const input = pieces(source.stream, s.inputFormat)[Symbol.asyncIterator]();
    const found = await findHeader(input, s, policy);
    const { header, read } = found;
    // The columns read from nested objects are written inside them again (JSON Lines output).
    const sw = { ...s, nested: found.nested };
    const writer = header && (await PieceWriter.create(policy, header, sw, key?.key, stage));
    const pipeline = writer?.pipeline;
    if (pipeline && s.output.format === 'parquet') shape = parquetShape(pipeline, found.nested, c.parquetTypes, stage);
    let workers = 0;
    if (writer) {
      chunk += writer.headerText;
      const init = { policyText: req.policyText, policyPath: flags.policy, header: header!, settings: sw, key: key?.key.forThread() };
      const plan = await planWriting(read, input, threadsFor(s, policy, stage), s.threads === undefined ? MIN_PIECES_FOR_THREADS.default : MIN_PIECES_FOR_THREADS.asked);
      workers = plan.workers;
      const results = workers > 0 ? writeInThreads(plan.pieces, workers, init, () => utility?.reached ?? Infinity) : inThisThread(writer, plan.pieces);
      for await (const r of results) {
        writer.absorb(r);
        rowsIn += r.rowsIn;
        for (const [reason, n] of Object.entries(r.removedBy)) removedBy[reason] = (removedBy[reason] ?? 0) + n;
        for (const [name, codes] of r.violations) {
          const counts = violations.get(name) ?? {};
          for (const [code, n] of Object.entries(codes)) counts[code] = (counts[code] ?? 0) + n;
          violations.set(name, counts);
        }
        if (r.sample) utility?.absorb(r.sample);
        if (r.rejects) await rejectsSink!.write(c.rejectsOf ? c.rejectsOf(r.rejects) : r.rejects);
        if (typeof r.text === 'string') {
          chunk += r.text;
          if (chunk.length < 1 << 16) continue;
          await flush();
        } else {
          // A worker's rows, as bytes: written as they are, after the text before them.
          if (chunk.length > 0) await flush();
          await sink.write(r.text);
        }
        progress.tick(rowsIn);
      }
    }
    const kept = writer?.keptRows ?? 0;
    // With k-anonymity the first pass has checked the columns (and saw the rows this pass removes).
    if (!stage) pipeline?.finish();
    if (chunk.length > 0) await flush();
    await sink.end();
    await rejectsSink?.end();
    progress.stop();
    // Rows published from classes computed on other data could break k: the two passes must read the same bytes.
    if (stage && (kept !== stage.classOf.length || `${source.tap.bytes} ${source.tap.digest()}` !== c.firstRead)) {
      throw new VeilError({ kind: 'input', code: 'INPUT_CHANGED' });
    }
    const invalid = (removedBy.invalid ?? 0) + (removedBy.malformed ?? 0);
    if (rowsIn > 0 && invalid / rowsIn > policy.maxInvalid) {
      throw new VeilError({ kind: 'input', code: 'INVALID_OVER_LIMIT', expected: `at most ${policy.maxInvalid} of the rows (max_invalid), found ${invalid} of ${rowsIn}` });
    }
    const rows = { in: rowsIn, out: rowsIn - Object.values(removedBy).reduce((a, b) => a + b, 0), removed: removedBy };
    return {
      rows,
      columns: pipeline?.columns() ?? [],
      input: c.input ?? { bytes: source.tap.bytes, sha256: source.tap.digest() },
      output: { bytes: sink.tap.bytes, sha256: sink.tap.digest() },
      engine: c.engine ?? { name: 'stream' },
      stage,
      residual: writer?.residual,
      violations,
      utility: utility && header && pipeline ? utilityOf(utility, header, pipeline, stage, flags.utilityPairs, flags.utilityTarget, policy.reportMinCount) : undefined,
      how: workers > 0 ? `, ${workers} worker threads` : '',
      commit: async () => {
        await sink.commit();
        await rejectsSink?.commit();
      },
      abort,
    };
  } catch (e) {
    await abort();
    throw e;
  }
}

/**
 * The Parquet output's columns: those published as they are keep the
 * input's Parquet type (as on the duckdb engine), the rest are text. A list,
 * map or struct kept whole would come out as its JSON text: refused, naming
 * it, rather than written differently from the duckdb engine.
 */
function parquetShape(pipeline: Pipeline, nested: readonly JsonPath[], types: ReadonlyMap<string, string> | undefined, stage: KStage | undefined): ParquetShape {
  const generalized = new Set(stage?.model.quasiIdentifiers ?? []);
  const kept = new Map<string, string>();
  for (const c of pipeline.columns()) {
    const type = types?.get(c.name);
    if (c.transform !== 'keep' || type === undefined || generalized.has(c.name)) continue;
    if (/[[(]|^(STRUCT|MAP|UNION)/.test(type)) {
      throw usage('USAGE_ENGINE', `the rows of this policy go through the streaming engine, which would write the kept ${type} column ${c.name} as JSON text: drop it, or run a policy the duckdb engine compiles`);
    }
    kept.set(c.name, type);
  }
  return { names: pipeline.outputColumns, nested, types: kept };
}

/** --utility-pairs a:b,c:d */
function utilityPairs(text: string | undefined): [string, string][] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((p) => {
    const parts = p.split(':');
    if (parts.length !== 2 || parts.some((x) => x === '')) throw usage('USAGE_UTILITY', `--utility-pairs takes pairs of columns a:b, comma-separated, not ${JSON.stringify(p)}`);
    return [parts[0]!, parts[1]!];
  });
}

/** The report's utility section from the sample (no count of fewer rows than report.min_count, else k, at least 10). */
function utilityOf(sample: UtilitySample, header: readonly string[], pipeline: Pipeline, stage: KStage | undefined, pairsFlag: string | undefined, target: string | undefined, minCountSet: number | undefined): ReturnType<typeof utilitySection> {
  const pairs = utilityPairs(pairsFlag);
  for (const name of [...(pairs?.flat() ?? []), ...(target === undefined ? [] : [target])]) {
    if (!header.includes(name)) throw usage('USAGE_UTILITY', `the input has no column ${JSON.stringify(name)}`);
  }
  return utilitySection({
    rows: sample.rows(),
    seen: sample.seen,
    header,
    outputColumns: pipeline.outputColumns,
    columns: pipeline.columns(),
    quasiIdentifiers: stage?.model.quasiIdentifiers ?? [],
    minCount: minCountSet ?? Math.max(10, stage?.model.k ?? 0),
    pairs,
    target,
  });
}

/**
 * The input's columns: the first CSV record, or the keys of the first JSONL
 * object (then the policy's columns it lacks). Returns the pieces read to
 * find them, which still have to be written.
 */
async function findHeader(input: AsyncIterator<Piece>, s: Settings, policy: Policy): Promise<{ header: string[] | undefined; nested: JsonPath[]; read: Piece[] }> {
  const read: Piece[] = [];
  for (;;) {
    const next = await input.next();
    if (next.done) {
      if (s.inputFormat === 'csv') throw new VeilError({ kind: 'input', code: 'CSV_NO_HEADER', line: 1 });
      return { header: undefined, nested: [], read };
    }
    read.push(next.value);
    const text = utf8(next.value.bytes, next.value.line);
    if (s.inputFormat === 'csv') return { header: csvHeader(text, s.delimiter), nested: [], read };
    let found: { header: string[]; nested: JsonPath[] } | undefined;
    eachJsonLine(text, next.value.line, (object, line) => {
      found = sparseHeader(policy, object, line);
      return true;
    });
    if (found) return { ...found, read };
  }
}

/**
 * How many worker threads write the pieces: --threads, else one per core up
 * to four. One (this thread) when a k-anonymity stage numbers the rows, or a
 * seeded transform draws from one stream per column in row order.
 */
function threadsFor(s: Settings, policy: Policy, stage: KStage | undefined): number {
  if (stage) return 1;
  if (s.seed !== undefined && policy.columns.some((c) => c.configured.epsilon !== undefined)) return 1;
  return s.threads ?? Math.min(availableParallelism(), 4);
}

/**
 * Inputs of fewer pieces are written without worker threads: starting them
 * (an isolate each, the bundle, the transforms, all cold) costs more than they
 * save below about 8 MiB. With the demo policy, by default, 10,000 rows
 * (1.7 MB) took 1.42x as long with workers as without, 25,000 rows 1.17x,
 * 50,000 rows (8.3 MB) 1.02x; with keep alone 0.97x at 8 MB and 0.79x at 25 MB.
 * An explicit --threads N asks for workers from 1 MiB on.
 */
const MIN_PIECES_FOR_THREADS = { default: 32, asked: 4 } as const;

/**
 * The input's pieces (those read to find the header first), and how many
 * worker threads write them: none when `threads` is 1 or the input holds fewer
 * than `minPieces` pieces (read here, ahead, to know).
 */
async function planWriting(read: readonly Piece[], rest: AsyncIterator<Piece>, threads: number, minPieces: number): Promise<{ pieces: AsyncIterable<Piece>; workers: number }> {
  const head = [...read];
  let done = false;
  while (threads > 1 && !done && head.length < minPieces) {
    const n = await rest.next();
    if (n.done) done = true;
    else head.push(n.value);
  }
  const pieces = (async function* () {
    yield* head;
    if (done) return;
    for (let n = await rest.next(); !n.done; n = await rest.next()) yield n.value;
  })();
  return { pieces, workers: threads > 1 && head.length >= minPieces ? threads : 0 };
}

async function* inThisThread(writer: PieceWriter, pieces: AsyncIterable<Piece>): AsyncGenerator<PieceResult> {
  for await (const p of pieces) yield writer.run(p);
}
