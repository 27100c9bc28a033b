import { describe, expect, it } from 'vitest';
import { policyFrom } from './helpers.js';

describe('policy loading', () => {
  it('accepts the README example policy whole', async () => {
    const { policy, problems } = await policyFrom(`
version: 1
unlisted: error
columns:
  patient_id: { transform: hash, length: 24 }
  email:      { transform: hash, normalize: email }
  full_name:  { transform: fake, as: person.fullName }
  phone:      { transform: mask, keep_last: 2 }
  ssn:        { transform: redact }
  notes:      { transform: drop }
  birth_date: { transform: generalize, to: year }
  zip:        { transform: generalize, prefix: 3 }
  age:        { transform: generalize, width: 10, top: 90 }
  income:     { transform: generalize, bins: [0, 20000, 50000, 100000] }
  visit_date: { transform: date-shift, max_days: 30, by: patient_id }
  city:       { transform: keep }
`);
    expect(problems).toEqual([]);
    expect(policy!.columns.map((c) => c.transform)).toEqual(['hash', 'hash', 'fake', 'mask', 'redact', 'drop', 'generalize', 'generalize', 'generalize', 'generalize', 'date-shift', 'keep']);
    expect(policy!.needsKey).toBe(true);
    expect(policy!.unlisted).toBe('error');
  });

  it('reports every problem at once, each with code, path, line, column and a suggestion for typos', async () => {
    const { policy, problems } = await policyFrom(`version: 1
unlisted: kep
columns:
  a: { transform: hsh }
  b: { transform: mask, keep_lst: 2 }
  c: { transform: generalize, width: ten }
`);
    expect(policy).toBeUndefined();
    expect(problems).toEqual([
      { kind: 'policy', code: 'POLICY_VALUE', path: 'unlisted', line: 2, column: 11, expected: 'one of error, drop, keep', found: '"kep"', suggestion: 'keep' },
      expect.objectContaining({ code: 'POLICY_UNKNOWN_TRANSFORM', path: 'columns.a.transform', line: 4, column: 19, suggestion: 'hash' }),
      expect.objectContaining({ code: 'POLICY_UNKNOWN_KEY', path: 'columns.b.keep_lst', line: 5, column: 25, suggestion: 'keep_last' }),
      expect.objectContaining({ code: 'POLICY_TYPE', path: 'columns.c.width', line: 6, column: 38, found: '"ten"' }),
    ]);
  });

  it('needs version 1 and a columns mapping', async () => {
    expect((await policyFrom('columns: { a: keep }')).problems).toEqual([expect.objectContaining({ code: 'POLICY_MISSING_KEY', path: 'version' })]);
    expect((await policyFrom('version: 1')).problems).toEqual([expect.objectContaining({ code: 'POLICY_MISSING_KEY', path: 'columns' })]);
    expect((await policyFrom('version: 1\ncolumns: {}')).problems).toEqual([expect.objectContaining({ code: 'POLICY_VALUE', path: 'columns' })]);
    expect((await policyFrom('- a\n- b')).problems).toEqual([expect.objectContaining({ code: 'POLICY_TYPE', path: '' })]);
    expect((await policyFrom('version: 1\ncolumns: { a: keep }\ncolour: blue')).problems).toEqual([
      expect.objectContaining({ code: 'POLICY_UNKNOWN_KEY', path: 'colour' }),
    ]);
  });

  it('rejects duplicate keys and YAML syntax errors with their position', async () => {
    const dup = await policyFrom('version: 1\ncolumns:\n  a: keep\n  a: drop\n');
    expect(dup.problems).toEqual([expect.objectContaining({ code: 'POLICY_YAML_SYNTAX', line: 4 })]);
  });

  it('accepts the shorthand `column: transform` for transforms without required options', async () => {
    const { policy } = await policyFrom('version: 1\ncolumns:\n  a: keep\n  b: drop\n  c: hash\n');
    expect(policy!.columns.map((c) => [c.name, c.transform])).toEqual([
      ['a', 'keep'],
      ['b', 'drop'],
      ['c', 'hash'],
    ]);
    const missing = await policyFrom('version: 1\ncolumns:\n  d: date-shift\n');
    expect(missing.problems.map((p) => [p.code, p.path])).toEqual([
      ['POLICY_MISSING_KEY', 'columns.d.max_days'],
      ['POLICY_MISSING_KEY', 'columns.d.by'],
    ]);
  });

  it('checks each generalize mode and its options', async () => {
    const codes = async (spec: string) => (await policyFrom(`version: 1\ncolumns:\n  x: ${spec}\n`)).problems.map((p) => `${p.code} ${p.path}`);
    expect(await codes('{ transform: generalize }')).toEqual(['POLICY_MISSING_KEY columns.x']);
    expect(await codes('{ transform: generalize, to: year, top: 5 }')).toEqual(['POLICY_CONFLICT columns.x.top']);
    expect(await codes('{ transform: generalize, width: 0 }')).toEqual(['POLICY_VALUE columns.x.width']);
    expect(await codes('{ transform: generalize, width: 10, top: 5, bottom: 5 }')).toEqual(['POLICY_VALUE columns.x.top']);
    expect(await codes('{ transform: generalize, width: 2.5 }')).toEqual([]);
    expect(await codes('{ transform: generalize, width: 2.5, integer: true }')).toEqual(['POLICY_CONFLICT columns.x.integer']);
    expect(await codes('{ transform: generalize, bins: [1] }')).toEqual(['POLICY_VALUE columns.x.bins']);
    expect(await codes('{ transform: generalize, bins: [1, "a"] }')).toEqual(['POLICY_TYPE columns.x.bins']);
  });

  it('reads hierarchy files relative to the policy and checks the level', async () => {
    const files = { 'h.csv': 'a;ab;*\nb;ab;*\n', 'ragged.csv': 'a;ab;*\nb;*\n' };
    const load = async (spec: string) => (await policyFrom(`version: 1\ncolumns:\n  x: ${spec}\n`, files)).problems.map((p) => `${p.code} ${p.path} ${p.found ?? ''}`.trim());
    expect(await load('{ transform: generalize, hierarchy: h.csv, level: 2 }')).toEqual([]);
    expect(await load('{ transform: generalize, hierarchy: h.csv, level: 3 }')).toEqual(['POLICY_VALUE columns.x.level 3']);
    expect(await load('{ transform: generalize, hierarchy: ragged.csv }')).toEqual(['POLICY_HIERARCHY columns.x.hierarchy ragged.csv: line 2 has 2 levels, line 1 has 3']);
    expect(await load('{ transform: generalize, hierarchy: missing.csv }')).toEqual(['POLICY_HIERARCHY columns.x.hierarchy missing.csv (ENOENT)']);
  });

  it('needs a key only when a keyed transform is used', async () => {
    const needs = async (spec: string) => (await policyFrom(`version: 1\ncolumns:\n  x: ${spec}\n  y: keep\n`)).policy!.needsKey;
    expect(await needs('hash')).toBe(true);
    expect(await needs('{ transform: fake, as: person.firstName }')).toBe(true);
    expect(await needs('{ transform: fake, as: person.firstName, consistent: false }')).toBe(false);
    expect(await needs('{ transform: date-shift, max_days: 3, by: y }')).toBe(true);
    expect(await needs('{ transform: mask, keep_last: 1 }')).toBe(false);
  });
});
