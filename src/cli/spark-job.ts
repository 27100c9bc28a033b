// `veil spark-job`: writes the PySpark job of a policy (src/engines/spark/job.ts)
// for the input columns named by --columns, or read from a file's header.

import { VeilError } from '../lib/errors.js';
import { compilePipeline } from '../core/pipeline.js';
import { describeInput } from '../engines/duckdb/execute.js';
import { sparkJob } from '../engines/spark/job.js';
import { stageFile } from '../io/files.js';
import { kindOfPath } from '../io/formats.js';
import { randomBytes } from 'node:crypto';
import { SecretKey } from '../lib/key.js';
import { readPolicy } from '../policy/file.js';
import type { Streams } from '../engines/request.js';
import { delimiterFlag, formatOfPath } from '../io/settings.js';
import { VERSION } from './version.js';

export interface SparkJobFlags {
  readonly policy: string;
  readonly columns?: string;
  readonly headerFrom?: string;
  readonly delimiter?: string;
  readonly output?: string;
  readonly withoutResidualCheck?: boolean;
}

export async function runSparkJob(flags: SparkJobFlags, io: Streams): Promise<number> {
  const { policy, sha256, text: policyText, files } = await readPolicy(flags.policy);
  if ((flags.columns === undefined) === (flags.headerFrom === undefined)) {
    throw new VeilError({ kind: 'usage', code: 'USAGE', detail: 'give the input columns: --columns a,b,c or --header-from FILE' });
  }
  let header: string[];
  let nested: readonly (readonly string[])[] = [];
  if (flags.columns !== undefined) header = flags.columns.split(',');
  else {
    const path = flags.headerFrom!;
    const delimiter = delimiterFlag(flags.delimiter) ?? kindOfPath(path).delimiter ?? ',';
    const named = new Set(policy.columns.map((c) => c.name));
    const described = await describeInput([path], formatOfPath(path) === 'parquet' ? 'parquet' : 'csv', delimiter, (name) => named.has(name));
    header = [...described.header];
    nested = described.nested;
  }
  // The header checks every engine makes (missing, unlisted columns), before any text is written.
  // (with a throwaway key: the job derives its own when it runs, and nothing is computed here).
  const pipeline = await compilePipeline(policy, header, { key: new SecretKey(randomBytes(32)), seed: undefined, sparse: false });
  const text = sparkJob({
    policy,
    header,
    nested,
    policyPath: flags.policy,
    policySha256: sha256,
    version: VERSION,
    withoutResidualCheck: flags.withoutResidualCheck === true,
    policyText,
    policyFiles: files,
    outputColumns: pipeline.outputColumns,
  });
  if (flags.output === undefined || flags.output === '-') io.stdout.write(text);
  else await (await stageFile(flags.output, text)).commit();
  return 0;
}
