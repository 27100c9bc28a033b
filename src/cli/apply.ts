// `veil apply`: wires files, formats, the key and the report around the pure
// pipeline. Order matters: the policy is checked whole before the key, the key
// before any input is read, the header before any row, and nothing is left on
// disk unless everything succeeded.

import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { VeilError, type UsageProblem } from '../lib/errors.js';
import { checkHeader, jsonRow, sparseHeader, type ColumnReport, type Pipeline } from '../core/pipeline.js';
import { buildReport } from '../core/report.js';
import { rowGate } from '../core/gate.js';
import { dpSection, seededColumns } from '../core/differential-privacy.js';
import { safeHarborSection } from '../governance/hipaa.js';
import { UtilitySample } from '../utility/sample.js';
import { htmlRenderer } from '../report/renderer.js';
import { utilitySection } from '../utility/section.js';
import { firstPass, kSection, stageModel, type KStage } from '../core/stage.js';
import { parsePlan, type Plan } from '../privacy/plan.js';
import { fileIdentity, READ_LIMITS, readBoundedSync, sweepOrphans, openInput, openSink, readableTwice, removeSpool, spoolInput, stageFile, privateFolder, type Sink, type Staged } from '../io/files.js';
import { kindOfPath } from '../io/formats.js';
import { pieces, type Piece } from '../io/pieces.js';
import { utf8 } from '../io/utf8.js';
import { csvHeader, eachJsonLine, readCsv, readJsonl, type InputEvent } from '../io/read.js';
import type { JsonPath } from '../lib/json-paths.js';
import type { Policy } from '../policy/load.js';
import { PieceWriter, type PieceResult } from '../engines/stream/piece.js';
import { openParquetSink, parquetToJsonl, parquetTypes, type ParquetShape } from '../engines/duckdb/rows.js';
import { describeInput, digestFiles, duckdbVersion, engineInputs } from '../engines/duckdb/run.js';
import { uncompiled } from '../engines/sql/compile.js';
import type { SecretKey } from '../lib/key.js';
import { findingsText, runWarnings } from './warnings.js';
import { applyOnDuckdb } from './apply-duckdb.js';
import { engineOf, resolveSettings, stdinKind, type ApplyFlags, type Asked, type Settings, type Streams } from './apply-options.js';

export type { ApplyFlags, Streams } from './apply-options.js';
export { resolveSettings, stdinKind } from './apply-options.js';
import { writeInThreads, type WorkerInit } from '../engines/stream/threads.js';
import { readFailure, readPolicy } from '../policy/file.js';
import { loadKey } from './key.js';
import { Progress } from './progress.js';
import { VERSION } from './version.js';

const usage = (code: UsageProblem['code'], detail: string) => new VeilError({ kind: 'usage', code, detail });

/** --utility-pairs a:b,c:d */
function utilityPairs(text: string | undefined): [string, string][] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((p) => {
    const parts = p.split(':');
    if (parts.length !== 2 || parts.some((x) => x === '')) throw usage('USAGE_UTILITY', `--utility-pairs takes pairs of columns a:b, comma-separated, not ${JSON.stringify(p)}`);
    return [parts[0]!, parts[1]!];
  });
}

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

async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = readBoundedSync(path, READ_LIMITS.data).toString('utf8');
  } catch (e) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: `${path} (${readFailure(e)})` });
  }
  const plan = parsePlan(text);
  if (typeof plan === 'string') throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: `${path}: ${plan}` });
  return plan;
}

export async function runApply(input: string | undefined, flags: ApplyFlags, io: Streams): Promise<number> {
  const started = new Date();
  const t0 = performance.now();
  const { policy, sha256: policySha, text: policyText } = await readPolicy(flags.policy);
  const asked = resolveSettings(input, flags, await stdinKind(input), policy.input);
  const engine = engineOf(asked.input, asked.output, flags);
  // What the duckdb engine does not compile runs through the streaming engine's transforms, DuckDB reading and writing the files.
  let rowsBecause = engine === 'duckdb' ? rowPipelineReason(policy, flags, asked) : undefined;
  if (engine === 'duckdb' && rowsBecause === undefined) {
    try {
      return await applyOnDuckdb(asked, { policy, sha256: policySha }, flags, io, started, t0);
    } catch (e) {
      // DuckDB cannot say on which line of a CSV file a value or a record is wrong: the streaming engine reads the
      // file again (nothing was written) and stops where it does, naming the line.
      if (!lineToName(e, asked)) throw e;
      rowsBecause = 'an input error, whose line the streaming reader names';
    }
  } else if (rowsBecause !== undefined && flags.engine === 'duckdb' && !flags.quiet) {
    io.stderr.write(`veil: the duckdb engine reads and writes the files; the rows go through the streaming engine's transforms, as ${rowsBecause} is not compiled to SQL\n`);
  }
  await distinctPaths(asked, flags);
  await sweepBefore(asked, flags, io);
  // A noised column is always measured against its spread: noise that dwarfs it is never silent.
  const s = asked.utility || !policy.columns.some((col) => col.transform === 'noise') ? asked : { ...asked, utility: true };
  const key = await loadKey(flags.keyFile, io.env, flags.allowDemoKey === true);
  if (policy.needsKey && !key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });
  const reproducible = seededColumns(policy, s.seed !== undefined);
  if (reproducible.length > 0) {
    io.stderr.write(`veil: warning: --seed makes the noise of ${reproducible.join(', ')} reproducible: whoever knows the seed can regenerate and remove it, so this output is NOT differentially private (seeded randomness is for tests)\n`);
  }

  if ((policy.onInvalid === 'quarantine') !== (flags.rejects !== undefined) || flags.rejects === '-') {
    throw new VeilError({
      kind: 'usage',
      code: 'USAGE_REJECTS',
      detail: policy.onInvalid === 'quarantine' ? 'on_invalid: quarantine needs --rejects FILE (never stdout)' : '--rejects FILE goes with on_invalid: quarantine',
    });
  }
  const featurize = flags.planMode === 'featurize';
  if (flags.planMode !== undefined && (flags.plan === undefined || !['enforce', 'featurize'].includes(flags.planMode))) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: flags.plan === undefined ? '--plan-mode goes with --plan' : `--plan-mode is enforce or featurize, not ${JSON.stringify(flags.planMode)}` });
  }
  const plan = flags.plan === undefined ? undefined : await readPlanFile(flags.plan);
  const model = stageModel(policy, plan);
  if (flags.planOut !== undefined && (!model || plan)) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: '--plan-out needs a policy with k_anonymity (and no --plan)' });
  }

  // Parquet and globs of files are read by DuckDB into a private spool of JSON Lines, which the passes read.
  const viaDuckdb = s.input.format === 'parquet' || s.input.glob ? await rowsFromDuckdb(s, policy, key?.key) : undefined;
  // The k-anonymity stage reads the input twice: stdin or a pipe is spooled to a temporary file first.
  const spool = !viaDuckdb && model && !(await readableTwice(s.inputPath)) ? await spoolInput(s.inputPath) : undefined;
  const inputPath = viaDuckdb?.spool ?? spool ?? s.inputPath;
  const ws = viaDuckdb ? { ...s, inputGzip: false, inputEncoding: 'utf-8' as const } : s;
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
        featurize,
        rowRules: (header) => rowGate(policy, header, key?.key),
      }).finally(() => first.close());
      firstRead = `${first.tap.bytes} ${first.tap.digest()}`;
    }
    const engineFacts = viaDuckdb || s.output.format === 'parquet' || rowsBecause ? { name: 'stream', io: `duckdb ${duckdbVersion()}`, ...(rowsBecause !== undefined && { asked: 'duckdb', rows_through_stream_because: rowsBecause }) } : undefined;
    return await writePass(input, flags, io, { s: ws, inputPath, policy, policySha, policyText, key, stage, firstRead, started, t0, inputFacts: viaDuckdb?.facts, engineFacts, parquetTypes: viaDuckdb?.types });
  } finally {
    if (spool) await removeSpool(spool);
    viaDuckdb?.remove();
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
    const digest = await digestFiles(files);
    const types = s.output.format === 'parquet' && described.format === 'parquet' ? await parquetTypes(described) : undefined;
    return {
      spool,
      types,
      facts: { path: s.inputPath ?? null, format: s.input.format === 'parquet' ? 'parquet' : 'csv', ...(described.format === 'csv' && { delimiter: described.delimiter }), gzip: false, ...(files.length > 1 && { files: files.length }), ...digest },
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

/**
 * An input error of the duckdb engine that names no line, of one CSV file
 * that can be read again: DuckDB's read error, or a value a transform
 * refused (its functions get values without their line).
 */
function lineToName(e: unknown, s: Settings & Asked): boolean {
  if (!(e instanceof VeilError) || s.input.path === undefined || s.input.glob || s.input.format !== 'csv') return false;
  return e.problems.some((p) => p.kind === 'input' && p.line === undefined && (p.code === 'ENGINE_READ_FAILED' || p.columnName !== undefined));
}

/**
 * Why the duckdb engine hands the rows to the streaming engine's transforms
 * (undefined: it compiles the whole run to SQL): a policy feature or a flag
 * it does not compile, a JSON Lines input, an encoding, seeded randomness.
 */
function rowPipelineReason(policy: Policy, flags: ApplyFlags, s: Settings & Asked): string | undefined {
  const feature = uncompiled(policy, true);
  if (feature !== undefined) return feature;
  const taken: [keyof ApplyFlags, string][] = [
    ['plan', '--plan'],
    ['rejects', '--rejects'],
    ['reportHtml', '--report-html'],
    ['utility', '--utility'],
    ['utilityTarget', '--utility-target'],
    ['utilityPairs', '--utility-pairs'],
    ['escapeFormulas', '--escape-formulas'],
  ];
  for (const [flag, name] of taken) if (flags[flag] !== undefined) return name;
  if (s.input.format === 'jsonl') return 'a JSON Lines input';
  if (s.input.encoding !== 'utf-8') return `--encoding ${s.input.encoding}`;
  const randomized = policy.columns.filter((c) => c.configured.epsilon !== undefined).map((c) => c.name);
  // DuckDB calls functions in the order its threads finish their chunks: a seeded stream per column would not give the same bytes twice.
  if (s.seed !== undefined && randomized.length > 0) return `--seed with noise or randomized response (${randomized.join(', ')})`;
  return undefined;
}

/**
 * Removes what killed runs left behind where this run works: spools of raw
 * input in the temporary folder, and temporary files beside this run's
 * targets (files of processes that are gone; see sweepOrphans).
 */
async function sweepBefore(s: Settings, flags: ApplyFlags, io: Streams): Promise<void> {
  const removed = await sweepOrphans(tmpdir());
  for (const path of [s.outputPath, flags.report, flags.reportHtml, flags.planOut, flags.rejects]) {
    if (path !== undefined && path !== '-') removed.push(...(await sweepOrphans(dirname(resolve(path)), basename(path))));
  }
  if (removed.length > 0 && !flags.quiet) io.stderr.write(`veil: removed ${removed.length} temporary files left by runs that were killed: ${removed.join(', ')}\n`);
}

/**
 * Output, report, plan and rejects are distinct files, and none of the last
 * three is the input: `-o X --report X` left X holding the report alone. The
 * output may replace the input (it is renamed into place at the end).
 */
async function distinctPaths(s: Settings, flags: ApplyFlags): Promise<void> {
  const named = [
    ['--output', s.outputPath],
    ['--report', flags.report],
    ['--report-html', flags.reportHtml],
    ['--plan-out', flags.planOut],
    ['--rejects', flags.rejects],
  ].filter((x): x is [string, string] => x[1] !== undefined && x[1] !== '-');
  const seen = new Map<string, string>();
  if (s.inputPath !== undefined) {
    const id = await fileIdentity(s.inputPath);
    if (id !== undefined) seen.set(id, 'the input');
  }
  for (const [flag, path] of named) {
    const id = await fileIdentity(path);
    if (id === undefined) continue;
    const other = seen.get(id);
    if (other !== undefined && !(other === 'the input' && flag === '--output')) {
      throw usage('USAGE_PATHS', `${flag} ${path} is the same file as ${other}: each must be a file of its own`);
    }
    seen.set(id, `${flag} ${path}`);
  }
}

interface PassContext {
  readonly s: Settings & Asked;
  readonly inputPath: string | undefined;
  readonly policy: Policy;
  readonly policySha: string;
  readonly policyText: string;
  readonly key: Awaited<ReturnType<typeof loadKey>>;
  readonly stage: KStage | undefined;
  /** Bytes and SHA-256 of the input as the first pass read it: the writing pass must read the same. */
  readonly firstRead: string | undefined;
  readonly started: Date;
  readonly t0: number;
  /** The input as the report describes it, when DuckDB read it (Parquet, a glob): its files' bytes and digest, not the spool's. */
  readonly inputFacts?: Record<string, unknown>;
  /** The report's engine section, when DuckDB read or writes the files. */
  readonly engineFacts?: Record<string, unknown>;
  /** Parquet to Parquet: the input columns' types, kept by the columns published as they are. */
  readonly parquetTypes?: ReadonlyMap<string, string>;
}

/** The pass that writes: every row through the pipeline, then the k-anonymity stage's published values or removal. */
async function writePass(input: string | undefined, flags: ApplyFlags, io: Streams, c: PassContext): Promise<number> {
  const { s, policy, key, stage } = c;
  const source = await openInput(c.inputPath, s.inputGzip, s.inputEncoding);
  let shape: ParquetShape | undefined;
  const sink: Sink = s.output.format === 'parquet' ? await openParquetSink(s.outputPath, io.stdout, () => shape) : await openSink(s.outputPath, s.outputGzip, io.stdout);
  const rejectsSink = flags.rejects === undefined ? undefined : await openSink(flags.rejects, kindOfPath(flags.rejects).gzip, io.stdout, { private: true });
  const staged: Staged[] = [];
  const progress = new Progress(io.stderr, !flags.quiet && io.stderr.isTTY === true, () => source.tap.bytes);
  try {
    let chunk = '';
    const flush = async () => {
      await sink.write(chunk);
      chunk = '';
    };
    let rowsIn = 0;
    const removedBy: Record<string, number> = {};
    const violationCounts = new Map<string, Record<string, number>>();
    const utility = s.utility ? new UtilitySample(true) : undefined;
    const input = pieces(source.stream, s.inputFormat)[Symbol.asyncIterator]();
    const found = await findHeader(input, s, policy);
    const { header, read } = found;
    // The columns read from nested objects are written inside them again (JSON Lines output).
    const sw = { ...s, nested: found.nested };
    const writer = header && (await PieceWriter.create(policy, header, sw, key?.key, stage));
    const pipeline = writer?.pipeline;
    const residual = writer?.residual;
    if (pipeline && s.output.format === 'parquet') shape = parquetShape(pipeline, found.nested, c.parquetTypes, stage);
    let workers = 0;
    if (writer) {
      chunk += writer.headerText;
      const init = { policyText: c.policyText, policyPath: flags.policy, header: header!, settings: sw, key: key?.key.forThread() };
      const plan = await planWriting(read, input, threadsFor(s, policy, stage), s.threads === undefined ? MIN_PIECES_FOR_THREADS.default : MIN_PIECES_FOR_THREADS.asked);
      workers = plan.workers;
      const results = workers > 0 ? writeInThreads(plan.pieces, workers, init, () => utility?.reached ?? Infinity) : inThisThread(writer, plan.pieces);
      for await (const r of results) {
        writer.absorb(r);
        rowsIn += r.rowsIn;
        for (const [reason, n] of Object.entries(r.removedBy)) removedBy[reason] = (removedBy[reason] ?? 0) + n;
        for (const [name, codes] of r.violations) {
          const counts = violationCounts.get(name) ?? {};
          for (const [code, n] of Object.entries(codes)) counts[code] = (counts[code] ?? 0) + n;
          violationCounts.set(name, counts);
        }
        if (r.sample) utility?.absorb(r.sample);
        if (r.rejects) await rejectsSink!.write(r.rejects);
        chunk += r.text;
        if (chunk.length >= 1 << 16) {
          await flush();
          progress.tick(rowsIn);
        }
      }
    }
    const kept = writer?.keptRows ?? 0;
    // With k-anonymity the first pass has checked the columns (and saw the rows this pass removes).
    if (!stage) pipeline?.finish();
    if (chunk.length > 0) await flush();
    await sink.end();
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
    const seconds = (performance.now() - c.t0) / 1000;
    // Findings fail the run when asked (--fail-on-pii), and under the Safe Harbor preset, whose standard they break.
    if (residual && residual.total > 0 && (flags.failOnPii || policy.preset)) {
      const found = `${residual.total} findings: ${findingsText(residual.findings)}`;
      throw new VeilError(
        flags.failOnPii
          ? { kind: 'privacy', code: 'RESIDUAL_PII', required: 'no personal data left in published columns (--fail-on-pii)', found }
          : { kind: 'privacy', code: 'SAFE_HARBOR_NOT_MET', required: 'no identifier left in published columns (extends: hipaa-safe-harbor)', found },
      );
    }
    const dp = dpSection(policy, s.seed !== undefined, pipeline?.columns() ?? []);
    const privacy = {
      ...(stage && { k_anonymity: kSection(stage, rowsIn) }),
      ...(dp && { differential_privacy: dp }),
      ...(residual && { residual_pii: residual.section(flags.failOnPii === true) }),
      ...(policy.preset && pipeline && { hipaa_safe_harbor: safeHarborSection(presetView(pipeline.columns()), policy.notIdentifiers, policy.presetSettings) }),
    };
    const measured = utility && header && pipeline ? utilityOf(utility, header, pipeline, stage, flags, policy.reportMinCount) : undefined;
    // What a person must know is never silent, even with -q (it is not the summary); the report holds it too.
    const warnings = [...runWarnings({ residual, stage, rows, policy }), ...(measured?.warnings ?? [])];
    if (flags.planOut !== undefined && stage) staged.push(await stageFile(flags.planOut, `${JSON.stringify(stage.plan(), null, 1)}\n`));
    if (flags.report !== undefined || flags.reportHtml !== undefined) {
      const report = buildReport({
        tool: { name: 'veil', version: VERSION, node: process.version },
        command: 'apply',
        startedAt: c.started,
        durationSeconds: seconds,
        policy: { path: flags.policy, sha256: c.policySha, unlisted: policy.unlisted },
        input: (c.inputFacts as never) ?? { path: s.inputPath ?? null, format: s.inputFormat, ...(s.inputFormat === 'csv' && { delimiter: s.delimiter }), gzip: s.inputGzip, encoding: s.inputEncoding, bytes: source.tap.bytes, sha256: source.tap.digest() },
        output: { path: s.outputPath ?? null, format: s.output.format, ...(s.output.format === 'csv' && { delimiter: s.outputDelimiter, escape_formulas: s.escapeFormulas }), gzip: s.outputGzip, bytes: sink.tap.bytes, sha256: sink.tap.digest() },
        ...(c.engineFacts && { engine: c.engineFacts }),
        key: key ? { fingerprint: key.key.fingerprint(), source: key.source } : null,
        seeded: s.seed !== undefined,
        rows,
        columns: pipeline?.columns() ?? [],
        privacy,
        violations: violationCounts,
        utility: measured?.section,
        warnings,
      });
      if (flags.report !== undefined) staged.push(await stageFile(flags.report, `${JSON.stringify(report, null, 2)}\n`));
      if (flags.reportHtml !== undefined) staged.push(await stageFile(flags.reportHtml, htmlRenderer()(report)));
    }
    await rejectsSink?.end();
    await sink.commit();
    await rejectsSink?.commit();
    for (const file of staged) await file.commit();
    for (const w of warnings) io.stderr.write(`veil: warning: ${w}\n`);
    if (!flags.quiet) {
      const removed = Object.values(rows.removed).reduce((a, b) => a + b, 0);
      const rate = seconds > 0 ? Math.round(rows.in / seconds) : rows.in;
      const threads = workers > 0 ? `, ${workers} worker threads` : '';
      const warned = warnings.length > 0 ? `; ${warnings.length} warning${warnings.length > 1 ? 's' : ''} above` : '';
      io.stderr.write(`veil apply: ${rows.in} rows in, ${rows.out} out, ${removed} removed; ${seconds.toFixed(2)} s, ${rate} rows/s${threads}${warned}\n`);
    }
    return 0;
  } catch (e) {
    progress.stop();
    await sink.abort();
    await rejectsSink?.abort();
    for (const file of staged) await file.abort();
    source.close();
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

/** The report's utility section from the sample (no count of fewer rows than report.min_count, else k, at least 10). */
function utilityOf(sample: UtilitySample, header: readonly string[], pipeline: Pipeline, stage: KStage | undefined, flags: ApplyFlags, minCountSet: number | undefined): ReturnType<typeof utilitySection> {
  const pairs = utilityPairs(flags.utilityPairs);
  const columns = pipeline.columns();
  for (const name of [...(pairs?.flat() ?? []), ...(flags.utilityTarget === undefined ? [] : [flags.utilityTarget])]) {
    if (!header.includes(name)) throw usage('USAGE_UTILITY', `the input has no column ${JSON.stringify(name)}`);
  }
  return utilitySection({
    rows: sample.rows(),
    seen: sample.seen,
    header,
    outputColumns: pipeline.outputColumns,
    columns,
    quasiIdentifiers: stage?.model.quasiIdentifiers ?? [],
    minCount: minCountSet ?? Math.max(10, stage?.model.k ?? 0),
    pairs,
    target: flags.utilityTarget,
  });
}

/**
 * What silently damaged the output, or is not what it looks like: personal
 * data the residual check found, quasi-identifiers left '*' in every row,
 * rows removed as invalid, an output that is not k-anonymous (featurized).
 */

/** The columns as the Safe Harbor attestation reads them: each with its transform, and whether the preset chose it. */
function presetView(columns: readonly ColumnReport[]): Parameters<typeof safeHarborSection>[0] {
  return columns.map((c) => ({ name: c.name, transform: c.transform, params: c.params, preset: c.params.preset === 'hipaa-safe-harbor' }));
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
