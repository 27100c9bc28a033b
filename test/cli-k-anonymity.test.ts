// k-anonymity through the built CLI on the Adult benchmark: the output is
// re-grouped and its loss recomputed here, independently of veil's report.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO, tempDir, veil } from './helpers.js';

const ADULT = join(REPO, 'fixtures/adult/adult.csv');
const QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation'];
const lines = readFileSync(ADULT, 'utf8').trim().split('\n');

function policy(k: number, extra = ''): string {
  return `version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\nk_anonymity:\n  k: ${k}\n  quasi_identifiers: [${QIS.join(', ')}]\n${extra}`;
}

/** Does the process hold this path open (Linux: its descriptors in /proc)? */
function holds(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((l) => l.split(';'));
}

/** Sizes of the groups of rows sharing all quasi-identifier values. */
function classSizes(rows: string[][]): number[] {
  const groups = new Map<string, number>();
  for (const r of rows) {
    const key = r.slice(0, 8).join('\u0000');
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups.values()];
}

/** GCP from input and output rows (same order, nothing suppressed), by the definition: intervals over the age range, sets over distinct values. */
function gcp(input: string[][], output: string[][]): number {
  let loss = 0;
  const ages = input.map((r) => Number(r[1]));
  const ageRange = Math.max(...ages) - Math.min(...ages);
  const distinct = QIS.map((_, j) => new Set(input.map((r) => r[j])).size);
  output.forEach((row, i) => {
    QIS.forEach((_, j) => {
      const v = row[j]!;
      if (v === input[i]![j]) return;
      if (v === '*') return void (loss += 1);
      if (j === 1) {
        const [lo, hi] = v.split('-').map(Number);
        expect(Number(input[i]![1])).toBeGreaterThanOrEqual(lo!);
        expect(Number(input[i]![1])).toBeLessThanOrEqual(hi!);
        loss += (hi! - lo!) / ageRange;
      } else {
        const set = v.split('|');
        expect(set).toContain(input[i]![j]);
        loss += set.length / distinct[j]!;
      }
    });
  });
  return loss / (input.length * QIS.length);
}

describe('veil apply with k_anonymity on Adult', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it('publishes only classes of at least k, covers every value, and reports the GCP recomputed here', () => {
    writeFileSync(join(dir, 'k5.yaml'), policy(5));
    const run = veil(['apply', ADULT, '--delimiter', ';', '--policy', join(dir, 'k5.yaml'), '-o', join(dir, 'k5.csv'), '--report', join(dir, 'k5.json'), '-q']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const input = lines.slice(1).map((l) => l.split(';'));
    const output = parseCsv(readFileSync(join(dir, 'k5.csv'), 'utf8')).slice(1);
    expect(output).toHaveLength(input.length);
    expect(Math.min(...classSizes(output))).toBeGreaterThanOrEqual(5);
    output.forEach((r, i) => expect(r[8]).toBe(input[i]![8])); // the sensitive column is untouched
    const report = JSON.parse(readFileSync(join(dir, 'k5.json'), 'utf8'));
    const section = report.privacy.k_anonymity;
    expect(section.achieved.k).toBe(Math.min(...classSizes(output)));
    expect(section.achieved.classes).toBe(classSizes(output).length);
    expect(section.information_loss.gcp).toBeCloseTo(gcp(input, output), 5);
    // The bar of the issue: below ARX local recoding's 0.066 at k=5.
    expect(section.information_loss.gcp).toBeLessThan(0.066);
    // And veil check agrees, on the file as written.
    const check = veil(['check', join(dir, 'k5.csv'), '--delimiter', ';', '--qi', QIS.join(','), '--k', '5']);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/: met\n/);
    expect(veil(['check', join(dir, 'k5.csv'), '--delimiter', ';', '--qi', QIS.join(','), '--k', '6']).status).toBe(1);
  });

  it('l-diversity holds in every published class (recounted)', () => {
    writeFileSync(join(dir, 'l2.yaml'), policy(3, '  l_diversity: { sensitive: salary-class, l: 2 }\n'));
    const run = veil(['apply', ADULT, '--delimiter', ';', '--policy', join(dir, 'l2.yaml'), '-o', join(dir, 'l2.csv'), '-q']);
    expect(run.status).toBe(0);
    const groups = new Map<string, Set<string>>();
    for (const r of parseCsv(readFileSync(join(dir, 'l2.csv'), 'utf8')).slice(1)) {
      const key = r.slice(0, 8).join('\u0000');
      groups.set(key, (groups.get(key) ?? new Set()).add(r[8]!));
    }
    for (const s of groups.values()) expect(s.size).toBe(2);
  });

  it('a plan made on a training split generalizes the test split alike, and reproduces the training output', () => {
    const half = Math.floor((lines.length - 1) / 2);
    const train = [lines[0], ...lines.slice(1, 1 + half)].join('\n') + '\n';
    const test = [lines[0], ...lines.slice(1 + half)].join('\n') + '\n';
    writeFileSync(join(dir, 'train.csv'), train);
    writeFileSync(join(dir, 'test.csv'), test);
    writeFileSync(join(dir, 'k10.yaml'), policy(10, '  max_suppression: 0.5\n'));
    const made = veil(['apply', 'train.csv', '--delimiter', ';', '--policy', 'k10.yaml', '-o', 'train.out.csv', '--plan-out', 'plan.json', '-q'], { cwd: dir });
    expect(made.status).toBe(0);
    const plan = readFileSync(join(dir, 'plan.json'), 'utf8');
    expect(JSON.parse(plan).format).toBe('veil-plan');
    const again = veil(['apply', 'train.csv', '--delimiter', ';', '--policy', 'k10.yaml', '--plan', 'plan.json', '-q'], { cwd: dir });
    expect(again.stdout).toBe(readFileSync(join(dir, 'train.out.csv'), 'utf8'));

    // A policy may ask for more than the plan: at k=40 most of the plan's classes fall short on
    // the test split and the run fails, leaving nothing behind...
    writeFileSync(join(dir, 'k40.yaml'), policy(40, '  max_suppression: 0.5\n'));
    const strict = veil(['apply', 'test.csv', '--delimiter', ';', '--policy', 'k40.yaml', '--plan', 'plan.json', '-o', 'strict.csv'], { cwd: dir });
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/SUPPRESSION_OVER_BUDGET/);
    expect(readdirSync(dir)).not.toContain('strict.csv');
    // ...but not for less: applied by a policy at k=3, the plan's k=10 is still the floor, and
    // holds after suppressing the classes that fall short.
    writeFileSync(join(dir, 'k3.yaml'), policy(3, '  max_suppression: 0.5\n'));
    const applied = veil(['apply', 'test.csv', '--delimiter', ';', '--policy', 'k3.yaml', '--plan', 'plan.json', '-o', 'test.out.csv', '--report', 'test.json', '-q'], { cwd: dir });
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const out = parseCsv(readFileSync(join(dir, 'test.out.csv'), 'utf8')).slice(1);
    expect(Math.min(...classSizes(out))).toBeGreaterThanOrEqual(10);
    const report = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8'));
    expect(report.privacy.k_anonymity.k).toBe(10);
    expect(report.rows.in).toBe(lines.length - 1 - half);
    expect(report.rows.out).toBe(out.length);
    expect(report.rows.in).toBe(report.rows.out + report.rows.removed.k_anonymity);
    // Every published test row carries a combination the training output has.
    const published = new Set(parseCsv(readFileSync(join(dir, 'train.out.csv'), 'utf8')).slice(1).map((r) => r.slice(0, 8).join(';')));
    for (const r of out) expect(published.has(r.slice(0, 8).join(';'))).toBe(true);
  });

  it('fails with exit 1 and writes nothing when k cannot be met within the budget', () => {
    writeFileSync(join(dir, 'huge.yaml'), policy(40000));
    const run = veil(['apply', ADULT, '--delimiter', ';', '--policy', 'huge.yaml', '-o', 'huge.csv', '--report', 'huge.json', '--plan-out', 'huge-plan.json'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SUPPRESSION_OVER_BUDGET/);
    expect(readdirSync(dir).filter((f) => f.startsWith('huge') && !f.endsWith('.yaml'))).toEqual([]);
  });

  it('fails with exit 3 and writes nothing when the second pass reads other bytes than the first, though as many rows', async () => {
    // The file is replaced (by rename) while the first pass holds it open: the first pass reads the old
    // file to its end, the writing pass opens the new one, which differs in one age.
    const path = join(dir, 'changing.csv');
    const original = readFileSync(ADULT, 'utf8');
    writeFileSync(path, original);
    writeFileSync(join(dir, 'k2-changing.yaml'), policy(2));
    const child = spawn(process.execPath, [BIN, 'apply', path, '--delimiter', ';', '--policy', 'k2-changing.yaml', '-o', 'changed.csv', '-q'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', done));
    while (!holds(child.pid!, path)) await new Promise((r) => setTimeout(r, 2));
    const changed = original.replace(';39;', ';38;');
    expect(changed).not.toBe(original);
    writeFileSync(`${path}.new`, changed);
    renameSync(`${path}.new`, path);
    expect(await exited).toBe(3);
    expect(stderr).toMatch(/the input changed between the two passes/);
    expect(existsSync(join(dir, 'changed.csv'))).toBe(false);
  });

  it('reads a pipe (a FIFO, as from <(zcat ...)) once: spooled like stdin, then removed', async () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('veil-stdin'));
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'k2-pipe.yaml'), policy(2));
    const child = spawn(process.execPath, [BIN, 'apply', fifo, '--delimiter', ';', '--policy', 'k2-pipe.yaml', '-o', 'piped.csv', '-q'], { cwd: dir });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    await writeFile(fifo, lines.slice(0, 500).join('\n') + '\n');
    expect(await exited).toBe(0);
    const out = parseCsv(readFileSync(join(dir, 'piped.csv'), 'utf8')).slice(1);
    expect(out.length).toBe(499);
    expect(Math.min(...classSizes(out))).toBeGreaterThanOrEqual(2);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('veil-stdin'))).toEqual(before);
  });

  it('spools stdin for the two passes and removes the spool', () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('veil-stdin'));
    writeFileSync(join(dir, 'k2.yaml'), policy(2));
    const run = veil(['apply', '--delimiter', ';', '--policy', join(dir, 'k2.yaml'), '-q'], { input: lines.slice(0, 500).join('\n') + '\n' });
    expect(run.status).toBe(0);
    expect(Math.min(...classSizes(parseCsv(run.stdout).slice(1)))).toBeGreaterThanOrEqual(2);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('veil-stdin'))).toEqual(before);
  });
});
