// The duckdb engine: the policy compiled to SQL (../sql/) and run by DuckDB
// (./execute.ts), from the request every engine is given to the result every
// engine returns. What it does not compile, `rowsElsewhere` names: the rows
// then go through the streaming engine's transforms, DuckDB reading and
// writing the files (../index.ts decides, not the CLI).

import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import { VeilError } from '../../lib/errors.js';
import { compilePipeline } from '../../core/pipeline.js';
import { checkModelColumns } from '../../core/stage.js';
import { removeSpool, spoolInput, temporaryFor } from '../../io/files.js';
import { noiseWarning } from '../../utility/section.js';
import { uncompiled } from '../sql/compile.js';
import type { Engine, RunRequest, RunResult } from '../request.js';
import { describeInput, digestFiles, engineInputs, runOnDuckdb } from './execute.js';

export const duckdbEngine: Engine = { name: 'duckdb', run: runDuckdb, rowsElsewhere, readAgain };

/**
 * Why the duckdb engine hands the rows to the streaming engine's transforms
 * (undefined: it compiles the whole run to SQL): a policy feature or a flag
 * it does not compile, a JSON Lines input, an encoding, seeded randomness.
 */
function rowsElsewhere(req: Pick<RunRequest, 'policy' | 'flags' | 'settings'>): string | undefined {
  const { policy, flags, settings: s } = req;
  const feature = uncompiled(policy, true);
  if (feature !== undefined) return feature;
  const taken: [keyof RunRequest['flags'], string][] = [
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
 * An input error that names no line, of one CSV file that can be read again:
 * DuckDB's read error, or a value a transform refused (its functions get
 * values without their line). DuckDB cannot say on which line of a CSV file
 * a value or a record is wrong: the streaming engine reads the file again
 * (nothing was written) and stops where it does, naming the line.
 */
function readAgain(e: unknown, req: RunRequest): string | undefined {
  const s = req.settings.input;
  if (!(e instanceof VeilError) || s.path === undefined || s.glob || s.format !== 'csv') return undefined;
  const unplaced = e.problems.some((p) => p.kind === 'input' && p.line === undefined && (p.code === 'ENGINE_READ_FAILED' || p.columnName !== undefined));
  return unplaced ? 'an input error, whose line the streaming reader names' : undefined;
}

/** The run compiled to SQL (the caller has checked that it compiles: rowsElsewhere). */
async function runDuckdb(req: RunRequest): Promise<RunResult> {
  const { policy, settings: s, key, io } = req;
  const inputPath = s.input.path;
  const inputFormat = s.input.format as 'csv' | 'parquet';
  const outputPath = s.output.path;
  // Standard input is spooled to a file: DuckDB reads files.
  const spool = inputPath === undefined ? await spoolInput(undefined) : undefined;
  // A device or a pipe (-o /dev/null, a FIFO) is written in place, never renamed over: DuckDB writes a temporary file, copied into it.
  const special = outputPath !== undefined && (await fsp.stat(outputPath).then((st) => !st.isFile(), () => false));
  const target = temporaryFor(outputPath === undefined || special ? join(tmpdir(), 'stdout') : outputPath);
  const temp = target.path;
  const cleanUp = async () => {
    await fsp.rm(temp, { force: true });
    target.release();
    if (spool) await removeSpool(spool);
  };
  try {
    const inputs = spool ? [spool] : await engineInputs(inputPath!);
    // A struct the policy names is one column (kept whole, hashed whole); otherwise its fields are columns by path.
    const named = new Set(policy.columns.map((c) => c.name));
    // Standard input's problems are said of <stdin>, not of its spool.
    const described = await describeInput(inputs, inputFormat, s.input.delimiter, (name) => named.has(name)).catch((e: unknown) => {
      throw e instanceof VeilError && spool ? new VeilError(e.problems.map((p) => (p.kind === 'input' && p.file === spool ? { ...p, file: undefined } : p))) : e;
    });
    const header = described.header;
    // A quasi-identifier the input lacks, as the streaming engine's first pass says it.
    if (policy.kAnonymity) checkModelColumns(policy.kAnonymity, header);
    // The checks the streaming engine makes of the header (missing, unlisted columns), and its column reports.
    const pipeline = await compilePipeline(policy, header, { key: key?.key, seed: s.seed, sparse: false });
    const columns = pipeline.columns();
    const result = await runOnDuckdb({
      input: described,
      outputPath: temp,
      outputName: outputPath ?? '<stdout>',
      outputFormat: s.output.format,
      outputDelimiter: s.output.delimiter,
      outputGzip: s.output.gzip,
      policy,
      columns,
      key: key?.key,
      seed: s.seed,
      threads: s.threads,
      memory: s.memory,
    });
    const noise = Object.entries(result.noise);
    const [inDigest, outDigest] = await Promise.all([digestFiles(inputs), digestFiles([temp])]);
    const failed = (e: NodeJS.ErrnoException): never => {
      throw new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: outputPath ?? '<stdout>', errno: e.code ?? 'error' });
    };
    return {
      rows: { in: result.rows, out: result.written, removed: result.removed > 0 ? { k_anonymity: result.removed } : {} },
      columns,
      input: { ...inDigest, ...(inputs.length > 1 && { files: inputs.length }) },
      output: outDigest,
      engine: result.engine,
      stage: result.stage,
      residual: result.residual,
      ...(noise.length > 0 && {
        utility: {
          section: { measured_on: 'every row (the duckdb engine measures the noised columns only)', noise: result.noise },
          warnings: noise.filter(([, n]) => n.dwarfs).map(([name, n]) => noiseWarning(name, n)),
        },
      }),
      how: `, duckdb ${String(result.engine.threads)} threads`,
      commit: async () => {
        try {
          if (outputPath === undefined) await pipe(createReadStream(temp), io.stdout, { end: false });
          else if (special) await pipe(createReadStream(temp), createWriteStream(outputPath, { flags: 'w' })).catch(failed);
          else await fsp.rename(temp, outputPath).catch(failed);
        } finally {
          await cleanUp();
        }
      },
      abort: cleanUp,
    };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}
