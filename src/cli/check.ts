// `veil check`: measures an existing file against k-anonymity (and
// l-diversity) without changing it, for CI: exit 0 when every requirement
// holds, 1 when one fails. Rows are grouped by their quasi-identifier values
// exactly as written (so the output of `veil apply` passes). Rows whose
// quasi-identifiers are all '*' (masked by `suppressed: mask`) are a class
// like any other: a lone masked row is as exposed as any lone row, and its
// sensitive value is published. It never prints quasi-identifier values
// unless asked (--show-violations N).

import { missingColumns, VeilError, type UsageProblem } from '../lib/errors.js';
import { cellText } from '../lib/cell.js';
import { SUPPRESSED } from '../lib/numeric.js';
import { tupleKey, tupleValues } from '../lib/tuple-key.js';
import { spoolFiles } from '../io/concat.js';
import { openInput, removeSpool, spoolInput, stageFile } from '../io/files.js';
import { readRows } from '../io/read.js';
import { L_VARIANTS, type LVariant } from '../privacy/k-anonymity.js';
import { ClassCounter, measure, type Achieved, type RiskOptions } from '../privacy/measures.js';
import { stdinKind, type Streams } from '../engines/request.js';
import { describeInput, digestFiles, engineInputs, groupOnDuckdb } from '../engines/duckdb/execute.js';
import { readByDuckdb, resolveInput, type InputSettings, type PolicyInput } from '../io/settings.js';
import { readPolicy } from '../policy/file.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { problemText } from './messages.js';
import { VERSION } from './version.js';

export interface CheckFlags {
  readonly qi?: string;
  readonly k?: string;
  readonly l?: string;
  readonly sensitive?: string;
  readonly lVariant?: string;
  readonly c?: string;
  readonly riskThreshold?: string;
  readonly policy?: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly showViolations?: string;
  readonly delimiter?: string;
  readonly inputFormat?: string;
  readonly encoding?: string;
  readonly quiet?: boolean;
}

interface Requirement {
  readonly qis: readonly string[];
  readonly risk: RiskOptions;
  /** The policy's `input:` section: its format and delimiter, below the flags. */
  readonly input: PolicyInput;
}

/** How one file came out: its exit code, and its verdict as text and as the report's section. */
interface FileVerdict {
  readonly code: number;
  readonly text: string;
  readonly section: Record<string, unknown>;
}

const usage = (detail: string): VeilError => new VeilError({ kind: 'usage', code: 'USAGE_CHECK', detail } satisfies UsageProblem);

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw usage(`${name} must be a positive integer, found ${JSON.stringify(text)}`);
  return Number(text);
}

async function requirement(f: CheckFlags): Promise<Requirement> {
  const policy = f.policy === undefined ? undefined : (await readPolicy(f.policy)).policy;
  const model = policy?.kAnonymity;
  if (f.policy !== undefined && !model && (f.qi === undefined || f.k === undefined)) throw usage(`${f.policy} has no k_anonymity section: give --qi and --k`);
  const qis = f.qi !== undefined ? f.qi.split(',').map((q) => q.trim()).filter((q) => q !== '') : (model?.quasiIdentifiers ?? []);
  if (qis.length === 0) throw usage('give the quasi-identifiers: --qi a,b,c (or --policy with k_anonymity)');
  const k = positiveInteger(f.k, '--k') ?? model?.k;
  if (k === undefined) throw usage('give --k N (or --policy with k_anonymity)');
  const l = positiveInteger(f.l, '--l') ?? model?.lDiversity?.l;
  const sensitive = f.sensitive ?? model?.lDiversity?.sensitive;
  if ((l === undefined) !== (sensitive === undefined)) throw usage('--l and --sensitive go together');
  const variant = (f.lVariant ?? model?.lDiversity?.variant ?? 'distinct') as LVariant;
  if (!L_VARIANTS.includes(variant)) throw usage(`--l-variant must be one of ${L_VARIANTS.join(', ')}`);
  const c = f.c !== undefined ? Number(f.c) : model?.lDiversity?.c;
  if (variant === 'recursive' && !(c !== undefined && c > 0)) throw usage('recursive l-diversity needs --c, a number above 0');
  const threshold = f.riskThreshold !== undefined ? Number(f.riskThreshold) : (model?.riskThreshold ?? 0.2);
  if (!(threshold > 0 && threshold <= 1)) throw usage('--risk-threshold must be above 0 and at most 1');
  return { qis, risk: { k, riskThreshold: threshold, ...(l !== undefined && sensitive !== undefined && { l: { sensitive, l, variant, c } }) }, input: policy?.input ?? {} };
}

/**
 * Checks each input against the requirement: one verdict per file (named
 * when there are several), problems of one file on stderr without stopping
 * the others. Exit: the worst of the files', usage and input errors above a
 * requirement not met.
 */
export async function runCheck(inputs: readonly string[], f: CheckFlags, io: Streams, where: { policyFile: string }): Promise<number> {
  const req = await requirement(f);
  const show = positiveInteger(f.showViolations, '--show-violations') ?? 0;
  if (inputs.length > 1 && f.report !== undefined) throw usage('--report takes one input: check each file with its own report');
  if (inputs.filter((i) => i === '-').length > 1) throw usage('stdin (-) can be read once');
  const verdicts: (FileVerdict & { input: string })[] = [];
  const codes: number[] = [];
  for (const input of inputs) {
    try {
      const v = await checkFile(input, f, req, show);
      verdicts.push({ ...v, input });
      codes.push(v.code);
      if (f.report !== undefined) await writeReport(f.report, v.section, v.read);
    } catch (e) {
      if (!(e instanceof VeilError) || inputs.length === 1) throw e;
      for (const p of e.problems) io.stderr.write(`veil: ${problemText(p, { policyFile: where.policyFile, inputFile: input === '-' ? '<stdin>' : input })}\n`);
      codes.push(exitCodeOf(e.problems));
    }
  }
  if (!f.quiet) {
    if (f.json) io.stdout.write(`${JSON.stringify(inputs.length === 1 ? verdicts[0]!.section : verdicts.map((v) => ({ input: v.input, ...v.section })), null, 2)}\n`);
    else for (const v of verdicts) io.stdout.write(inputs.length === 1 ? v.text : v.text.replace(/^veil check: /, `veil check: ${v.input === '-' ? '<stdin>' : v.input}: `));
  }
  for (const code of [EXIT.USAGE, EXIT.INPUT, EXIT.IO, EXIT.PRIVACY]) if (codes.includes(code)) return code;
  return EXIT.OK;
}

async function checkFile(input: string, f: CheckFlags, req: Requirement, show: number): Promise<FileVerdict & { read: ReadFacts }> {
  // The policy's encoding is its exports'; what check reads is usually apply's output, which is UTF-8: only --encoding says otherwise.
  const s = resolveInput(input, f, { ...req.input, encoding: undefined }, await stdinKind(input));
  if (readByDuckdb(s)) {
    if (s.encoding !== 'utf-8') throw usage(`DuckDB reads Parquet and globs of CSV files as UTF-8 only (--encoding ${s.encoding}): check each file`);
    return checkOnDuckdb(s, req, show);
  }
  const format = s.format === 'jsonl' ? 'jsonl' : 'csv';
  return s.glob ? checkJsonlFiles(s, req, show) : checkStream({ ...s, format }, req, show);
}

/** A glob of JSON Lines files: our own reader, the files one after the other (src/io/concat.ts), each problem said of its file and line. */
async function checkJsonlFiles(s: InputSettings, req: Requirement, show: number): Promise<FileVerdict & { read: ReadFacts }> {
  const spool = await spoolFiles(await engineInputs(s.path!), s.encoding);
  try {
    const v = await checkStream({ ...s, format: 'jsonl', path: spool.path, gzip: false, encoding: 'utf-8' }, req, show);
    const { bytes, sha256 } = spool.digest;
    return { ...v, read: { sha256, input: { ...v.read.input, path: s.path ?? null, gzip: s.gzip, encoding: s.encoding, bytes } } };
  } catch (e) {
    throw spool.placeError(e);
  } finally {
    spool.remove();
  }
}

/** CSV and JSON Lines, read by the streaming readers. */
async function checkStream(s: InputSettings & { readonly format: 'csv' | 'jsonl' }, req: Requirement, show: number): Promise<FileVerdict & { read: ReadFacts }> {
  const { path, format, gzip, encoding: inputEncoding, delimiter } = s;

  const source = await openInput(path, gzip, inputEncoding);
  const counter = new ClassCounter();
  let positions: number[] = [];
  let sensitivePos = -1;
  let masked = 0;
  try {
    for await (const batch of readRows(format, delimiter, source.stream)) {
      for (const event of batch) {
        if ('header' in event) {
          const wanted = [...req.qis, ...(req.risk.l ? [req.risk.l.sensitive] : [])];
          const missing = wanted.filter((n) => !event.header.includes(n));
          if (missing.length > 0) throw new VeilError(missingColumns(event.header, missing));
          positions = req.qis.map((q) => event.header.indexOf(q));
          sensitivePos = req.risk.l ? event.header.indexOf(req.risk.l.sensitive) : -1;
          continue;
        }
        const values = positions.map((p) => cellText(event.row[p]));
        if (values.every((v) => v === SUPPRESSED)) masked++;
        counter.add(tupleKey(values), sensitivePos >= 0 ? cellText(event.row[sensitivePos]) : undefined);
      }
    }
  } finally {
    source.close();
  }
  return verdict(req, counter, masked, show, { sha256: source.tap.digest(), input: { path: path ?? null, format, ...(format === 'csv' && { delimiter }), gzip, encoding: inputEncoding, bytes: source.tap.bytes } });
}

/** Parquet and globs of files: the classes counted by DuckDB (a GROUP BY), memory bounded by the combinations. */
async function checkOnDuckdb(s: InputSettings, req: Requirement, show: number): Promise<FileVerdict & { read: ReadFacts }> {
  const format = s.format === 'parquet' ? 'parquet' : 'csv';
  const delimiter = s.delimiter;
  const spool = s.path === undefined ? await spoolInput(undefined) : undefined;
  try {
    return await checkFiles(spool ? [spool] : await engineInputs(s.path!), s.path, format, delimiter, req, show);
  } finally {
    if (spool) await removeSpool(spool);
  }
}

async function checkFiles(inputs: readonly string[], input: string | undefined, format: 'csv' | 'parquet', delimiter: string, req: Requirement, show: number): Promise<FileVerdict & { read: ReadFacts }> {
  const described = await describeInput(inputs, format, delimiter);
  const header = described.header;
  const sensitive = req.risk.l?.sensitive;
  const wanted = [...req.qis, ...(sensitive !== undefined ? [sensitive] : [])];
  const missing = wanted.filter((n) => !header.includes(n));
  if (missing.length > 0) throw new VeilError(missingColumns(header, missing));
  const counter = new ClassCounter();
  let masked = 0;
  await groupOnDuckdb(described, wanted, (values, rows) => {
    const qis = values.slice(0, req.qis.length);
    if (qis.every((v) => v === SUPPRESSED)) masked += rows;
    counter.addClass(tupleKey(qis), rows, sensitive !== undefined ? new Map([[values[req.qis.length]!, rows]]) : undefined);
  });
  const digest = await digestFiles(inputs);
  return verdict(req, counter, masked, show, { sha256: digest.sha256, input: { path: input ?? null, format, ...(format === 'csv' && { delimiter }), gzip: false, bytes: digest.bytes, ...(inputs.length > 1 && { files: inputs.length }), engine: 'duckdb' } });
}

/** What was read: the input's digest and description, for the report. */
interface ReadFacts {
  readonly sha256: string;
  readonly input: Record<string, unknown>;
}

/** The verdict on one input: its exit code, its text and its section. */
function verdict(req: Requirement, counter: ClassCounter, masked: number, show: number, read: ReadFacts): FileVerdict & { read: ReadFacts } {
  const a = measure(counter.summaries(), 0, req.risk);
  const met = a.violatingClasses === 0;
  return {
    code: met ? EXIT.OK : EXIT.PRIVACY,
    text: checkText(req, a, masked, met, show > 0 ? counter.violations(req.risk, show) : []),
    section: checkSection(req, a, masked, met),
    read,
  };
}

async function writeReport(path: string, section: Record<string, unknown>, read: ReadFacts): Promise<void> {
  const report = {
    tool: { name: 'veil', version: VERSION, node: process.version },
    command: 'check',
    input_sha256: read.sha256,
    input: read.input,
    privacy: { k_anonymity: section },
  };
  const staged = await stageFile(path, `${JSON.stringify(report, null, 2)}\n`);
  await staged.commit();
}

function checkSection(req: Requirement, a: Achieved, masked: number, met: boolean): Record<string, unknown> {
  return {
    requirement: {
      k: req.risk.k,
      quasi_identifiers: req.qis,
      ...(req.risk.l && { l_diversity: { sensitive: req.risk.l.sensitive, l: req.risk.l.l, variant: req.risk.l.variant, ...(req.risk.l.c !== undefined && { c: req.risk.l.c }) } }),
    },
    met,
    achieved: {
      k: a.k,
      classes: a.classes,
      class_sizes: a.classSizes,
      rows_published: a.rows,
      rows_masked: masked,
      ...(req.risk.l && { l: { [req.risk.l.sensitive]: round(a.l ?? 0) } }),
    },
    violations: { classes: a.violatingClasses, rows: a.violatingRows },
    risk: {
      prosecutor_highest: round(a.risk.prosecutor_highest),
      prosecutor_average: round(a.risk.prosecutor_average),
      records_at_risk: round(a.risk.records_at_risk),
      threshold: a.risk.threshold,
      sample_uniques: a.risk.sample_uniques,
    },
    information_loss: { discernibility: a.discernibility, average_class_size_over_k: round(a.averageClassSizeOverK) },
  };
}

function checkText(req: Requirement, a: Achieved, masked: number, met: boolean, violations: { key: string; size: number }[]): string {
  const lines = [
    `veil check: k-anonymity with k=${req.risk.k} on ${req.qis.join(', ')}${req.risk.l ? `, ${req.risk.l.variant} l-diversity with l=${req.risk.l.l} of ${req.risk.l.sensitive}` : ''}: ${met ? 'met' : 'NOT met'}`,
    `  ${a.rows} rows in ${a.classes} classes; smallest class ${a.k} rows${masked > 0 ? `; ${masked} masked rows (every quasi-identifier '*', counted as one class)` : ''}`,
  ];
  if (req.risk.l) lines.push(`  l achieved: ${round(a.l ?? 0)}`);
  if (!met) lines.push(`  violating: ${a.violatingClasses} classes holding ${a.violatingRows} rows`);
  lines.push(
    `  risk (prosecutor): highest ${round(a.risk.prosecutor_highest)}, average ${round(a.risk.prosecutor_average)}, records above ${a.risk.threshold}: ${(a.risk.records_at_risk * 100).toFixed(1)}%`,
  );
  for (const v of violations) lines.push(`  class of ${v.size}: ${tupleValues(v.key).map((x, i) => `${req.qis[i]}=${JSON.stringify(x)}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
