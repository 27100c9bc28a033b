// The end of every run, whichever engine ran it: the checks that fail a run
// on what it found, the report assembled from the engine's result, the plan,
// and the files put into place in one order (the report and the plan
// staged first, then the output renamed, then the staged files), then the
// warnings and the summary on stderr.

import type { ColumnReport } from '../core/pipeline.js';
import { buildReport } from '../core/report.js';
import { dpSection } from '../core/differential-privacy.js';
import { kSection, type KStage } from '../core/stage.js';
import { safeHarborSection } from '../governance/hipaa.js';
import { stageFile, type Staged } from '../io/files.js';
import { VeilError } from '../lib/errors.js';
import { htmlRenderer } from '../report/renderer.js';
import type { RunRequest, RunResult } from './request.js';
import { findingsText, runWarnings } from './warnings.js';

/** The tool as the report names it. */
export interface Tool {
  readonly name: string;
  readonly version: string;
}

export async function finishRun(req: RunRequest, result: RunResult, tool: Tool): Promise<number> {
  const staged: Staged[] = [];
  try {
    return await finish(req, result, tool, staged);
  } catch (e) {
    await result.abort();
    for (const file of staged) await file.abort();
    throw e;
  }
}

async function finish(req: RunRequest, r: RunResult, tool: Tool, staged: Staged[]): Promise<number> {
  const { policy, flags, settings: s, io } = req;
  const residual = r.residual;
  // Findings fail the run when asked (--fail-on-pii), and under the Safe Harbor preset, whose standard they break.
  if (residual && residual.total > 0 && (flags.failOnPii || policy.preset)) {
    const found = `${residual.total} findings: ${findingsText(residual.findings)}`;
    throw new VeilError(
      flags.failOnPii
        ? { kind: 'privacy', code: 'RESIDUAL_PII', required: 'no personal data left in published columns (--fail-on-pii)', found }
        : { kind: 'privacy', code: 'SAFE_HARBOR_NOT_MET', required: 'no identifier left in published columns (extends: hipaa-safe-harbor)', found },
    );
  }
  const stage = r.stage;
  const dp = dpSection(policy, s.seed !== undefined, r.columns);
  const privacy = {
    // Measured on what was published; it refuses (exit 1) an output whose classes fall short.
    ...(stage && { k_anonymity: kSection(stage as KStage, r.rows.in) }),
    ...(dp && { differential_privacy: dp }),
    ...(residual && { residual_pii: residual.section(flags.failOnPii === true) }),
    ...(policy.preset && r.columns.length > 0 && { hipaa_safe_harbor: safeHarborSection(presetView(r.columns), policy.notIdentifiers, policy.presetSettings) }),
  };
  // What a person must know is never silent, even with -q (it is not the summary); the report holds it too.
  const warnings = [...runWarnings({ residual, stage: stage as KStage | undefined, rows: r.rows, policy }), ...(r.utility?.warnings ?? [])];
  const seconds = (performance.now() - req.t0) / 1000;
  if (flags.planOut !== undefined && stage) staged.push(await stageFile(flags.planOut, `${JSON.stringify(stage.plan(), null, 1)}\n`));
  if (flags.report !== undefined || flags.reportHtml !== undefined) {
    const i = s.input;
    const o = s.output;
    const report = buildReport({
      tool: { name: tool.name, version: tool.version, node: process.version },
      command: 'apply',
      startedAt: req.startedAt,
      durationSeconds: seconds,
      policy: { path: flags.policy, sha256: req.policySha, unlisted: policy.unlisted },
      input: { path: i.path ?? null, format: i.format, ...(i.format === 'csv' && { delimiter: i.delimiter }), gzip: i.gzip, encoding: i.encoding, ...r.input },
      output: { path: o.path ?? null, format: o.format, ...(o.format === 'csv' && { delimiter: o.delimiter, escape_formulas: s.escapeFormulas }), gzip: o.gzip, ...r.output },
      engine: r.engine,
      key: req.key ? { fingerprint: req.key.key.fingerprint(), source: req.key.source } : null,
      seeded: s.seed !== undefined,
      rows: r.rows,
      columns: r.columns,
      privacy,
      violations: r.violations,
      utility: r.utility?.section,
      warnings,
    });
    if (flags.report !== undefined) staged.push(await stageFile(flags.report, `${JSON.stringify(report, null, 2)}\n`));
    if (flags.reportHtml !== undefined) staged.push(await stageFile(flags.reportHtml, htmlRenderer()(report)));
  }
  await r.commit();
  for (const file of staged) await file.commit();
  for (const w of warnings) io.stderr.write(`veil: warning: ${w}\n`);
  if (!flags.quiet) {
    const removed = Object.values(r.rows.removed).reduce((a, b) => a + b, 0);
    const rate = seconds > 0 ? Math.round(r.rows.in / seconds) : r.rows.in;
    const warned = warnings.length > 0 ? `; ${warnings.length} warning${warnings.length > 1 ? 's' : ''} above` : '';
    io.stderr.write(`veil apply: ${r.rows.in} rows in, ${r.rows.out} out, ${removed} removed; ${seconds.toFixed(2)} s, ${rate} rows/s${r.how}${warned}\n`);
  }
  return 0;
}

/** The columns as the Safe Harbor attestation reads them: each with its transform, and whether the preset chose it. */
function presetView(columns: readonly ColumnReport[]): Parameters<typeof safeHarborSection>[0] {
  return columns.map((c) => ({ name: c.name, transform: c.transform, params: c.params, preset: c.params.preset === 'hipaa-safe-harbor' }));
}
