// Loads the bundled CLI (dist/bundle/main.cjs, one file made by rolldown)
// with V8's code cache: the bytecode of the functions that representative
// runs compiled, saved beside the bundle at build time (build-code-cache.ts).
// Without it a short run spends longer parsing and compiling the bundle's
// functions as they are first called: Adult at k=5 with hierarchies took
// 0.497 s without the cache and 0.466 s with it (medians of 21 paired runs).
//
// The cache only decides how soon the code runs, never what runs: V8 checks
// it against the source, its own version and its flags, and a cache it
// refuses (another Node, another build), or none at all, means the bundle is
// compiled as usual. Nothing here writes at run time: the install directory
// may be read-only, and a run's output must not depend on an earlier run.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** What the bundle (src/cli/main.ts) exports. */
export interface Cli {
  main(argv: readonly string[]): Promise<number>;
  installProcessHandlers(): void;
}

export interface LoadedCli {
  readonly cli: Cli;
  /** The compiled bundle: build-code-cache.ts takes its cache from it after running it. */
  readonly script: Script;
  /** false: the cache was used; true: V8 refused it; undefined: there was none. */
  readonly cacheRejected: boolean | undefined;
}

export const BUNDLE = fileURLToPath(new URL('../bundle/main.cjs', import.meta.url));
export const CODE_CACHE = `${BUNDLE}.cache`;

export function loadCli(bundle = BUNDLE, cacheFile = CODE_CACHE): LoadedCli {
  const source = readFileSync(bundle, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // optional: compiled as usual
  }
  // The CommonJS wrapper on the first line, so that the bundle's line numbers stay as they are.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const module = { exports: {} as Cli };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return { cli: module.exports, script, cacheRejected: cachedData === undefined ? undefined : script.cachedDataRejected };
}
