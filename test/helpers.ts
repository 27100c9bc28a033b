// Shared by the tests: the built CLI, a fixed test key, and a runner.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..');
export const BIN = join(REPO, 'bin', 'veil.js');
/** The key every golden case runs with (public: for tests only). */
export const TEST_KEY = 'veil-test-key-0123456789abcdef';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function veil(args: readonly string[], options: { input?: string | Buffer; cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  // The test file's own temporary folder (test/setup/tmpdir.ts), even for a run given an environment of its own.
  const env = { ...(options.env ?? { ...process.env, VEIL_KEY: TEST_KEY }), ...(options.env?.TMPDIR === undefined && process.env.TMPDIR !== undefined && { TMPDIR: process.env.TMPDIR }) };
  const run: SpawnSyncReturns<Buffer> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    input: options.input ?? '',
    env,
    maxBuffer: 256 << 20,
  });
  return { status: run.status, stdout: run.stdout.toString('utf8'), stderr: run.stderr.toString('utf8') };
}

/** The folders tempDir made in this test file's process: removed when it exits. */
const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A folder of its own for a test (or a file's tests), removed when the test file's process ends. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'veil-test-'));
  made.push(d);
  return d;
}

/** Splits a command line into words: whitespace separates, single or double quotes group. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  }
  return words;
}

import { compilePipeline, type Pipeline } from '../src/core/pipeline.js';
import { SecretKey } from '../src/lib/key.js';
import { loadPolicy, type Policy } from '../src/policy/load.js';
import type { PolicyProblem } from '../src/lib/errors.js';

/** Loads a policy from text; files named in it are served from `files`. */
export async function policyFrom(text: string, files: Record<string, string> = {}): Promise<{ policy?: Policy; problems: PolicyProblem[] }> {
  return loadPolicy(text, (path) => (path in files ? { text: files[path]! } : { errno: 'ENOENT' }));
}

/** A compiled pipeline for a policy and a header, with the test key unless another is given. */
export async function pipelineFor(
  text: string,
  header: readonly string[],
  options: { key?: string | null; seed?: number; files?: Record<string, string>; sparse?: boolean } = {},
): Promise<Pipeline> {
  const { policy, problems } = await policyFrom(text, options.files);
  if (!policy) throw new Error(`policy problems: ${JSON.stringify(problems)}`);
  const key = options.key === null ? undefined : new SecretKey(Buffer.from(options.key ?? TEST_KEY));
  return compilePipeline(policy, header, { key, seed: options.seed, sparse: options.sparse ?? false });
}

/** One column's transform as a function of its value (other columns given in `row`). */
export async function columnFn(
  column: string,
  spec: string,
  options: { key?: string | null; seed?: number; files?: Record<string, string>; others?: readonly string[] } = {},
): Promise<(value: string, others?: Record<string, string>) => unknown> {
  const others = options.others ?? [];
  const header = [column, ...others];
  const text = `version: 1\ncolumns:\n  ${column}: ${spec}\n${others.map((o) => `  ${o}: keep\n`).join('')}`;
  const pipeline = await pipelineFor(text, header, options);
  let line = 1;
  return (value, row = {}) => pipeline.row([value, ...others.map((o) => row[o] ?? '')], ++line)[0];
}

/**
 * How the test key's material could be spelled in a text the engines write (SQL, a Spark job, a plan):
 * the key itself, and each subkey and its HMAC pads in hex, upper-case hex, base64 and an 8-byte hex prefix.
 */
export function keyMaterial(slots: readonly (readonly [string, string])[]): string[] {
  const key = new SecretKey(Buffer.from(TEST_KEY));
  const out = [TEST_KEY];
  for (const [purpose, domain] of slots) {
    const sub = key.derive(purpose, domain);
    const block = Buffer.alloc(64);
    sub.copy(block);
    for (const bytes of [sub, Buffer.from(block.map((b) => b ^ 0x36)), Buffer.from(block.map((b) => b ^ 0x5c))]) {
      const hex = bytes.toString('hex');
      out.push(hex, hex.toUpperCase(), bytes.toString('base64'), hex.slice(0, 16));
    }
  }
  return out;
}
