// `veil apply --engine duckdb` at the command line's edge: which files are
// read and written, the header, the checks both engines share (the policy,
// the key, missing and unlisted columns), the output renamed into place, the
// report and the summary. src/engines/duckdb/run.ts executes the policy.

import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import { VeilError } from '../core/errors.js';
import { compilePipeline } from '../core/pipeline.js';
import { buildReport } from '../core/report.js';
import { describeInput, digestFiles, engineInputs, runOnDuckdb, type EngineFormat } from '../engines/duckdb/run.js';
import { removeSpool, spoolInput, stageFile, temporaryFor, type Staged } from '../io/files.js';
import { kindOfPath } from '../io/formats.js';
import { delimiterFlag, engineFormatOf, seedFlag, threadsFlag, type ApplyFlags, type Streams } from './apply-options.js';
import { loadKey } from './key.js';
import { readPolicy } from '../policy/file.js';
import { parseEncoding } from '../io/formats.js';
import { VERSION } from './version.js';
import { findingsText, runWarnings } from './warnings.js';
import { dpSection } from '../privacy/differential-privacy.js';
import { kSection, type KStage } from '../privacy/stage.js';
import { noiseWarning } from '../utility/section.js';

const usage = (detail: string) => new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail });

/** The flags the duckdb engine does not take yet: each named, never ignored. */
function refuseFlags(flags: ApplyFlags): void {
  const taken: [keyof ApplyFlags, string][] = [
    ['plan', '--plan'],
    ['planMode', '--plan-mode'],
    ['rejects', '--rejects'],
    ['reportHtml', '--report-html'],
    ['utility', '--utility'],
    ['utilityTarget', '--utility-target'],
    ['utilityPairs', '--utility-pairs'],
    ['escapeFormulas', '--escape-formulas'],
  ];
  for (const [flag, name] of taken) if (flags[flag] !== undefined) throw usage(`the duckdb engine does not take ${name} yet: run it with --engine stream`);
}

export async function applyOnDuckdb(input: string | undefined, flags: ApplyFlags, io: Streams, started: Date, t0: number): Promise<number> {
  refuseFlags(flags);
  const inputPath = input === undefined || input === '-' ? undefined : input;
  const inputFormat: EngineFormat = (flags.inputFormat as EngineFormat | undefined) ?? engineFormatOf(inputPath) ?? 'csv';
  if (inputFormat === 'jsonl') throw usage('the duckdb engine does not read JSON Lines yet: run it with --engine stream');
  const outputPath = flags.output === undefined || flags.output === '-' ? undefined : flags.output;
  const named = engineFormatOf(outputPath);
  // Never one format under another's name (CSV in out.parquet, Parquet in out.csv).
  if (flags.outputFormat !== undefined && named !== undefined && named !== flags.outputFormat) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_FORMAT_NAME', detail: `--output-format ${flags.outputFormat} under the name ${outputPath}, which says ${named}` });
  }
  const outputFormat: EngineFormat = (flags.outputFormat as EngineFormat | undefined) ?? named ?? (outputPath === undefined && inputFormat === 'parquet' ? 'csv' : inputFormat);
  const delimiter = delimiterFlag(flags.delimiter) ?? kindOfPath(inputPath).delimiter ?? ',';
  const outputDelimiter = delimiterFlag(flags.outputDelimiter) ?? delimiterFlag(flags.delimiter) ?? kindOfPath(outputPath).delimiter ?? delimiter;
  const seed = seedFlag(flags.seed);
  const threads = threadsFlag(flags.threads);

  const { policy, sha256: policySha } = await readPolicy(flags.policy);
  const encoding = flags.encoding !== undefined ? parseEncoding(flags.encoding) : policy.input.encoding;
  if (encoding !== undefined && encoding !== 'utf-8') throw usage(`the duckdb engine reads UTF-8 only (--encoding ${encoding}): run it with --engine stream`);
  const randomized = policy.columns.filter((c) => c.configured.epsilon !== undefined).map((c) => c.name);
  // DuckDB calls functions in the order its threads finish their chunks, not in row order: a seeded stream per column would not give the same bytes twice.
  if (seed !== undefined && randomized.length > 0) throw usage(`the duckdb engine does not take --seed with noise or randomized response (${randomized.join(', ')}) yet: its rows reach those functions in no fixed order; run it with --engine stream`);
  if (flags.planOut !== undefined && !policy.kAnonymity) throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: '--plan-out needs a policy with k_anonymity (and no --plan)' });
  const key = await loadKey(flags.keyFile, io.env, flags.allowDemoKey === true);
  if (policy.needsKey && !key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });

  // Standard input is spooled to a file: DuckDB reads files.
  const spool = inputPath === undefined ? await spoolInput(undefined) : undefined;
  // A device or a pipe (-o /dev/null, a FIFO) is written in place, never renamed over: DuckDB writes a temporary file, copied into it.
  const special = outputPath !== undefined && (await fsp.stat(outputPath).then((st) => !st.isFile(), () => false));
  const target = temporaryFor(outputPath === undefined || special ? join(tmpdir(), 'stdout') : outputPath);
  const temp = target.path;
  let report: Staged | undefined;
  let plan: Staged | undefined;
  try {
    const inputs = spool ? [spool] : await engineInputs(inputPath!);
    // A struct the policy names is one column (kept whole, hashed whole); otherwise its fields are columns by path.
    const named = new Set(policy.columns.map((c) => c.name));
    const described = await describeInput(inputs, inputFormat, delimiter, (name) => named.has(name));
    const header = described.header;
    // The checks the streaming engine makes of the header (missing, unlisted columns), and its column reports.
    const pipeline = await compilePipeline(policy, header, { key: key?.key, seed, sparse: false });
    const columns = pipeline.columns();
    const result = await runOnDuckdb({ input: described, outputPath: temp, outputName: outputPath ?? '<stdout>', outputFormat, outputDelimiter, outputGzip: kindOfPath(outputPath).gzip, policy, columns, key: key?.key, seed, threads });
    const residual = result.residual;
    if (residual.total > 0 && flags.failOnPii) {
      throw new VeilError({ kind: 'privacy', code: 'RESIDUAL_PII', required: 'no personal data left in published columns (--fail-on-pii)', found: `${residual.total} findings: ${findingsText(residual.findings)}` });
    }
    const removed: Record<string, number> = result.removed > 0 ? { k_anonymity: result.removed } : {};
    const rows = { in: result.rows, out: result.written, removed };
    const stage = result.stage as KStage | undefined;
    // Measured on what was published; it refuses (exit 1) an output whose classes fall short.
    const kReport = stage && kSection(stage, result.rows);
    const warnings = [...runWarnings({ residual, stage, rows, policy }), ...Object.entries(result.noise).filter(([, n]) => n.dwarfs).map(([name, n]) => noiseWarning(name, n))];
    const dp = dpSection(policy, false, columns);
    const seconds = (performance.now() - t0) / 1000;
    const [inDigest, outDigest] = await Promise.all([digestFiles(inputs), digestFiles([temp])]);
    let reportText: string | undefined;
    if (flags.report !== undefined) {
      const report = buildReport({
        tool: { name: 'veil', version: VERSION, node: process.version },
        command: 'apply',
        startedAt: started,
        durationSeconds: seconds,
        policy: { path: flags.policy, sha256: policySha, unlisted: policy.unlisted },
        input: { path: inputPath ?? null, format: inputFormat, ...(inputFormat === 'csv' && { delimiter }), gzip: kindOfPath(inputPath).gzip, ...inDigest },
        output: { path: outputPath ?? null, format: outputFormat, ...(outputFormat === 'csv' && { delimiter: outputDelimiter }), gzip: kindOfPath(outputPath).gzip, ...outDigest },
        key: key ? { fingerprint: key.key.fingerprint(), source: key.source } : null,
        seeded: seed !== undefined,
        rows,
        columns,
        engine: { ...result.engine, ...(inputs.length > 1 && { files: inputs.length }) },
        privacy: { ...(kReport && { k_anonymity: kReport }), ...(dp && { differential_privacy: dp }), residual_pii: residual.section(flags.failOnPii === true) },
        ...(Object.keys(result.noise).length > 0 && { utility: { measured_on: 'every row (the duckdb engine measures the noised columns only)', noise: result.noise } }),
        warnings,
      });
      reportText = `${JSON.stringify(report, null, 2)}\n`;
    }
    // The report staged first (a report that cannot be written leaves no output), then the output.
    if (reportText !== undefined) report = await stageFile(flags.report!, reportText);
    if (flags.planOut !== undefined && stage) plan = await stageFile(flags.planOut, `${JSON.stringify(stage.plan(), null, 1)}\n`);
    const failed = (e: NodeJS.ErrnoException): never => {
      throw new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: outputPath ?? '<stdout>', errno: e.code ?? 'error' });
    };
    if (outputPath === undefined) await pipe(createReadStream(temp), io.stdout, { end: false });
    else if (special) await pipe(createReadStream(temp), createWriteStream(outputPath, { flags: 'w' })).catch(failed);
    else await fsp.rename(temp, outputPath).catch(failed);
    await report?.commit();
    await plan?.commit();
    for (const w of warnings) io.stderr.write(`veil: warning: ${w}\n`);
    if (!flags.quiet) {
      const rate = seconds > 0 ? Math.round(result.rows / seconds) : result.rows;
      const warned = warnings.length > 0 ? `; ${warnings.length} warning${warnings.length > 1 ? 's' : ''} above` : '';
      io.stderr.write(`veil apply: ${result.rows} rows in, ${result.written} out, ${result.removed} removed; ${seconds.toFixed(2)} s, ${rate} rows/s, duckdb ${result.engine.threads} threads${warned}\n`);
    }
    return 0;
  } catch (e) {
    await report?.abort();
    await plan?.abort();
    throw e;
  } finally {
    await fsp.rm(temp, { force: true });
    target.release();
    if (spool) await removeSpool(spool);
  }
}
