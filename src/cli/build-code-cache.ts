// Writes the bundle's V8 code cache (see code-cache.ts), as the last step of
// `npm run build`: runs the CLI in this process on the repository's fixtures
// (k-anonymity on Adult with and without hierarchies; the demo policy's
// transforms, to CSV and to JSON Lines), so that the functions they call are
// compiled, then saves their bytecode beside the bundle. Everything the runs
// write goes to a temporary directory, removed at the end.
//
//   node dist/cli/build-code-cache.js

import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_CACHE, loadCli } from './code-cache.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const adult = join(repo, 'fixtures', 'adult');
const demo = join(repo, 'fixtures', 'demo');
const QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation'];

function kPolicy(hierarchies: boolean): string {
  const lines = ['version: 1', 'unlisted: keep', 'columns:', '  salary-class: keep', 'k_anonymity:', '  k: 5', `  quasi_identifiers: [${QIS.join(', ')}]`];
  if (hierarchies) lines.push('  hierarchies:', ...QIS.filter((q) => q !== 'age').map((q) => `    ${q}: ${JSON.stringify(join(adult, `adult_hierarchy_${q}.csv`))}`));
  return `${lines.join('\n')}\n`;
}

// The cache is written even when a fixture is missing: it then holds what loading the bundle compiled.
rmSync(CODE_CACHE, { force: true });
const { cli, script } = loadCli();
const work = mkdtempSync(join(tmpdir(), 'veil-code-cache-'));
try {
  const runs: string[][] = [];
  if (existsSync(join(adult, 'adult.csv'))) {
    for (const hierarchies of [true, false]) {
      const policy = join(work, `k-${hierarchies}.yaml`);
      writeFileSync(policy, kPolicy(hierarchies));
      runs.push(['apply', join(adult, 'adult.csv'), '--delimiter', ';', '--policy', policy, '-o', join(work, 'adult.csv'), '--report', join(work, 'adult.json'), '--plan-out', join(work, 'plan.json'), '-q']);
    }
  }
  if (existsSync(join(demo, 'patients.csv'))) {
    for (const output of ['demo.csv', 'demo.jsonl']) {
      runs.push(['apply', join(demo, 'patients.csv'), '--policy', join(demo, 'policy.yaml'), '--key-file', join(demo, 'DEMO-KEY-not-secret.txt'), '--allow-demo-key', '-o', join(work, output), '--report', join(work, 'demo.json'), '-q']);
    }
  }
  for (const argv of runs) {
    const code = await cli.main([process.execPath, 'veil', ...argv]);
    if (code !== 0) throw new Error(`build-code-cache: veil ${argv.join(' ')} exited ${code}`);
  }
  writeFileSync(`${CODE_CACHE}.tmp`, script.createCachedData());
  renameSync(`${CODE_CACHE}.tmp`, CODE_CACHE);
} finally {
  rmSync(work, { recursive: true, force: true });
}
