// The layers of src/ (.dependency-cruiser.cjs): each folder imports only the
// folders below it, so no two folders import each other and there is no
// cycle of files. dependency-cruiser reads the imports (type-only ones too).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers.js';

describe('the layers of src/', () => {
  it('no folder imports a folder above it, and no files import each other in a circle', () => {
    const run = spawnSync(process.execPath, [join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: REPO, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });

  it('sees a folder that imports one above it, a folder out of the layers, and a circle', () => {
    // The check can fail: a small tree with one of each, checked with the same configuration.
    const dir = tempDir();
    const file = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    file('src/lib/a.ts', "import { b } from '../cli/b.js';\nexport const a = b;\n");
    file('src/cli/b.ts', 'export const b = 1;\n');
    file('src/misc/c.ts', "import { a } from '../lib/a.js';\nexport const c = a;\n");
    file('src/io/d.ts', "import { e } from './e.js';\nexport const d = 1;\nexport const f = e;\n");
    file('src/io/e.ts', "import { d } from './d.js';\nexport const e = d;\n");
    // Inside the engines: an engine that imports the one above it, the SQL compiler that imports an engine.
    file('src/engines/duckdb/run.ts', "import { s } from '../stream/run.js';\nexport const r = s;\n");
    file('src/engines/stream/run.ts', 'export const s = 1;\n');
    file('src/engines/sql/compile.ts', "import { r } from '../duckdb/run.js';\nexport const c = r;\n");
    file('tsconfig.json', '{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext" } }\n');
    copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    const run = spawnSync(process.execPath, [join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/layer-lib: src\/lib\/a\.ts → src\/cli\/b\.ts/);
    expect(run.stdout).toMatch(/no-unknown-folder: src\/misc\/c\.ts/);
    expect(run.stdout).toMatch(/no-circular: src\/io\/d\.ts/);
    expect(run.stdout).toMatch(/engines-duckdb: src\/engines\/duckdb\/run\.ts → src\/engines\/stream\/run\.ts/);
    expect(run.stdout).toMatch(/engines-sql: src\/engines\/sql\/compile\.ts → src\/engines\/duckdb\/run\.ts/);
  });
});
