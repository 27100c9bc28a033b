import { describe, expect, it } from 'vitest';
import { policyFrom } from './helpers.js';
import { violations } from '../src/options/schema.js';

async function schemaOf(spec: string) {
  const { policy, problems } = await policyFrom(`version: 1\ncolumns:\n  x: ${spec}\n`);
  if (!policy) throw new Error(JSON.stringify(problems));
  return policy.columns[0]!.schema!;
}

describe('declared column types', () => {
  it('checks each type, its range, pattern, enum and required', async () => {
    const cases: [string, string, string[]][] = [
      ['{ transform: keep, type: integer, min: 0, max: 120 }', '37', []],
      ['{ transform: keep, type: integer, min: 0, max: 120 }', '-1', ['MIN']],
      ['{ transform: keep, type: integer, min: 0, max: 120 }', '121', ['MAX']],
      ['{ transform: keep, type: integer, min: 0, max: 120 }', '3.5', ['TYPE']],
      ['{ transform: keep, type: integer }', '', []],
      ['{ transform: keep, type: integer, required: true }', '', ['REQUIRED']],
      ['{ transform: keep, type: number, max: 1 }', '0.5e1', ['MAX']],
      ['{ transform: keep, type: number }', 'NaN', ['TYPE']],
      ['{ transform: keep, type: boolean }', 'yes', []],
      ['{ transform: keep, type: boolean }', 'maybe', ['TYPE']],
      ['{ transform: keep, type: date }', '2024-02-29', []],
      ['{ transform: keep, type: date }', '2023-02-29', ['TYPE']],
      ['{ transform: keep, type: date }', '2024-02-01T10:00:00Z', ['TYPE']],
      ['{ transform: keep, type: datetime }', '2024-02-01T10:00:00Z', []],
      ['{ transform: keep, type: datetime }', '2024-02-01', ['TYPE']],
      ['{ transform: keep, type: email }', 'ann@example.org', []],
      ['{ transform: keep, type: email }', 'ann@example', ['TYPE']],
      ['{ transform: keep, type: email }', 'a nn@example.org', ['TYPE']],
      ['{ transform: keep, type: enum, values: [free, pro] }', 'pro', []],
      ['{ transform: keep, type: enum, values: [free, pro] }', 'Pro', ['ENUM']],
      ['{ transform: keep, pattern: "[A-Z]{3}-\\\\d+" }', 'ABC-12', []],
      ['{ transform: keep, pattern: "[A-Z]{3}-\\\\d+" }', 'xABC-12', ['PATTERN']],
    ];
    for (const [spec, value, expected] of cases) expect(violations(await schemaOf(spec), value), `${spec} ${value}`).toEqual(expected);
  });

  it('leaves randomized-response its own `values`', async () => {
    const { policy, problems } = await policyFrom('version: 1\ncolumns:\n  s: { transform: randomized-response, epsilon: 1, values: [a, b] }\n');
    expect(problems).toEqual([]);
    expect(policy!.columns[0]!.schema).toBeUndefined();
  });
});
