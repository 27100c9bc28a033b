// Attacks on the differential-privacy promises, played against the built
// CLI and the noise transform: regenerating seeded noise from the report,
// bounds whose doubles differ from their decimals, and what a noised column
// still tells as it is (missing values, the JSON type).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededSource } from '../../src/lib/random.js';
import { discreteLaplace } from '../../src/lib/discrete-laplace.js';
import { columnFn, tempDir, veil } from '../helpers.js';

const POLICY = 'version: 1\ncolumns:\n  id: keep\n  income: { transform: noise, epsilon: 1, bounds: [0, 250000] }\n';

describe('attack: the seed in the report', () => {
  it('a seeded run warns that its output is not private, and its report holds no seed to regenerate the noise with', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'id,income\n1,52000\n2,\n3,71000\n');
    writeFileSync(join(dir, 'p.yaml'), POLICY);
    const seed = '918273645';
    const run = veil(['apply', 'in.csv', '--policy', 'p.yaml', '--seed', seed, '-o', 'out.csv', '--report', 'report.json', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/warning: --seed .*income.*NOT differentially private/);
    const report = readFileSync(join(dir, 'report.json'), 'utf8');
    // The attacker's move: find the seed in the report, regenerate the noise, subtract it.
    expect(report).not.toContain(seed);
    const parsed = JSON.parse(report);
    expect(parsed.seeded).toBe(true);
    expect(parsed.privacy.differential_privacy.guarantee_holds).toBe(false);
    // Without a seed there is no such warning (only that noise of this scale dwarfs two incomes), and the guarantee is stated.
    const secure = veil(['apply', 'in.csv', '--policy', 'p.yaml', '-o', 'out2.csv', '--report', 'report2.json', '-q'], { cwd: dir });
    expect(secure.stderr).not.toMatch(/--seed|NOT differentially private/);
    expect(secure.stderr).toMatch(/^veil: warning: the noise of income dwarfs its spread/);
    expect(JSON.parse(readFileSync(join(dir, 'report2.json'), 'utf8')).privacy.differential_privacy.guarantee_holds).toBe(true);
  });
});

describe('attack: bounds whose doubles are coarser than their decimals', () => {
  it('noise at [1e12, 1e12 + 0.003] has the stated scale around the clamped value: the real epsilon is the stated one', async () => {
    const dir = tempDir();
    const policy = 'version: 1\ncolumns:\n  v: { transform: noise, epsilon: 1, bounds: [1000000000000, 1000000000000.003] }\n';
    writeFileSync(join(dir, 'p.yaml'), policy);
    writeFileSync(join(dir, 'in.csv'), 'v\n1000000000000\n');
    const run = veil(['apply', 'in.csv', '--policy', 'p.yaml', '--seed', '1', '--report', 'r.json', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    const d = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).privacy.differential_privacy.columns.v;
    const grid: number = d.grid;
    const [lo, hi]: [number, number] = d.bounds_enforced;
    // The enforced bounds are grid points, and the scale is their distance over epsilon: epsilon as stated.
    expect(Number.isInteger(lo / grid) && Number.isInteger(hi / grid)).toBe(true);
    expect(d.sensitivity).toBe(hi - lo);
    expect(d.sensitivity / d.scale).toBeLessThanOrEqual(1);
    // The outputs for the two extreme inputs follow the discrete Laplace of that scale around each end,
    // exactly: every draw is (end + z) * grid for the z the exact sampler gives (same seeded stream).
    const f = await columnFn('v', '{ transform: noise, epsilon: 1, bounds: [1000000000000, 1000000000000.003] }', { seed: 5 });
    const rng = await seededSource(5, 'noise', 'v');
    const [t, s] = (d.scale_exact as string).split(' ')[0]!.split('/').map(Number) as [number, number];
    for (let i = 0; i < 2000; i++) {
      const input = i % 2 ? '1000000000000' : '1000000000000.003';
      const end = i % 2 ? lo : hi;
      const z = discreteLaplace(rng, t, s);
      expect(Number(f(input))).toBe((end / grid + z) * grid);
    }
  });
});

describe('what a noised column still tells', () => {
  it('counts the missing values it publishes as they are, and says so', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'id,income\n1,52000\n2,\n3,71000\n4,\n');
    writeFileSync(join(dir, 'p.yaml'), POLICY);
    expect(veil(['apply', 'in.csv', '--policy', 'p.yaml', '-o', 'out.csv', '--report', 'r.json', '-q'], { cwd: dir }).status).toBe(0);
    const dp = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).privacy.differential_privacy;
    expect(dp.columns.income.missing_published_as_is).toBe(2);
    expect(dp.guarantee.join(' ')).toMatch(/missing/i);
  });

  it('keeps JSON numbers as numbers in JSON Lines (and strings as strings)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), '{"id":1,"income":52000}\n{"id":2,"income":"71000"}\n{"id":3,"income":null}\n');
    writeFileSync(join(dir, 'p.yaml'), POLICY);
    const run = veil(['apply', 'in.jsonl', '--policy', 'p.yaml', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(typeof rows[0].income).toBe('number');
    expect(typeof rows[1].income).toBe('string');
    expect(rows[2].income).toBe(null);
  });
});
