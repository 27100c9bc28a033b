// The policies in README.md, docs/ and examples/README.md are loaded as a user would copy them:
// a complete policy as it is, a fragment (a k_anonymity or rows section)
// inside the smallest policy that holds it. Every one must load without a
// problem, so that the reference cannot drift from what veil accepts.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../src/policy/load.js';
import { blocksOf, DOC_PAGES } from './doc-blocks.js';
import { REPO } from './helpers.js';

/** Files the examples name: the Adult hierarchies from fixtures, small stand-ins for the rest. */
function readFile(path: string): { text: string } | { errno: string } {
  const fixture = join(REPO, 'fixtures/adult', path);
  if (existsSync(fixture)) return { text: readFileSync(fixture, 'utf8') };
  const standIns: Record<string, string> = { 'forget.txt': '# hashes\n', 'zip3.txt': '036\n' };
  return path in standIns ? { text: standIns[path]! } : { errno: 'ENOENT' };
}

function asPolicy(block: string): string {
  if (block.startsWith('version: 1')) return block;
  if (block.startsWith('k_anonymity:')) return `version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\n${block}`;
  return `version: 1\n${block}`;
}

describe('policies in the documentation', () => {
  for (const page of DOC_PAGES) {
    const blocks = blocksOf(page, readFileSync(join(REPO, page), 'utf8')).filter((b) => b.lang === 'yaml');
    for (const [i, block] of blocks.entries()) {
      it(`${page}, YAML example ${i + 1} (line ${block.line}) loads without a problem`, async () => {
        const result = await loadPolicy(asPolicy(`${block.body}\n`), readFile);
        expect(result.problems).toEqual([]);
      });
    }
  }
});
