// Attacks on the HIPAA Safe Harbor preset, played against the built CLI: a
// pseudonym derived from the identifier (164.514(c)), a `keep` that quietly
// overrides the preset, a ZIP code that lost its leading zero, an age of 89.5,
// and an attestation that must say what covered each identifier.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, veil } from '../helpers.js';

const INPUT = [
  'patient_name,ssn,email,mrn,ip_address,zip,age,birth_date,visit_date,city,diagnosis,notes',
  'Ann Lee,123-45-6789,ann@x.org,MRN-001,10.0.0.1,03601,93,1931-05-02,2024-03-12,Boston,flu,called',
  'Bob Ray,234-56-7890,bob@y.org,MRN-002,10.0.0.2,2139,89.5,1937-06-01,2024-04-01,Cambridge,cold,ok',
  'Cid Moe,345-67-8901,cid@z.org,MRN-003,10.0.0.3,02210-1234,37,1987-01-20,2024-05-20,Las Vegas,flu,',
].join('\n');

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'in.csv'), `${INPUT}\n`);
  writeFileSync(join(dir, 'preset.yaml'), 'version: 1\nextends: hipaa-safe-harbor\nas_of_year: 2026\ncolumns:\n  diagnosis: keep\n');
});

const rows = (text: string): Record<string, string>[] => parse(text, { columns: true }) as Record<string, string>[];

describe('attack: a pseudonym derived from the identifier', () => {
  it('drops names, SSNs, emails, record numbers and IPs: no output column is a function of them', () => {
    const run = veil(['apply', 'in.csv', '--policy', 'preset.yaml', '-o', 'out.csv', '--report', 'report.json', '-q'], { cwd: dir, env: { ...process.env, VEIL_KEY: undefined } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0); // no key needed: nothing is hashed
    const out = rows(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expect(Object.keys(out[0]!)).toEqual(['zip', 'age', 'birth_date', 'visit_date', 'diagnosis']);
    const text = readFileSync(join(dir, 'out.csv'), 'utf8');
    for (const raw of ['123-45-6789', 'Ann Lee', 'ann@x.org', 'MRN-001', '10.0.0.1', 'Boston', 'called']) expect(text).not.toContain(raw);
  });

  it('refuses a policy that hashes an identifier under the preset (exit 2), and accepts a fresh fake', () => {
    writeFileSync(join(dir, 'hash.yaml'), 'version: 1\nextends: hipaa-safe-harbor\ncolumns:\n  diagnosis: keep\n  ssn: { transform: hash }\n');
    const run = veil(['apply', 'in.csv', '--policy', 'hash.yaml'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/hash\.yaml:5:\d+: columns\.ssn: expected under extends: hipaa-safe-harbor, .*social security numbers \(G\).*164\.514\(c\).*found hash \[POLICY_CONFLICT\]/);
    writeFileSync(join(dir, 'fake.yaml'), 'version: 1\nextends: hipaa-safe-harbor\ncolumns:\n  diagnosis: keep\n  patient_name: { transform: fake, as: person.fullName, consistent: false }\n');
    expect(veil(['apply', 'in.csv', '--policy', 'fake.yaml', '-q'], { cwd: dir }).status).toBe(0);
    writeFileSync(join(dir, 'fake2.yaml'), 'version: 1\nextends: hipaa-safe-harbor\ncolumns:\n  diagnosis: keep\n  patient_name: { transform: fake, as: person.fullName }\n');
    expect(veil(['apply', 'in.csv', '--policy', 'fake2.yaml', '-q'], { cwd: dir }).status).toBe(2);
  });
});

describe('attack: a keep that overrides the preset', () => {
  it('refuses keep on a column the preset recognizes, unless the policy says it holds no identifier', () => {
    writeFileSync(join(dir, 'keep.yaml'), 'version: 1\nextends: hipaa-safe-harbor\ncolumns:\n  diagnosis: keep\n  age: keep\n');
    const run = veil(['apply', 'in.csv', '--policy', 'keep.yaml'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/columns\.age: .*ages over 89 \(C\).*over: 89.*found keep \[POLICY_CONFLICT\]/);
    writeFileSync(join(dir, 'exempt.yaml'), 'version: 1\nextends: hipaa-safe-harbor\nsafe_harbor:\n  not_identifiers: [age]\ncolumns:\n  diagnosis: keep\n  age: keep\n');
    const ok = veil(['apply', 'in.csv', '--policy', 'exempt.yaml', '-o', 'exempt.csv', '--report', 'exempt.json', '-q'], { cwd: dir });
    expect(ok.status).toBe(0);
    const section = JSON.parse(readFileSync(join(dir, 'exempt.json'), 'utf8')).privacy.hipaa_safe_harbor;
    expect(section.not_identifiers.age).toMatch(/declared to hold no identifier/);
  });

  it('accepts what does at least as much as the preset: buckets topped at 90, years before the 90-year line', () => {
    writeFileSync(join(dir, 'strong.yaml'), 'version: 1\nextends: hipaa-safe-harbor\nas_of_year: 2026\ncolumns:\n  diagnosis: keep\n  age: { transform: generalize, width: 10, top: 90, integer: false }\n  birth_date: { transform: generalize, to: year, before: 1940 }\n');
    expect(veil(['apply', 'in.csv', '--policy', 'strong.yaml', '-q'], { cwd: dir }).status).toBe(0);
    writeFileSync(join(dir, 'weak.yaml'), 'version: 1\nextends: hipaa-safe-harbor\nas_of_year: 2026\ncolumns:\n  diagnosis: keep\n  age: { transform: generalize, top: 90 }\n  birth_date: { transform: generalize, to: year }\n');
    const weak = veil(['apply', 'in.csv', '--policy', 'weak.yaml'], { cwd: dir });
    expect(weak.status).toBe(2);
    expect(weak.stderr.match(/POLICY_CONFLICT/g)).toHaveLength(2);
  });
});

describe('attack: ZIP codes and ages at the edges', () => {
  it('reads 2139 as the ZIP code 02139 (not 213, which points at 0213x), keeps ZIP+4 to its area, and 89.5 is over 89', () => {
    const run = veil(['apply', 'in.csv', '--policy', 'preset.yaml', '-q'], { cwd: dir });
    expect(run.status).toBe(0);
    const out = rows(run.stdout);
    expect(out.map((r) => r.zip)).toEqual(['000', '021', '022']);
    expect(out.map((r) => r.age)).toEqual(['>89', '>89', '37']);
    expect(out.map((r) => r.birth_date)).toEqual(['<1937', '1937', '1987']);
    // A JSON number ZIP too.
    writeFileSync(join(dir, 'zip.jsonl'), '{"zip":2139,"diagnosis":"flu"}\n{"zip":"02139-4307","diagnosis":"flu"}\n');
    const json = veil(['apply', 'zip.jsonl', '--policy', 'preset.yaml', '-q'], { cwd: dir });
    expect(json.stdout).toBe('{"zip":"021","diagnosis":"flu"}\n{"zip":"021","diagnosis":"flu"}\n');
  });

  it('rejects what is not a ZIP code (exit 3, never the value), and takes a newer restricted list from the policy', () => {
    writeFileSync(join(dir, 'badzip.csv'), 'zip,diagnosis\n02139,flu\n213,flu\n');
    const bad = veil(['apply', 'badzip.csv', '--policy', 'preset.yaml'], { cwd: dir });
    expect(bad.status).toBe(3);
    expect(bad.stderr).toBe('veil: badzip.csv:3: column "zip" (#1): expected a US ZIP code: 5 digits or ZIP+4 (4 digits are read as a ZIP code that lost its leading zero) [VALUE_NOT_ZIP]\n');
    writeFileSync(join(dir, 'zip3.txt'), '# a newer list\n021\n');
    writeFileSync(join(dir, 'newer.yaml'), 'version: 1\nextends: hipaa-safe-harbor\nsafe_harbor:\n  restricted_zip3: zip3.txt\ncolumns:\n  diagnosis: keep\n');
    const newer = veil(['apply', 'badzip.csv', '--policy', 'newer.yaml'], { cwd: dir, input: '' });
    expect(newer.status).toBe(3); // still not a ZIP code
    writeFileSync(join(dir, 'zips.csv'), 'zip,diagnosis\n02139,flu\n03601,flu\n');
    expect(rows(veil(['apply', 'zips.csv', '--policy', 'newer.yaml', '-q'], { cwd: dir }).stdout).map((r) => r.zip)).toEqual(['000', '036']);
  });
});

describe('the Safe Harbor attestation', () => {
  it('says for each of the 18 kinds which column covered it and how, and which kinds the user must confirm', () => {
    expect(veil(['apply', 'in.csv', '--policy', 'preset.yaml', '-o', 'att.csv', '--report', 'att.json', '-q'], { cwd: dir }).status).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'att.json'), 'utf8')).privacy.hipaa_safe_harbor;
    expect(Object.keys(s.identifiers)).toEqual('ABCDEFGHIJKLMNOPQR'.split(''));
    expect(s.identifiers.A.columns).toEqual({ patient_name: "drop (the preset's rule)" });
    expect(Object.keys(s.identifiers.B.columns).sort()).toEqual(['city', 'zip']);
    expect(Object.keys(s.identifiers.C.columns).sort()).toEqual(['age', 'birth_date', 'visit_date']);
    expect(s.identifiers.G.columns).toEqual({ ssn: "drop (the preset's rule)" });
    expect(s.identifiers.D.status).toMatch(/confirm/);
    expect(s.free_text).toEqual({ notes: "drop (the preset's rule)" });
    expect(s.unrecognized_columns).toEqual({ diagnosis: 'keep' });
    expect(s.you_must_confirm[0]).toContain('D, E, I, J, K, L, M, N, P, Q, R');
    expect(s.met).toBe(true);
  });

  it('fails the run when an identifier is left in a published column', () => {
    writeFileSync(join(dir, 'leak.csv'), 'diagnosis,zip\ncall ann@x.org,02139\nflu,02139\n');
    const run = veil(['apply', 'leak.csv', '--policy', 'preset.yaml', '-o', 'leak.out.csv'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/HIPAA Safe Harbor not met: .*findings: diagnosis \(email 1\).*\[SAFE_HARBOR_NOT_MET\]/);
    expect(run.stderr).not.toContain('ann@x.org');
  });
});
