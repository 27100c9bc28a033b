// Golden cases: every folder under fixtures/cases/<topic>/<nnn-name>/ that
// holds a `cmd` file is one run of the built CLI, in that folder:
//   cmd        the arguments after `veil` (one line; quotes group words)
//   stdin      optional, piped to the process
//   env        optional KEY=VALUE lines; `VEIL_KEY=` with nothing unsets the test key
//   expout     expected stdout, byte for byte
//   experr     expected stderr
//   exit       expected exit code (absent: 0)
//   expfiles/  files the run must leave in the folder, byte for byte; any other
//              new file (a half-written output, a temporary file) fails the case
//   expreport.json  a subset the run's report.json must contain
//   engines    optional: what another engine is expected to do instead, one line
//              per engine: `duckdb: refuses USAGE_ENGINE` (the coded refusal it
//              gives), or `duckdb: skip <why>` (the case is not about the data path)
// The contract between the engines is differential: every case of `veil apply`
// runs again with `--engine duckdb` and must give the same stdout, stderr
// (the duckdb engine's note that it handed the rows to the streaming
// engine's transforms aside), exit code, files and report, unless `engines`
// names the refusal it expects.
// Regenerate on purpose only: VEIL_UPDATE_GOLDEN=1 npm test -- cases

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, TEST_KEY, splitWords } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'cases');
const UPDATE = process.env.VEIL_UPDATE_GOLDEN === '1';

function caseDirs(): string[] {
  const dirs: string[] = [];
  for (const topic of readdirSync(ROOT).sort()) {
    for (const name of readdirSync(join(ROOT, topic)).sort()) {
      if (existsSync(join(ROOT, topic, name, 'cmd'))) dirs.push(join(topic, name));
    }
  }
  return dirs;
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function caseEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VEIL_KEY: TEST_KEY };
  delete env.VEIL_DEBUG;
  for (const line of (readOptional(join(dir, 'env')) ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '') delete env[m[1]!];
    else env[m[1]!] = m[2];
  }
  return env;
}

/** Partial deep match: every key of `expected` must be in `actual` with a matching value. */
function containsSubset(actual: unknown, expected: unknown, path = 'report'): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    expect(actual, path).toBeTypeOf('object');
    for (const [k, v] of Object.entries(expected)) containsSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** The run of a case, with `extra` arguments after its own (another engine). */
function runCase(dir: string, extra: readonly string[] = []) {
  const before = new Set(readdirSync(dir));
  const args = [...splitWords(readFileSync(join(dir, 'cmd'), 'utf8').trim()), ...extra];
  const stdin = existsSync(join(dir, 'stdin')) ? readFileSync(join(dir, 'stdin')) : Buffer.alloc(0);
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input: stdin, env: caseEnv(dir), maxBuffer: 64 << 20 });
  return { run, stdout: run.stdout.toString('utf8'), stderr: run.stderr.toString('utf8'), created: readdirSync(dir).filter((f) => !before.has(f)) };
}

/** The case's expectations against one run, its files removed after. */
function checkRun(dir: string, r: ReturnType<typeof runCase>, stderrOf: (s: string) => string = (s) => s): void {
  const { run, stdout, stderr, created } = r;
  try {
    expect(stderrOf(stderr), 'stderr').toBe(readOptional(join(dir, 'experr')) ?? '');
    expect(stdout, 'stdout').toBe(readOptional(join(dir, 'expout')) ?? '');
    expect(run.status, 'exit code').toBe(Number(readOptional(join(dir, 'exit')) ?? 0));
    const expectedFiles = existsSync(join(dir, 'expfiles')) ? readdirSync(join(dir, 'expfiles')).sort() : [];
    const report = readOptional(join(dir, 'expreport.json'));
    expect(created.filter((f) => f !== 'report.json' || !report).sort(), 'files left behind').toEqual(expectedFiles);
    for (const f of expectedFiles) {
      expect(readFileSync(join(dir, f)).toString('utf8'), f).toBe(readFileSync(join(dir, 'expfiles', f)).toString('utf8'));
    }
    if (report !== undefined) {
      expect(created, 'report written').toContain('report.json');
      containsSubset(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')), JSON.parse(report));
    }
  } finally {
    for (const f of created) rmSync(join(dir, f), { recursive: true, force: true });
  }
}

/** What the `engines` file says of an engine: undefined (the same as the streaming engine), a refusal's code, or a skip. */
function engineExpectation(dir: string, engine: string): { refuses: string } | { skip: string } | undefined {
  for (const line of (readOptional(join(dir, 'engines')) ?? '').split('\n')) {
    const m = new RegExp(`^${engine}: (refuses|skip) (.+)$`).exec(line.trim());
    if (m) return m[1] === 'refuses' ? { refuses: m[2]! } : { skip: m[2]! };
  }
  return undefined;
}

/** The note the duckdb engine prints when --engine duckdb hands the rows to the streaming engine's transforms. */
const HANDED = /^veil: (?:DuckDB reads and writes the files|DuckDB reads the input|DuckDB writes the output|the streaming engine reads and writes the files); the rows go through the streaming engine's transforms, as .* is not compiled to SQL\n/m;

describe('golden cases', () => {
  for (const rel of caseDirs()) {
    it(rel, () => {
      const dir = join(ROOT, rel);
      const r = runCase(dir);
      if (UPDATE) {
        try {
          writeFileSync(join(dir, 'expout'), r.stdout);
          writeFileSync(join(dir, 'experr'), r.stderr);
          if (r.run.status === 0) rmSync(join(dir, 'exit'), { force: true });
          else writeFileSync(join(dir, 'exit'), `${r.run.status}\n`);
          rmSync(join(dir, 'expfiles'), { recursive: true, force: true });
          const outputs = r.created.filter((f) => f !== 'report.json');
          if (outputs.length > 0) {
            mkdirSync(join(dir, 'expfiles'));
            for (const f of outputs) writeFileSync(join(dir, 'expfiles', f), readFileSync(join(dir, f)));
          }
        } finally {
          for (const f of r.created) rmSync(join(dir, f), { recursive: true, force: true });
        }
        return;
      }
      checkRun(dir, r);
    });
    const dir = join(ROOT, rel);
    const cmd = readFileSync(join(dir, 'cmd'), 'utf8').trim();
    if (!cmd.startsWith('apply ') || cmd.includes('--engine')) continue;
    const expected = engineExpectation(dir, 'duckdb');
    if (expected && 'skip' in expected) {
      it(`${rel} on the duckdb engine is not run: ${expected.skip}`, () => {
        console.log(`${rel}: not run on the duckdb engine: ${expected.skip}`);
        expect(expected.skip.length).toBeGreaterThan(0);
      });
      continue;
    }
    it(`${rel} on the duckdb engine${expected ? `: refuses ${expected.refuses}` : ''}`, () => {
      const r = runCase(dir, ['--engine', 'duckdb']);
      if (expected) {
        try {
          expect(r.stderr).toMatch(new RegExp(`\\[${expected.refuses}\\]\n$`));
          expect(r.run.status).toBe(2);
          expect(r.created).toEqual([]);
        } finally {
          for (const f of r.created) rmSync(join(dir, f), { recursive: true, force: true });
        }
        return;
      }
      checkRun(dir, r, (s) => s.replace(HANDED, ''));
    });
  }
});

// Guard against a folder that silently stopped being a case.
it('every case folder has a cmd file', () => {
  for (const topic of readdirSync(ROOT)) {
    for (const name of readdirSync(join(ROOT, topic))) {
      if (statSync(join(ROOT, topic, name)).isDirectory()) expect(existsSync(join(ROOT, topic, name, 'cmd')), `${topic}/${name}`).toBe(true);
    }
  }
});
