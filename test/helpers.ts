// Shared by the tests: the built CLI, a fixed test key, and a runner.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
  const env = options.env ?? { ...process.env, VEIL_KEY: TEST_KEY };
  const run: SpawnSyncReturns<Buffer> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    input: options.input ?? '',
    env,
    maxBuffer: 256 << 20,
  });
  return { status: run.status, stdout: run.stdout.toString('utf8'), stderr: run.stderr.toString('utf8') };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'veil-test-'));
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
