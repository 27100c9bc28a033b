// What a new user meets first: a wrong delimiter diagnosed as one, a policy
// checked without data or a key (`veil validate`).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingColumns } from '../src/core/errors.js';
import { tempDir, veil } from './helpers.js';

describe('a header read as one column', () => {
  it('is one problem that names the delimiter to try, instead of one problem per column', () => {
    expect(missingColumns(['id;email;age'], ['id', 'email', 'age'])).toEqual([{ kind: 'input', code: 'HEADER_ONE_COLUMN', expected: ';', names: ['id', 'email', 'age'] }]);
    expect(missingColumns(['id\temail|x'], ['id'])[0]!.expected).toBe('\t');
    // The most frequent one: "a,b" names inside a semicolon file.
    expect(missingColumns(['a,b;c;d'], ['c'])[0]!.expected).toBe(';');
    // A header of one column with no delimiter in it, or of several: the columns it lacks, as before.
    expect(missingColumns(['identifier'], ['id'])).toEqual([{ kind: 'input', code: 'COLUMN_MISSING', columnName: 'id' }]);
    expect(missingColumns(['a;b', 'c'], ['d'], () => 'c')).toEqual([{ kind: 'input', code: 'COLUMN_MISSING', columnName: 'd', suggestion: 'c' }]);
    expect(missingColumns(['a;b'], [])).toEqual([]);
  });

  it('apply, check and the k stage say which delimiter to try, on a file and on stdin', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.tsv.csv'), 'zip\tage\tdiagnosis\n021\t30-39\tflu\n');
    writeFileSync(join(dir, 'k.yaml'), 'version: 1\ncolumns:\n  zip: keep\n  age: keep\n  diagnosis: keep\nk_anonymity: { k: 2, quasi_identifiers: [zip, age] }\n');
    const hint = /^veil: [^\n]*: the header was read as one column, and it holds "\\t": try --delimiter 'tab' \(the policy names \d columns the input seems to lack\) \[HEADER_ONE_COLUMN\]\n$/;
    const apply = veil(['apply', join(dir, 'in.tsv.csv'), '--policy', join(dir, 'k.yaml'), '-q']);
    expect(apply.status).toBe(3);
    expect(apply.stderr).toMatch(hint);
    const check = veil(['check', join(dir, 'in.tsv.csv'), '--policy', join(dir, 'k.yaml')]);
    expect(check.status).toBe(3);
    expect(check.stderr).toMatch(hint);
    const stdin = veil(['apply', '--policy', join(dir, 'k.yaml'), '-q'], { input: 'zip\tage\tdiagnosis\n021\t30-39\tflu\n' });
    expect(stdin.stderr).toMatch(hint);
    // With the delimiter it names, the same file runs.
    const fixed = veil(['check', join(dir, 'in.tsv.csv'), '--policy', join(dir, 'k.yaml'), '--delimiter', 'tab']);
    expect(fixed.stderr).not.toMatch(/HEADER_ONE_COLUMN/);
  });
});

describe('veil validate', () => {
  it('checks policies without data or a key: exit 0 and a line per valid one, -q for none', () => {
    const ok = veil(['validate', 'fixtures/demo/policy.yaml', 'fixtures/adult/training.yaml'], { env: { PATH: process.env.PATH } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe(
      'veil validate: fixtures/demo/policy.yaml: valid (12 columns, unlisted: error, needs a key)\n' +
        'veil validate: fixtures/adult/training.yaml: valid (9 columns, unlisted: error, needs no key, k-anonymity k=10)\n',
    );
    expect(veil(['validate', '-q', 'fixtures/demo/policy.yaml']).stderr).toBe('');
  });

  it('reports every problem of every file with its line, as apply does, and exits 2', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'typo.yaml'), 'version: 1\ncolumns:\n  email: { transform: hash, lenght: 20 }\n  age: { transform: generalise }\n');
    const r = veil(['validate', join(dir, 'typo.yaml'), 'fixtures/demo/policy.yaml', join(dir, 'none.yaml')]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/typo\.yaml:3:29: columns\.email\.lenght: [^\n]*\(did you mean "length"\?\) \[POLICY_UNKNOWN_KEY\]$/);
    expect(lines[1]).toMatch(/typo\.yaml:4:21: columns\.age\.transform: [^\n]*found "generalise" \(did you mean "generalize"\?\) \[POLICY_UNKNOWN_TRANSFORM\]$/);
    expect(lines[2]).toBe('veil validate: fixtures/demo/policy.yaml: valid (12 columns, unlisted: error, needs a key)');
    expect(lines[3]).toMatch(/none\.yaml: cannot read the policy \(ENOENT\) \[POLICY_UNREADABLE\]$/);
    // apply gives the same messages for the same file.
    const apply = veil(['apply', '--policy', join(dir, 'typo.yaml')], { input: 'email,age\n' });
    expect(apply.stderr.trimEnd().split('\n')).toEqual(lines.slice(0, 2));
  });
});
