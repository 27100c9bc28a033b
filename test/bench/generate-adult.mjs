#!/usr/bin/env node
// Generates Adult-like rows at any scale for the k-anonymity benchmark: each
// row is a seeded random row of the Adult data (fixtures/adult/adult.csv)
// with its age moved by up to two years (kept within 17..90), so the
// combinations keep Adult's correlations while the data grows.
//
//   node test/bench/generate-adult.mjs --rows 1000000 --seed 42 > adult-1m.csv

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '42' } } });
const here = dirname(fileURLToPath(import.meta.url));
const lines = readFileSync(join(here, '..', '..', 'fixtures', 'adult', 'adult.csv'), 'utf8').trim().split('\n');
const header = lines[0];
const rows = lines.slice(1).map((l) => l.split(';'));

// xorshift32, seeded: reproducible without a dependency.
let state = Number(values.seed) >>> 0 || 1;
const next = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
};

const out = process.stdout;
let buffer = `${header}\n`;
const total = Number(values.rows);
for (let i = 0; i < total; i++) {
  const r = rows[Math.floor(next() * rows.length)];
  const age = Math.min(90, Math.max(17, Number(r[1]) + Math.floor(next() * 5) - 2));
  buffer += `${r[0]};${age};${r.slice(2).join(';')}\n`;
  if (buffer.length > 1 << 16) {
    if (!out.write(buffer)) await new Promise((resolve) => out.once('drain', resolve));
    buffer = '';
  }
}
out.write(buffer);
