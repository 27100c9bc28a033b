#!/usr/bin/env node
// `npm run bench:scrub`: scrub on the texts that make pattern matchers slow,
// each one cell of a CSV run through `veil apply` (scrub, own: [email]):
// repeated openers `(1`, long digit runs, long runs of capitalized words and
// of a first name, runs of separators, repeated emails, dates and addresses.
// Each at 256 KiB, 1 MiB and 4 MiB; the median of N whole-process runs, and
// the time per MiB at 4 MiB against 1 MiB (linear: about 1.0).
//
//   npm run bench:scrub
//   npm run bench:scrub -- --runs 5 --sizes 256k,1m,4m,16m

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', 'bin', 'veil.js');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, sizes: { type: 'string', default: '256k,1m,4m' } } });
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map((s) => ({ name: s, bytes: Number.parseFloat(s) * (/m$/i.test(s) ? 1 << 20 : /k$/i.test(s) ? 1 << 10 : 1) }));
const UNITS = {
  'openers (1': '(1',
  'digits': '1',
  'digits and spaces': '1 ',
  'capitalized words': 'Main Street ',
  'a first name': 'Kwame ',
  'separators': '- ',
  'call 0': 'call 0',
  'emails': 'a@b.co ',
  'dates': '12/12/',
  'addresses': '12 Main St, ',
};
const work = mkdtempSync(join(tmpdir(), 'veil-bench-scrub-'));
const key = join(work, 'key');
writeFileSync(key, 'bench-key-0123456789abcdef0123456789');
writeFileSync(join(work, 'policy.yaml'), 'version: 1\ncolumns:\n  id: keep\n  email: { transform: hash }\n  notes: { transform: scrub, own: [email] }\n');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const header = ['text', ...sizes.map((s) => `${s.name} (s)`), 'per MiB, largest / 1m'];
console.log(`scrub on adversarial cells: median of ${runs} whole-process runs (node ${process.version})\n`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
try {
  for (const [name, unit] of Object.entries(UNITS)) {
    const cells = [];
    const perMiB = {};
    for (const size of sizes) {
      const file = join(work, 'in.csv');
      writeFileSync(file, `id,email,notes\n1,a@b.com,"${unit.repeat(Math.ceil(size.bytes / unit.length)).slice(0, size.bytes)}"\n`);
      const times = [];
      let failed = '';
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const p = spawnSync(process.execPath, [bin, 'apply', file, '--policy', join(work, 'policy.yaml'), '--key-file', key, '-o', join(work, 'out.csv'), '-q'], { timeout: 600_000 });
        times.push((performance.now() - t0) / 1000);
        if (p.status !== 0) failed = ` (exit ${p.status})`;
      }
      const m = median(times);
      perMiB[size.name] = m / (size.bytes / (1 << 20));
      cells.push(`${m.toFixed(2)}${failed}`);
    }
    const largest = sizes.at(-1).name;
    const ratio = perMiB['1m'] !== undefined && largest !== '1m' ? (perMiB[largest] / perMiB['1m']).toFixed(2) : '-';
    console.log(`| ${name} | ${cells.join(' | ')} | ${ratio} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
