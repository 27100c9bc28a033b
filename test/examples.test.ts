// The examples folder as a newcomer uses it: every folder has its section in
// examples/README.md and every policy is valid. The commands the README shows
// are run, and their output compared, with every other page's
// (test/docs-run.test.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, veil } from './helpers.js';

const readme = readFileSync(join(REPO, 'examples/README.md'), 'utf8');
const folders = readdirSync(join(REPO, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('examples/', () => {
  it('has a README section with commands for every folder, and every policy is valid', () => {
    for (const f of folders) expect(readme).toContain(`$ cd examples/${f}\n`);
    const r = veil(['validate', '-q', ...folders.map((f) => `examples/${f}/policy.yaml`)]);
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});
