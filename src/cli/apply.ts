// `veil apply`: wires files, formats, the key and the report around the pure
// pipeline. Order matters: the policy is checked whole before the key, the key
// before any input is read, the header before any row, and nothing is left on
// disk unless everything succeeded.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { VeilError, type UsageProblem } from '../core/errors.js';
import { compilePipeline, jsonRow, sparseHeader, type Pipeline } from '../core/pipeline.js';
import { buildReport } from '../core/report.js';
import { openInput, openSink, stageFile, type Sink, type Staged } from '../io/files.js';
import { FORMATS, kindOfPath, parseDelimiter, type Format } from '../io/formats.js';
import { readCsv, readJsonl, type InputEvent } from '../io/read.js';
import { csvSerializer, jsonlSerializer, type RowSerializer } from '../io/write.js';
import { loadPolicy, type Policy } from '../policy/load.js';
import { loadKey } from './key.js';
import { Progress } from './progress.js';
import { VERSION } from './version.js';

export interface ApplyFlags {
  readonly policy: string;
  readonly output?: string;
  readonly report?: string;
  readonly inputFormat?: string;
  readonly outputFormat?: string;
  readonly delimiter?: string;
  readonly outputDelimiter?: string;
  readonly seed?: string;
  readonly keyFile?: string;
  readonly quiet?: boolean;
}

export interface Streams {
  readonly stdout: Writable;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

interface Settings {
  readonly inputPath: string | undefined;
  readonly inputFormat: Format;
  readonly inputGzip: boolean;
  readonly delimiter: string;
  readonly outputPath: string | undefined;
  readonly outputFormat: Format;
  readonly outputGzip: boolean;
  readonly outputDelimiter: string;
  readonly seed: number | undefined;
}

const usage = (code: UsageProblem['code'], detail: string) => new VeilError({ kind: 'usage', code, detail });

function format(text: string | undefined): Format | undefined {
  if (text === undefined) return undefined;
  if (!(FORMATS as readonly string[]).includes(text)) throw usage('USAGE_FORMAT', JSON.stringify(text));
  return text as Format;
}

function delimiter(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const d = parseDelimiter(text);
  if (d === undefined) throw usage('USAGE_DELIMITER', JSON.stringify(text));
  return d;
}

export function resolveSettings(input: string | undefined, f: ApplyFlags): Settings {
  const inputPath = input === undefined || input === '-' ? undefined : input;
  const outputPath = f.output === undefined || f.output === '-' ? undefined : f.output;
  const inKind = kindOfPath(inputPath);
  const outKind = kindOfPath(outputPath);
  const inputFormat = format(f.inputFormat) ?? inKind.format ?? 'csv';
  const explicitDelimiter = delimiter(f.delimiter);
  const inputDelimiter = explicitDelimiter ?? inKind.delimiter ?? ',';
  const outputFormat = format(f.outputFormat) ?? outKind.format ?? inputFormat;
  const outputDelimiter = delimiter(f.outputDelimiter) ?? explicitDelimiter ?? outKind.delimiter ?? inputDelimiter;
  let seed: number | undefined;
  if (f.seed !== undefined) {
    seed = /^\d{1,15}$/.test(f.seed) ? Number(f.seed) : undefined;
    if (seed === undefined) throw usage('USAGE_SEED', JSON.stringify(f.seed));
  }
  return {
    inputPath,
    inputFormat,
    inputGzip: inKind.gzip,
    delimiter: inputDelimiter,
    outputPath,
    outputFormat,
    outputGzip: outKind.gzip,
    outputDelimiter,
    seed,
  };
}

/** Reads and checks the policy file; every problem is reported at once. */
export async function readPolicy(path: string): Promise<{ policy: Policy; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new VeilError({ kind: 'policy', code: 'POLICY_UNREADABLE', path: '', found: (e as NodeJS.ErrnoException).code ?? 'error' });
  }
  const base = dirname(resolve(path));
  const result = await loadPolicy(bytes.toString('utf8'), (relative) => {
    try {
      return { text: readFileSync(resolve(base, relative), 'utf8') };
    } catch (e) {
      return { errno: (e as NodeJS.ErrnoException).code ?? 'error' };
    }
  });
  if (!result.policy) throw new VeilError(result.problems);
  return { policy: result.policy, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Input rows as events: a header, then rows with their line. */
function inputEvents(s: Settings, stream: NodeJS.ReadableStream, policy: Policy): AsyncGenerator<InputEvent> {
  if (s.inputFormat === 'csv') return readCsv(stream as never, { delimiter: s.delimiter });
  return (async function* () {
    let toRow: ReturnType<typeof jsonRow> | undefined;
    for await (const { object, line } of readJsonl(stream as never)) {
      if (!toRow) {
        const header = sparseHeader(policy, Object.keys(object));
        toRow = jsonRow(policy, header);
        yield { header };
      }
      yield { row: toRow(object, line), line };
    }
  })();
}

export async function runApply(input: string | undefined, flags: ApplyFlags, io: Streams): Promise<number> {
  const started = new Date();
  const t0 = performance.now();
  const s = resolveSettings(input, flags);
  const { policy, sha256: policySha } = await readPolicy(flags.policy);
  const key = await loadKey(flags.keyFile, io.env);
  if (policy.needsKey && !key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });

  const source = await openInput(s.inputPath, s.inputGzip);
  const sink: Sink = await openSink(s.outputPath, s.outputGzip, io.stdout);
  let staged: Staged | undefined;
  const progress = new Progress(io.stderr, !flags.quiet && io.stderr.isTTY === true, () => source.tap.bytes);
  try {
    const serializer: RowSerializer = s.outputFormat === 'csv' ? csvSerializer(s.outputDelimiter) : jsonlSerializer();
    let pipeline: Pipeline | undefined;
    let chunk = '';
    const flush = async () => {
      if (!sink.stream.write(chunk)) await once(sink.stream, 'drain');
      chunk = '';
    };
    for await (const event of inputEvents(s, source.stream, policy)) {
      if ('header' in event) {
        pipeline = await compilePipeline(policy, event.header, { key: key?.key, seed: s.seed, sparse: s.inputFormat === 'jsonl' });
        chunk += serializer.header(pipeline.outputColumns);
        continue;
      }
      chunk += serializer.row(pipeline!.row(event.row, event.line));
      if (chunk.length >= 1 << 16) {
        await flush();
        progress.tick(pipeline!.rowsIn);
      }
    }
    pipeline?.finish();
    if (chunk.length > 0) await flush();
    await sink.end();
    progress.stop();

    const rows = { in: pipeline?.rowsIn ?? 0, out: pipeline?.rowsOut ?? 0, removed: pipeline?.removed ?? {} };
    const seconds = (performance.now() - t0) / 1000;
    if (flags.report !== undefined) {
      const report = buildReport({
        tool: { name: 'veil', version: VERSION, node: process.version },
        command: 'apply',
        startedAt: started,
        durationSeconds: seconds,
        policy: { path: flags.policy, sha256: policySha, unlisted: policy.unlisted },
        input: { path: s.inputPath ?? null, format: s.inputFormat, ...(s.inputFormat === 'csv' && { delimiter: s.delimiter }), gzip: s.inputGzip, bytes: source.tap.bytes, sha256: source.tap.digest() },
        output: { path: s.outputPath ?? null, format: s.outputFormat, ...(s.outputFormat === 'csv' && { delimiter: s.outputDelimiter }), gzip: s.outputGzip, bytes: sink.tap.bytes, sha256: sink.tap.digest() },
        key: key ? { fingerprint: key.key.fingerprint(), source: key.source } : null,
        seed: s.seed ?? null,
        rows,
        columns: pipeline?.columns() ?? [],
      });
      staged = await stageFile(flags.report, `${JSON.stringify(report, null, 2)}\n`);
    }
    await sink.commit();
    await staged?.commit();
    if (!flags.quiet) {
      const removed = Object.values(rows.removed).reduce((a, b) => a + b, 0);
      const rate = seconds > 0 ? Math.round(rows.in / seconds) : rows.in;
      io.stderr.write(`veil apply: ${rows.in} rows in, ${rows.out} out, ${removed} removed; ${seconds.toFixed(2)} s, ${rate} rows/s\n`);
    }
    return 0;
  } catch (e) {
    progress.stop();
    await sink.abort();
    await staged?.abort();
    source.stream.destroy();
    throw e;
  }
}
