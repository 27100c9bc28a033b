// The policy's JSON Schema (veil schema) against the loader it is built from:
// every policy veil ships validates under both, and a typo is refused by both
// at the same place.

import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO, tempDir, veil } from './helpers.js';

type Ajv = { compile(schema: unknown): ((data: unknown) => boolean) & { errors?: { instancePath: string; schemaPath: string; keyword: string; params: Record<string, unknown> }[] | null } };
const Ajv2020 = (createRequire(import.meta.url)('ajv/dist/2020') as { default: new (o: object) => Ajv }).default;

const schema = JSON.parse(veil(['schema']).stdout) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

/** The policies veil ships: examples, the demo, Adult's training policy, and the golden cases the loader accepts. */
function shipped(): string[] {
  const examples = readdirSync(join(REPO, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `examples/${d.name}/policy.yaml`);
  const cases: string[] = [];
  for (const topic of readdirSync(join(REPO, 'fixtures/cases'))) {
    for (const c of readdirSync(join(REPO, 'fixtures/cases', topic))) {
      const path = `fixtures/cases/${topic}/${c}/policy.yaml`;
      try {
        readFileSync(join(REPO, path));
        cases.push(path);
      } catch {
        // a case without a policy
      }
    }
  }
  return [...examples, 'fixtures/demo/policy.yaml', 'fixtures/adult/training.yaml', ...cases];
}

describe('the JSON Schema', () => {
  it('accepts every policy the loader accepts among those veil ships', () => {
    const paths = shipped();
    expect(paths.length).toBeGreaterThan(40);
    let valid = 0;
    for (const path of paths) {
      // The golden cases of broken policies are refused by the loader and left out: the schema checks keys and names, not values.
      if (veil(['validate', '-q', path]).status !== 0) continue;
      const ok = validate(parseYaml(readFileSync(join(REPO, path), 'utf8')) as unknown);
      expect(ok, `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
      valid++;
    }
    expect(valid).toBeGreaterThan(40);
  });

  it('refuses a typo where the loader does: the same key at the same path, with the loader\'s message', () => {
    const cases: [string, string][] = [
      ['version: 1\ncolumns:\n  email: { transform: hash, lenght: 20 }\n', 'columns.email.lenght'],
      ['version: 1\ncolums:\n  email: hash\n', 'colums'],
      ['version: 1\ncolumns:\n  notes: { transform: scrub, kinds: { emial: tag } }\n', 'columns.notes.kinds.emial'],
      ['version: 1\ncolumns:\n  a: keep\nk_anonymity: { k: 2, quasi_identifiers: [a], l_diversty: {} }\n', 'k_anonymity.l_diversty'],
      ['version: 1\ninput: { delimitr: ";" }\ncolumns:\n  a: keep\n', 'input.delimitr'],
    ];
    for (const [text, path] of cases) {
      expect(validate(parseYaml(text)), text).toBe(false);
      const extra = validate.errors!.filter((e) => e.keyword === 'additionalProperties');
      const error = extra.find((e) => [...e.instancePath.split('/').filter(Boolean), e.params.additionalProperty].join('.') === path);
      expect(error, `${text}: ${JSON.stringify(extra)}`).toBeDefined();
      // The message an editor shows: the errorMessage of the object the key is in, as the loader says it.
      const node = error!.schemaPath.replace(/^#\//, '').split('/').slice(0, -1).reduce<unknown>((n, step) => (n as Record<string, unknown>)[decodeURIComponent(step)], schema) as { errorMessage: string };
      expect(node.errorMessage).toMatch(/^expected one of /);
      const file = join(tempDir(), 'typo.yaml');
      writeFileSync(file, text);
      expect(veil(['validate', file]).stderr, text).toContain(`: ${path}: ${node.errorMessage}, found "${path.split('.').at(-1)}"`);
    }
    // A transform name that does not exist.
    expect(validate(parseYaml('version: 1\ncolumns:\n  a: generalise\n'))).toBe(false);
  });
});

describe('the policies veil writes point editors at the schema', () => {
  it('init and scan write a yaml-language-server line naming the schema file the build wrote, which is veil schema', () => {
    const line = /^# yaml-language-server: \$schema=(file:\/\/\S+)\n/;
    const init = veil(['init', 'examples/patients/patients.csv']).stdout;
    const draft = join(tempDir(), 'draft.yaml');
    const scan = veil(['scan', 'examples/patients/patients.csv', '--policy-out', draft]);
    expect(scan.status).toBe(0);
    for (const text of [init, readFileSync(draft, 'utf8')]) {
      const url = line.exec(text)?.[1];
      expect(url).toBeDefined();
      expect(readFileSync(new URL(url!), 'utf8')).toBe(veil(['schema']).stdout);
    }
  });
});
