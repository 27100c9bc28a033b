// The examples folder as a newcomer uses it: every policy is valid, and every
// command examples/README.md shows runs as written in a copy of its folder,
// exits 0 and warns of nothing.

import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, splitWords, tempDir, veil } from './helpers.js';

const readme = readFileSync(join(REPO, 'examples/README.md'), 'utf8');
const folders = readdirSync(join(REPO, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('examples/', () => {
  it('has a README section with commands for every folder, and every policy is valid', () => {
    for (const f of folders) expect(readme).toContain(`cd examples/${f}\n`);
    const r = veil(['validate', '-q', ...folders.map((f) => `examples/${f}/policy.yaml`)]);
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  for (const [, folder, block] of readme.matchAll(/```\ncd examples\/([\w-]+)\n([\s\S]*?)```/g)) {
    it(`${folder}: the commands run as written`, () => {
      const dir = join(tempDir(), folder!);
      cpSync(join(REPO, 'examples', folder!), dir, { recursive: true });
      for (const line of block!.trim().split('\n')) {
        const [command, ...args] = splitWords(line);
        expect(command).toBe('veil');
        const r = veil(args, { cwd: dir });
        expect(r.stderr, line).not.toMatch(/warning|error/i);
        expect(r.status, `${line}\n${r.stderr}`).toBe(0);
      }
      // Every output the commands name was written, whole.
      for (const out of block!.matchAll(/-o (\S+)/g)) expect(readFileSync(join(dir, out[1]!), 'utf8').length).toBeGreaterThan(0);
    });
  }
});
