// The engines of `veil apply`, and which one runs a request. An engine is a
// folder of src/engines/ with a run.ts that takes a RunRequest and returns a
// RunResult (./request.ts); adding one adds its folder and its entry here,
// and no branch in src/cli/. ./finish.ts ends every run the same way.

import { VeilError } from '../lib/errors.js';
import { readByDuckdb, type InputSettings, type OutputSettings } from '../io/settings.js';
import { duckdbEngine } from './duckdb/run.js';
import type { Engine, RunRequest, RunResult } from './request.js';
import { streamEngine } from './stream/run.js';

export const ENGINES = { stream: streamEngine, duckdb: duckdbEngine } as const satisfies Record<string, Engine>;

export type EngineName = keyof typeof ENGINES;

/**
 * The engine: --engine, else DuckDB for Parquet (in or out) and globs of
 * CSV files, and the streaming engine for the rest (CSV and JSON Lines
 * files, globs of JSON Lines files, stdin: see docs/engines.md for why).
 */
export function engineOf(input: InputSettings, output: OutputSettings, asked: string | undefined): EngineName {
  if (asked !== undefined) {
    if (!Object.hasOwn(ENGINES, asked)) throw new VeilError({ kind: 'usage', code: 'USAGE_ENGINE', detail: `--engine is ${Object.keys(ENGINES).join(' or ')}, not ${JSON.stringify(asked)}` });
    return asked as EngineName;
  }
  return readByDuckdb(input) || output.format === 'parquet' ? 'duckdb' : 'stream';
}

/**
 * Runs the request on its engine. What an engine does not run itself (the
 * duckdb engine: what it does not compile to SQL) runs through the streaming
 * engine's transforms, the engine's reader and writer reading and writing
 * the files; the report's engine section and a line on stderr (when the
 * engine was asked for by name) say so.
 */
export async function runEngine(name: EngineName, req: RunRequest): Promise<RunResult> {
  const engine: Engine = ENGINES[name];
  const streaming = (r: RunRequest): Promise<RunResult> => {
    const cap = r.settings.memory;
    if (cap?.from === '--memory' && !r.flags.quiet) r.io.stderr.write(`veil: ${cap.from} caps the duckdb engine; the streaming engine runs these rows, and its memory follows the policy, not the cap (docs/engines.md)\n`);
    return streamEngine.run(r);
  };
  if (name === 'stream') return streaming(req);
  const because = engine.rowsElsewhere?.(req);
  if (because === undefined) {
    try {
      return await engine.run(req);
    } catch (e) {
      const again = engine.readAgain?.(e, req);
      if (again === undefined) throw e;
      return streaming({ ...req, rowsBecause: again });
    }
  }
  if (req.flags.engine === name && !req.flags.quiet) {
    const { input, output } = req.settings;
    // Who reads and who writes, as it is: DuckDB reads Parquet and globs of CSV files, and writes Parquet; our readers and writers the rest.
    const reads = readByDuckdb(input);
    const writes = output.format === 'parquet';
    const files = reads && writes ? 'DuckDB reads and writes the files' : reads ? 'DuckDB reads the input' : writes ? 'DuckDB writes the output' : 'the streaming engine reads and writes the files';
    req.io.stderr.write(`veil: ${files}; the rows go through the streaming engine's transforms, as ${because} is not compiled to SQL\n`);
  }
  return streaming({ ...req, rowsBecause: because });
}
