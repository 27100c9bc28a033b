#!/usr/bin/env node
// k-anonymity benchmark, part of `npm run bench`:
//  1. Adult (fixtures/adult, 30,162 rows, 8 quasi-identifiers): GCP and
//     whole-process time of `veil apply` for k = 2..100, without hierarchies
//     (value sets), with the ARX hierarchies for the categorical columns
//     (age stays numeric), and with them plus 5% suppression; beside ARX
//     3.9.2's figures from the dataset's README.
//  2. Scale: k=10 on generated Adult-like data (generate-adult.mjs), time
//     and peak memory.
//
//     On each engine (--engines stream,duckdb): DuckDB counts the combinations
//     and veil partitions them, so its memory follows the combinations.
//
//   node test/bench/bench-k.mjs [--sizes 1m,10m] [--runs 3] [--skip-scale] [--skip-adult] [--engines stream,duckdb]

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const adultDir = join(repo, 'fixtures', 'adult');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1m,10m' },
    runs: { type: 'string', default: '3' },
    'skip-scale': { type: 'boolean', default: false },
    'skip-adult': { type: 'boolean', default: false },
    engines: { type: 'string', default: 'stream,duckdb' },
  },
});
const runs = Number(values.runs);
const QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation'];
const ARX_LOCAL = { 2: 0.033, 5: 0.066, 10: 0.091, 20: 0.121, 50: 0.168, 100: 0.211 };
const work = mkdtempSync(join(tmpdir(), 'veil-bench-k-'));

function policy(k, { hierarchies = [], suppression = 0 } = {}) {
  const h = hierarchies.map((q) => `    ${q}: ${join(adultDir, `adult_hierarchy_${q}.csv`)}`).join('\n');
  return `version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\nk_anonymity:\n  k: ${k}\n  quasi_identifiers: [${QIS.join(', ')}]\n  max_suppression: ${suppression}\n${h ? `  hierarchies:\n${h}\n` : ''}`;
}

function run(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', ...argv], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  const line = r.stderr.toString().split('\n').find((l) => l.startsWith('BENCH '));
  if (r.status !== 0 || !line) throw new Error(`bench-k: failed: ${argv.join(' ')}\n${r.stderr}`);
  const [, seconds, kb] = line.split(' ');
  return { seconds: Number(seconds), mb: Number(kb) / 1024 };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function apply(input, k, options, label, extra = []) {
  const file = join(work, `${label}-${k}.yaml`);
  writeFileSync(file, policy(k, options));
  const report = join(work, `${label}-${k}.json`);
  const samples = Array.from({ length: runs }, () =>
    run([process.execPath, join(repo, 'bin', 'veil.js'), 'apply', input, '--delimiter', ';', '--policy', file, '-o', '/dev/null', '--report', report, '-q', ...extra]),
  );
  const section = JSON.parse(readFileSync(report, 'utf8')).privacy.k_anonymity;
  return { seconds: median(samples.map((s) => s.seconds)), mb: Math.max(...samples.map((s) => s.mb)), gcp: section.information_loss.gcp, suppressed: section.achieved.rows_suppressed, k: section.achieved.k };
}

const categorical = QIS.filter((q) => q !== 'age');
const configs = [
  { label: 'sets', options: {} },
  { label: 'hier', options: { hierarchies: categorical } },
  { label: 'hier5', options: { hierarchies: categorical, suppression: 0.05 } },
];
console.log(`veil k-anonymity bench on Adult (30,162 rows, 8 quasi-identifiers), whole processes, median of ${runs} runs`);
console.log('GCP (lower is better) and seconds; ARX 3.9.2 local recoding GCP from fixtures/adult/README.md');
console.log('k    ARX local | no hierarchies      | hierarchies          | hierarchies, 5% suppression');
const adult = join(adultDir, 'adult.csv');
for (const k of values['skip-adult'] ? [] : [2, 5, 10, 20, 50, 100]) {
  const cells = configs.map((c) => apply(adult, k, c.options, c.label));
  const fmt = (r) => `${r.gcp.toFixed(4)} ${r.seconds.toFixed(2)}s${r.suppressed ? ` (${r.suppressed} supp.)` : ''}`.padEnd(21);
  console.log(`${String(k).padEnd(5)}${ARX_LOCAL[k].toFixed(3).padEnd(9)}| ${cells.map(fmt).join('| ')}`);
}

if (!values['skip-scale']) {
  const dataDir = join(here, 'data');
  mkdirSync(dataDir, { recursive: true });
  console.log('\nk=10 on generated Adult-like data (generate-adult.mjs), no hierarchies');
  console.log('rows   engine  input MB  seconds  rows/s    peak MB  GCP');
  for (const label of values.sizes.split(',')) {
    const rows = Number(label.replace(/k$/i, '000').replace(/m$/i, '000000'));
    const file = join(dataDir, `adult-${rows}.csv`);
    if (!existsSync(file)) {
      const fd = openSync(file, 'w');
      execFileSync(process.execPath, [join(here, 'generate-adult.mjs'), '--rows', String(rows), '--seed', '42'], { stdio: ['ignore', fd, 'inherit'] });
      closeSync(fd);
    }
    for (const engine of values.engines.split(',')) {
      const r = apply(file, 10, {}, `scale-${label}`, ['--engine', engine]);
      const mb = statSync(file).size / 1e6;
      console.log(`${label.padEnd(7)}${engine.padEnd(8)}${mb.toFixed(0).padEnd(10)}${r.seconds.toFixed(1).padEnd(9)}${String(Math.round(rows / r.seconds)).padEnd(10)}${r.mb.toFixed(0).padEnd(9)}${r.gcp}`);
    }
  }
}
rmSync(work, { recursive: true, force: true });
