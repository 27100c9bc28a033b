// veil scan on generated data with known PII columns: per-kind precision and
// recall of the value detectors (reported, with a floor), the column
// findings, and a draft policy that veil apply runs.

import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Faker, en } from '@faker-js/faker';
import { beforeAll, describe, expect, it } from 'vitest';
import { luhn } from '../src/detect/credit-card.js';
import { iban } from '../src/detect/iban.js';
import { KINDS, valueKinds, type Kind } from '../src/policy/scan.js';
import { tempDir, veil } from './helpers.js';

const faker = new Faker({ locale: [en] });
faker.seed(20261129);

const ROWS = 2000;
const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Columns with their true kind (undefined: no personal data) and a value maker. */
const COLUMNS: [string, Kind | undefined, () => string][] = [
  ['email', 'email', () => faker.internet.email()],
  ['phone', 'phone', () => faker.helpers.arrayElement([faker.phone.number({ style: 'national' }), faker.phone.number({ style: 'international' }), `${faker.string.numeric(3)}-${faker.string.numeric(3)}-${faker.string.numeric(4)}`])],
  ['ssn', 'ssn', () => `${faker.number.int({ min: 100, max: 665 })}-${faker.string.numeric({ length: 2, exclude: ['0'] })}-${faker.number.int({ min: 1000, max: 9999 })}`],
  ['card', 'credit_card', () => faker.finance.creditCardNumber({ issuer: faker.helpers.arrayElement(['visa', 'mastercard', 'amex']) })],
  ['iban', 'iban', () => faker.finance.iban({ formatted: faker.datatype.boolean() })],
  ['ip', 'ip', () => (faker.datatype.boolean() ? faker.internet.ipv4() : faker.internet.ipv6())],
  ['birth_date', 'birth_date', () => faker.date.birthdate().toISOString().slice(0, 10)],
  ['zip', 'zip', () => faker.location.zipCode('#####')],
  ['full_name', 'person_name', () => faker.person.fullName()],
  ['notes', 'free_text', () => `Call back about the invoice, reach me at ${faker.internet.email()} or the office line`],
  ['order_no', undefined, () => String(faker.number.int({ min: 1000, max: 99999999 }))],
  ['price', undefined, () => faker.commerce.price()],
  ['product', undefined, () => faker.commerce.productName()],
  ['status', undefined, () => faker.helpers.arrayElement(['open', 'shipped', 'returned'])],
  ['sku', undefined, () => faker.string.alphanumeric(10).toUpperCase()],
  ['street', 'street_address', () => faker.location.streetAddress(faker.datatype.boolean())],
  ['city', undefined, () => faker.location.city()],
];

let dir: string;
let data: string[][];
beforeAll(() => {
  dir = tempDir();
  data = Array.from({ length: ROWS }, () => COLUMNS.map(([, , make]) => make()));
  writeFileSync(join(dir, 'people.csv'), `${COLUMNS.map((c) => c[0]).join(',')}\n${data.map((r) => r.map(csvField).join(',')).join('\n')}\n`);
});

describe('veil scan', () => {
  it('detects each kind in values with precision and recall above the floor', () => {
    const stats = new Map<Kind, { tp: number; fp: number; fn: number }>(KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0 }]));
    data.forEach((row) =>
      row.forEach((value, j) => {
        const truth = COLUMNS[j]![1];
        // Birth dates are dates by their values; the header makes them birth dates. Names need the header too.
        const expected = truth === 'birth_date' ? 'date' : truth === 'person_name' ? undefined : truth;
        const found = valueKinds(value)[0];
        if (found === 'person_name') return; // a shape that only counts with a name-like header
        if (expected && found === expected) stats.get(expected)!.tp++;
        else {
          if (expected) stats.get(expected)!.fn++;
          if (found) stats.get(found)!.fp++;
        }
      }),
    );
    const report: string[] = [];
    for (const [kind, s] of stats) {
      if (s.tp + s.fn === 0) continue;
      const precision = s.tp / Math.max(1, s.tp + s.fp);
      const recall = s.tp / (s.tp + s.fn);
      report.push(`${kind}: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
      expect(precision, kind).toBeGreaterThanOrEqual(0.95);
      expect(recall, kind).toBeGreaterThanOrEqual(kind === 'phone' ? 0.85 : 0.95);
    }
    console.log(`scan detectors on ${ROWS} generated rows:\n  ${report.join('\n  ')}`);
  });

  it('names every column by its kind and role, and shows only masked examples', () => {
    const run = veil(['scan', join(dir, 'people.csv'), '--json']);
    expect(run.status).toBe(0);
    const { columns, rows_sampled } = JSON.parse(run.stdout) as { rows_sampled: number; columns: { name: string; kinds: { kind: string }[]; role: string; example: string }[] };
    expect(rows_sampled).toBe(ROWS);
    for (const [name, truth] of COLUMNS) {
      const c = columns.find((x) => x.name === name)!;
      expect(c.kinds[0]?.kind, name).toBe(truth);
    }
    expect(columns.find((c) => c.name === 'email')!.role).toBe('direct_identifier');
    expect(columns.find((c) => c.name === 'zip')!.role).toBe('quasi_identifier');
    expect(columns.find((c) => c.name === 'birth_date')!.role).toBe('quasi_identifier');
    const text = veil(['scan', join(dir, 'people.csv')]).stdout;
    for (const row of data.slice(0, 50)) for (const value of row) if (value.length > 3) expect(text).not.toContain(value);
  });

  it('shows a direct identifier by its shape only, and calls five-digit money an amount, not ZIP codes', () => {
    // Incomes of five digits, under a name of money and under a neutral one; ZIPs with a leading zero under a neutral name.
    const rows = Array.from({ length: 200 }, (_, i) => [`Kwame Mensah${i}`, `k.mensah${i}@example.org`, String(20000 + ((i * 7919) % 79000)), String(30000 + ((i * 104729) % 60000)), `0${2100 + (i % 90)}`]);
    writeFileSync(join(dir, 'shape.csv'), `full_name,email,income,measure,code\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const run = veil(['scan', join(dir, 'shape.csv'), '--json']);
    expect(run.status).toBe(0);
    const columns = (JSON.parse(run.stdout) as { columns: { name: string; kinds: { kind: string }[]; role: string; example: string }[] }).columns;
    const of = (name: string) => columns.find((c) => c.name === name)!;
    for (const name of ['full_name', 'email']) {
      expect(of(name).role).toBe('direct_identifier');
      // No character of the value as it is: letters are x, digits 9.
      expect(of(name).example).toMatch(/^[x9 .@…-]+$/);
    }
    expect(of('full_name').example).toBe('xxxxx xxxxxx…');
    const text = veil(['scan', join(dir, 'shape.csv')]).stdout;
    expect(text).not.toMatch(/\bK[x]/);
    expect(of('income').kinds.map((k) => k.kind)).not.toContain('zip');
    expect(of('income').role).toBe('other');
    expect(of('measure').kinds.map((k) => k.kind)).not.toContain('zip');
    expect(of('code').kinds[0]?.kind).toBe('zip');
    expect(of('code').role).toBe('quasi_identifier');
  });

  it('writes a draft policy that veil apply runs cleanly', () => {
    const scan = veil(['scan', join(dir, 'people.csv'), '--sample', '500', '--policy-out', join(dir, 'draft.yaml')]);
    expect(scan.status).toBe(0);
    const draft = readFileSync(join(dir, 'draft.yaml'), 'utf8');
    expect(draft).toMatch(/email: \{ transform: hash, normalize: email \}/);
    expect(draft).toMatch(/full_name: \{ transform: fake, as: person.fullName \}/);
    // Free text with personal data is scrubbed, searched for the row's own protected values too.
    expect(draft).toMatch(/notes: \{ transform: scrub, own: \[email, phone, ssn, card, iban, full_name, street\] \}/);
    expect(draft).toMatch(/quasi_identifiers: \[.*zip.*\]/);
    // Money is a measure to learn from, kept as a number; an order number, unique integers, is an identifier.
    expect(draft).toMatch(/^ {2}price: \{ transform: keep, type: number \} +# kept as number$/m);
    expect(draft).toMatch(/^ {2}order_no: \{ transform: hash \} +# near-unique or named like an identifier$/m);
    const run = veil(['apply', join(dir, 'people.csv'), '--policy', join(dir, 'draft.yaml'), '-o', join(dir, 'safe.csv'), '-q']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = readFileSync(join(dir, 'safe.csv'), 'utf8');
    for (const row of data.slice(0, 50)) for (const v of [row[0]!, row[2]!, row[3]!, row[8]!]) expect(out).not.toContain(v);
    // The emails inside the notes are gone, the rest of the note is there.
    const notes = (parse(out, { columns: true }) as Record<string, string>[]).map((r) => r.notes!);
    expect(notes.every((n) => /^Call back about the invoice, reach me at <EMAIL> or the office line$/.test(n))).toBe(true);
  });

  it('with --preset hipaa-safe-harbor, leaves the columns the preset recognizes to it, and the draft runs', () => {
    const scan = veil(['scan', join(dir, 'people.csv'), '--sample', '300', '--preset', 'hipaa-safe-harbor', '--policy-out', join(dir, 'hipaa.yaml')]);
    expect(scan.status).toBe(0);
    const draft = readFileSync(join(dir, 'hipaa.yaml'), 'utf8');
    expect(draft).toMatch(/^extends: hipaa-safe-harbor/m);
    expect(draft).toMatch(/# email: left to the preset/);
    expect(draft).toMatch(/# zip: left to the preset/);
    // Columns it finds by their values, under headers the preset does not know, get the preset's rule too:
    // a card number is dropped, never hashed (a pseudonym derived from it is not Safe Harbor).
    expect(draft).toMatch(/^ {2}card: drop /m);
    expect(draft).not.toMatch(/transform: hash/);
    const run = veil(['apply', join(dir, 'people.csv'), '--policy', join(dir, 'hipaa.yaml'), '-q']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const [header, ...lines] = run.stdout.trim().split('\n');
    const at = header!.split(',').indexOf('zip');
    expect(at).toBeGreaterThanOrEqual(0);
    for (const l of lines) expect(l.split(',')[at]).toMatch(/^\d{3}$/);
  });

  it('checks cards by Luhn and IBANs by mod 97', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(iban('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(iban('GB82 WEST 1234 5698 7654 33')).toBe(false);
  });
});
