// `veil apply`: reads and checks what does not depend on the engine (the
// policy whole, the settings, the paths, the key before any input is read,
// the plan), chooses the engine (src/engines/index.ts), and ends the run the
// same way for every engine (src/engines/finish.ts). Nothing is left on disk
// unless everything succeeded.

import { tmpdir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { VeilError, type UsageProblem } from '../lib/errors.js';
import { stageModel } from '../core/stage.js';
import { seededColumns } from '../core/differential-privacy.js';
import { parsePlan, type Plan } from '../privacy/plan.js';
import { fileIdentity, READ_LIMITS, readBoundedSync, sweepOrphans } from '../io/files.js';
import { engineOf, runEngine } from '../engines/index.js';
import { finishRun } from '../engines/finish.js';
import { resolveSettings, stdinKind, type ApplyFlags, type Settings, type Streams } from '../engines/request.js';
import { readFailure, readPolicy } from '../policy/file.js';
import { loadKey } from './key.js';
import { VERSION } from './version.js';

export type { ApplyFlags, Streams } from '../engines/request.js';

const usage = (code: UsageProblem['code'], detail: string) => new VeilError({ kind: 'usage', code, detail });

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
  const startedAt = new Date();
  const t0 = performance.now();
  const { policy, sha256: policySha, text: policyText } = await readPolicy(flags.policy);
  const settings = resolveSettings(input, flags, await stdinKind(input), policy.input, io.env);
  const engine = engineOf(settings.input, settings.output, flags.engine);
  await distinctPaths(settings, flags);
  await sweepBefore(settings, flags, io);
  const key = await loadKey(flags.keyFile, io.env, flags.allowDemoKey === true);
  if (policy.needsKey && !key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });
  const reproducible = seededColumns(policy, settings.seed !== undefined);
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
  if (flags.planOut !== undefined && (!stageModel(policy, plan) || plan)) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_PLAN', detail: '--plan-out needs a policy with k_anonymity (and no --plan)' });
  }
  const request = { settings, flags, io, policy, policySha, policyText, key, plan, featurize, startedAt, t0 };
  return finishRun(request, await runEngine(engine, request), { name: 'veil', version: VERSION });
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
