// `veil apply --engine duckdb` at the command line's edge: which files are
// read and written, the header, the checks both engines share (the policy,
// the key, missing and unlisted columns), the output renamed into place, the
// report and the summary. src/engines/duckdb/run.ts executes the policy.

import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import { VeilError } from '../lib/errors.js';
import { compilePipeline } from '../core/pipeline.js';
import { buildReport } from '../core/report.js';
import { describeInput, digestFiles, engineInputs, runOnDuckdb } from '../engines/duckdb/run.js';
import { removeSpool, spoolInput, stageFile, temporaryFor, type Staged } from '../io/files.js';
import { kindOfPath } from '../io/formats.js';
import type { ApplyFlags, Streams } from './apply-options.js';
import type { Asked, Settings } from './apply-options.js';
import type { Policy } from '../policy/load.js';
import { loadKey } from './key.js';
import { VERSION } from './version.js';
import { findingsText, runWarnings } from './warnings.js';
import { dpSection } from '../core/differential-privacy.js';
import { checkModelColumns, kSection, type KStage } from '../core/stage.js';
import { noiseWarning } from '../utility/section.js';

/**
 * The run compiled to SQL (the caller has checked that it compiles: see
 * rowPipelineReason in apply.ts): the settings resolved once for both engines.
 */
export async function applyOnDuckdb(s: Settings & Asked, read: { policy: Policy; sha256: string }, flags: ApplyFlags, io: Streams, started: Date, t0: number): Promise<number> {
  const { policy, sha256: policySha } = read;
  const inputPath = s.input.path;
  const inputFormat = s.input.format as 'csv' | 'parquet';
  const outputPath = s.output.path;
  const outputFormat = s.output.format;
  const delimiter = s.input.delimiter;
  const outputDelimiter = s.output.delimiter;
  const { seed, threads } = s;
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
    // Standard input's problems are said of <stdin>, not of its spool.
    const described = await describeInput(inputs, inputFormat, delimiter, (name) => named.has(name)).catch((e: unknown) => {
      throw e instanceof VeilError && spool ? new VeilError(e.problems.map((p) => (p.kind === 'input' && p.file === spool ? { ...p, file: undefined } : p))) : e;
    });
    const header = described.header;
    // A quasi-identifier the input lacks, as the streaming engine's first pass says it.
    if (policy.kAnonymity) checkModelColumns(policy.kAnonymity, header);
    // The checks the streaming engine makes of the header (missing, unlisted columns), and its column reports.
    const pipeline = await compilePipeline(policy, header, { key: key?.key, seed, sparse: false });
    const columns = pipeline.columns();
    const result = await runOnDuckdb({ input: described, outputPath: temp, outputName: outputPath ?? '<stdout>', outputFormat, outputDelimiter, outputGzip: s.output.gzip, policy, columns, key: key?.key, seed, threads });
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
        input: { path: inputPath ?? null, format: inputFormat, ...(inputFormat === 'csv' && { delimiter }), gzip: s.input.gzip, ...inDigest },
        output: { path: outputPath ?? null, format: outputFormat, ...(outputFormat === 'csv' && { delimiter: outputDelimiter }), gzip: s.output.gzip, ...outDigest },
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
