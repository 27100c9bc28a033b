// Training-ready output: representative values (publish: representative) and
// featurizing new data with a plan (--plan-mode featurize). The output is
// regrouped and each class's median, midpoint and mode recomputed here from
// the input, independently of veil.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir, veil } from './helpers.js';

const HEADER = ['age', 'sex', 'city', 'diagnosis'];
const CITIES = ['Leeds', 'York', 'Hull', 'Bath', 'Ely'];
const DIAGNOSES = ['flu', 'asthma', 'gout', 'migraine'];

/** 600 rows from a fixed linear congruential generator: the same data on every run. */
function generate(rows: number, seed: number): string[][] {
  let x = seed;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  return Array.from({ length: rows }, () => [String(20 + next(50)), next(3) === 0 ? 'F' : 'M', CITIES[Math.min(next(5), next(5))]!, DIAGNOSES[next(4)]!]);
}
const csv = (rows: string[][]) => [HEADER, ...rows].map((r) => r.join(',')).join('\n') + '\n';
const parse = (text: string) => text.trim().split('\n').slice(1).map((l) => l.split(','));

function policy(extra: string, hierarchy = '', k = 7): string {
  return `version: 1\nunlisted: keep\ncolumns:\n  diagnosis: keep\nk_anonymity:\n  k: ${k}\n  quasi_identifiers: [age, sex, city]\n${hierarchy}${extra}`;
}

const HIERARCHY = 'Leeds;North;*\nYork;North;*\nHull;North;*\nBath;South;*\nEly;South;*\n';

let dir: string;
const input = generate(600, 7);
beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'in.csv'), csv(input));
  writeFileSync(join(dir, 'city.csv'), HIERARCHY);
});

function run(name: string, policyText: string, extra: string[] = []): { rows: string[][]; report: Record<string, any> } {
  writeFileSync(join(dir, `${name}.yaml`), policyText);
  const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, `${name}.yaml`), '-o', join(dir, `${name}.csv`), '--report', join(dir, `${name}.json`), '-q', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { rows: parse(readFileSync(join(dir, `${name}.csv`), 'utf8')), report: JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) };
}

/** Row indices of each class of the generalized output (rows sharing all published quasi-identifiers). */
function classesOf(rows: string[][]): number[][] {
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = JSON.stringify(r.slice(0, 3));
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()];
}

function lowerMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1]!;
}

function mode(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

describe('publish: representative', () => {
  it('publishes each class of the generalized form as its median age and its most frequent sex and city', () => {
    const generalized = run('gen', policy(''));
    const rep = run('rep', policy('  publish: representative\n'));
    expect(rep.rows.length).toBe(input.length);
    const classes = classesOf(generalized.rows);
    expect(classes.some((c) => new Set(c.map((i) => input[i]![0])).size > 1)).toBe(true); // the test has ranges to represent
    for (const members of classes) {
      const expected = [
        String(lowerMedian(members.map((i) => Number(input[i]![0])))),
        mode(members.map((i) => input[i]![1]!)),
        mode(members.map((i) => input[i]![2]!)),
      ];
      for (const i of members) expect(rep.rows[i]!.slice(0, 3)).toEqual(expected);
      // The rest of the row is the input's.
      for (const i of members) expect(rep.rows[i]![3]).toBe(input[i]![3]);
    }
    // The same classes: the same GCP, and the report says which form was published.
    expect(rep.report.privacy.k_anonymity.information_loss.gcp).toBe(generalized.report.privacy.k_anonymity.information_loss.gcp);
    expect(rep.report.privacy.k_anonymity.publish).toMatchObject({ form: 'representative', numbers: 'median', categories: 'mode' });
    expect(generalized.report.privacy.k_anonymity.publish.form).toBe('generalized');
  });

  it('publishes the midpoint of the class range (rounded: ages are integers) when asked', () => {
    const generalized = run('gen2', policy(''));
    const mid = run('mid', policy('  publish: representative\n  representative: { numbers: midpoint }\n'));
    for (const members of classesOf(generalized.rows)) {
      const ages = members.map((i) => Number(input[i]![0]));
      const expected = String(Math.floor((Math.min(...ages) + Math.max(...ages)) / 2 + 0.5));
      for (const i of members) expect(mid.rows[i]![0]).toBe(expected);
    }
  });

  it('publishes the hierarchy node for a column with a hierarchy when categories: node', () => {
    const h = `  hierarchies:\n    city: ${join(dir, 'city.csv')}\n`;
    const generalized = run('genh', policy('', h, 40));
    const node = run('node', policy('  publish: representative\n  representative: { categories: node }\n', h, 40));
    expect(node.rows.map((r) => r[2])).toEqual(generalized.rows.map((r) => r[2]));
    expect(node.rows.some((r) => ['North', 'South', '*'].includes(r[2]!))).toBe(true); // nodes were published
    expect(node.rows.every((r) => /^\d+$/.test(r[0]!))).toBe(true); // numbers stay representative
  });

  it('passes veil check: every published combination is shared by at least k rows', () => {
    run('rep3', policy('  publish: representative\n'));
    const r = veil(['check', join(dir, 'rep3.csv'), '--qi', 'age,sex,city', '--k', '7']);
    expect(r.stdout + r.stderr).toContain('met');
    expect(r.status).toBe(0);
    const sizes = classesOf(parse(readFileSync(join(dir, 'rep3.csv'), 'utf8'))).map((c) => c.length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(7);
  });

  it('rejects representative options without publish: representative', () => {
    writeFileSync(join(dir, 'bad.yaml'), policy('  representative: { numbers: median }\n'));
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'bad.yaml'), '-o', join(dir, 'bad.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('representative only with publish: representative');
  });
});

describe('--plan-mode featurize', () => {
  const plan = {
    format: 'veil-plan',
    version: 1,
    k: 7,
    l_diversity: null,
    quasi_identifiers: [{ name: 'age', kind: 'numeric' }, { name: 'sex', kind: 'set' }, { name: 'city', kind: 'set' }],
    classes: [
      { size: 9, match: { age: { min: 20, max: 39 }, sex: { in: ['F', 'M'] }, city: { in: ['Leeds', 'York'] } }, output: { age: '30', sex: 'M', city: 'Leeds' } },
      { size: 9, match: { age: { min: 40, max: 69 }, sex: { in: ['F', 'M'] }, city: { in: ['Leeds', 'York'] } }, output: { age: '52', sex: 'F', city: 'York' } },
      { size: 9, match: { age: { min: 20, max: 69 }, sex: { in: ['F', 'M'] }, city: { in: ['Hull', 'Bath'] } }, output: { age: '44', sex: 'M', city: 'Hull' } },
    ],
  };
  const rows = [
    ['25', 'F', 'York', 'flu'], // class 0
    ['45', 'M', 'Leeds', 'gout'], // class 1
    ['33', 'M', 'Bath', 'flu'], // class 2
    ['80', 'M', 'Leeds', 'flu'], // no class: age 80 is 11 above class 1's range, 41 above class 0's: class 1
    ['18', 'F', 'Leeds', 'asthma'], // no class: 2 below class 0's range: class 0
    ['30', 'M', 'Ely', 'flu'], // Ely is in no class: classes 0 and 2 both cost 1; the first listed wins
    ['75', 'F', 'Ely', 'gout'], // Ely and 75: class 1 costs 1 + 6/49, class 2 the same; class 1 is listed first
  ];

  it('maps every row to its class or the nearest one and publishes it, without enforcing k', () => {
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    writeFileSync(join(dir, 'new.csv'), csv(rows));
    writeFileSync(join(dir, 'f.yaml'), policy(''));
    const args = ['apply', join(dir, 'new.csv'), '--policy', join(dir, 'f.yaml'), '--plan', join(dir, 'plan.json'), '-o', join(dir, 'f.csv'), '--report', join(dir, 'f.json')];
    const r = veil([...args, '--plan-mode', 'featurize']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/NOT k-anonymous/);
    const out = parse(readFileSync(join(dir, 'f.csv'), 'utf8'));
    const want = [0, 1, 2, 1, 0, 0, 1].map((c) => Object.values(plan.classes[c]!.output));
    expect(out.map((o) => o.slice(0, 3))).toEqual(want);
    expect(out.map((o) => o[3])).toEqual(rows.map((o) => o[3]));
    const section = JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8')).privacy.k_anonymity;
    expect(section.enforced).toBe(false);
    expect(section.statement).toMatch(/^NOT k-anonymous/);
    expect(section.achieved.k).toBe(1);
    // The default stays enforcing: the same rows cannot hold k=7.
    const enforced = veil(args);
    expect(enforced.status).toBe(1);
    expect(enforced.stderr).toContain('SUPPRESSION_OVER_BUDGET');
  });

  it('is a usage error without --plan or with another mode', () => {
    writeFileSync(join(dir, 'f2.yaml'), policy(''));
    const a = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'f2.yaml'), '--plan-mode', 'featurize', '-o', join(dir, 'x.csv')]);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--plan-mode goes with --plan');
    const b = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'f2.yaml'), '--plan', join(dir, 'plan.json'), '--plan-mode', 'loose', '-o', join(dir, 'x.csv')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('enforce or featurize');
  });

  it('featurizes a test split with the plan of its training split into the training output\'s values', () => {
    const train = input.slice(0, 420);
    const test = input.slice(420);
    writeFileSync(join(dir, 'train.csv'), csv(train));
    writeFileSync(join(dir, 'test.csv'), csv(test));
    writeFileSync(join(dir, 't.yaml'), policy('  publish: representative\n'));
    const made = veil(['apply', join(dir, 'train.csv'), '--policy', join(dir, 't.yaml'), '-o', join(dir, 'train.out.csv'), '--plan-out', join(dir, 't.plan.json'), '-q']);
    expect(made.status).toBe(0);
    const r = veil(['apply', join(dir, 'test.csv'), '--policy', join(dir, 't.yaml'), '--plan', join(dir, 't.plan.json'), '--plan-mode', 'featurize', '-o', join(dir, 'test.out.csv'), '-q']);
    expect(r.status).toBe(0);
    const trained = new Set(parse(readFileSync(join(dir, 'train.out.csv'), 'utf8')).map((o) => JSON.stringify(o.slice(0, 3))));
    const featurized = parse(readFileSync(join(dir, 'test.out.csv'), 'utf8'));
    expect(featurized.length).toBe(test.length);
    for (const o of featurized) expect(trained.has(JSON.stringify(o.slice(0, 3)))).toBe(true);
  });
});

describe('warnings that stop silent damage', () => {
  it('names the quasi-identifiers left * in every published row, on stderr (even with -q) and in the report', () => {
    // k = all rows without a hierarchy: one class, every quasi-identifier the whole domain.
    writeFileSync(join(dir, 'all.yaml'), policy('', '', input.length));
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'all.yaml'), '-o', join(dir, 'all.csv'), '--report', join(dir, 'all.json'), '-q']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("veil: warning: k-anonymity left age, sex, city '*' in every published row: nothing of them is left (a smaller k, hierarchies or max_suppression keep more)\n");
    expect(JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')).warnings).toEqual([r.stderr.slice('veil: warning: '.length, -1)]);
    // With k = 7 nothing is left '*' everywhere: no warning, and the summary line says none.
    const fine = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'gen.yaml'), '-o', join(dir, 'fine.csv')]);
    expect(fine.stderr).toMatch(/^veil apply: 600 rows in, 600 out, 0 removed; [\d.]+ s, \d+ rows\/s\n$/);
  });
});

describe("the README's training-set example", () => {
  it('runs on Adult: a k=10 output of representative values that veil check passes, and its HTML report', () => {
    const out = join(dir, 'adult.safe.csv');
    const html = join(dir, 'adult.html');
    const r = veil(['apply', 'fixtures/adult/adult.csv', '--delimiter', ';', '--policy', 'fixtures/adult/training.yaml', '-o', out, '--report-html', html, '--utility-target', 'salary-class', '-q'], { cwd: REPO });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const check = veil(['check', out, '--delimiter', ';', '--qi', 'sex,age,race,marital-status,education,native-country,workclass,occupation', '--k', '10']);
    expect(check.status).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(';'));
    expect(rows.length).toBe(30162);
    expect(rows.every((row) => /^\d+$/.test(row[1]!))).toBe(true); // ages are numbers of the input's domain
    expect(readFileSync(html, 'utf8')).toContain('k-anonymity, k=10:</b>');
  });
});
