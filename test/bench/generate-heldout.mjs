#!/usr/bin/env node
// Generates patient visits with the columns of generate.mjs but other
// distributions, for profiling the streaming engine on data it was not tuned
// on: names from German, French and British locales (diacritics, hyphens,
// particles), phones in international and national formats (+44 20 7946
// 0958, 0049 30 1234567, (030) 1234567, 01 23 45 67 89), and clinical notes of
// one to six sentences (about 60 to 600 characters), some quoting a date or a
// number. Seeded: the same arguments give the same bytes.
//
//   node test/bench/generate-heldout.mjs --rows 1000000 --seed 11 > heldout-1m.csv

import { base, en, en_GB, de, Faker, fr } from '@faker-js/faker';
import { parseArgs } from 'node:util';
import { csvField, stdoutLines } from './stdout-lines.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '11' },
  },
});
const rows = Number(values.rows);
const fakers = [de, fr, en_GB].map((locale) => new Faker({ locale: [locale, en, base] }));
fakers.forEach((f, i) => f.seed(Number(values.seed) * 7 + i));
const faker = fakers[0];

const pool = (n, f) => Array.from({ length: n }, f);
const people = fakers.map((f) => ({ first: pool(1500, () => f.person.firstName()), last: pool(4000, () => f.person.lastName()), city: pool(600, () => f.location.city()) }));
const sentences = pool(3000, () => fakers[faker.number.int({ max: 2 })].lorem.sentence({ min: 6, max: 18 }));
const clinical = [
  'Patient reports intermittent chest pain since %d, ECG unremarkable.',
  'Dosage raised to %n mg twice daily; review in four weeks.',
  'Seen with her daughter, who translated; consent form signed.',
  'BP %n/80, pulse regular, no oedema.',
  'Referred back to the GP practice; letter sent on %d.',
];
const pick = (a) => a[faker.number.int({ min: 0, max: a.length - 1 })];
const pad = (n, w) => String(n).padStart(w, '0');
const digits = (n) => Array.from({ length: n }, () => faker.number.int({ max: 9 })).join('');

const phones = [
  () => `+44 20 ${digits(4)} ${digits(4)}`,
  () => `+44 7${digits(3)} ${digits(6)}`,
  () => `0049 30 ${digits(7)}`,
  () => `(030) ${digits(7)}`,
  () => `+49 89 ${digits(3)} ${digits(4)}`,
  () => `01 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
  () => `+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
  () => `+1 (${faker.number.int({ min: 201, max: 989 })}) 555-${digits(4)}`,
];

function note() {
  const n = faker.number.int({ min: 1, max: 6 });
  const parts = [];
  for (let i = 0; i < n; i++) {
    if (faker.number.int({ max: 3 }) === 0) {
      const date = `${faker.number.int({ min: 2015, max: 2024 })}-${pad(faker.number.int({ min: 1, max: 12 }), 2)}-${pad(faker.number.int({ min: 1, max: 28 }), 2)}`;
      parts.push(pick(clinical).replace('%d', date).replace('%n', String(faker.number.int({ min: 5, max: 180 }))));
    } else parts.push(pick(sentences));
  }
  return parts.join(' ');
}

const columns = ['patient_id', 'email', 'full_name', 'phone', 'ssn', 'notes', 'birth_date', 'zip', 'age', 'income', 'visit_date', 'city'];
const lines = stdoutLines(1 << 20);
await lines.add(columns.join(','));
let written = 0;
let patient = 0;

while (written < rows) {
  patient++;
  const p = people[patient % 3];
  const first = pick(p.first);
  const last = pick(p.last);
  const birthYear = faker.number.int({ min: 1930, max: 2006 });
  const person = {
    patient_id: `HX-${pad(patient, 9)}`,
    email: `${first}.${last}`.normalize('NFKD').replace(/[^A-Za-z.]/g, '').toLowerCase() + `${faker.number.int({ max: 999 })}@mail.example`,
    full_name: `${first} ${last}`,
    phone: pick(phones)(),
    ssn: '',
    birth_date: `${birthYear}-${pad(faker.number.int({ min: 1, max: 12 }), 2)}-${pad(faker.number.int({ min: 1, max: 28 }), 2)}`,
    zip: pad(faker.number.int({ min: 1000, max: 99999 }), 5),
    age: 2024 - birthYear,
    income: (faker.number.int({ min: 0, max: 25000000 }) / 100).toFixed(2),
    city: pick(p.city),
  };
  const visits = faker.number.int({ min: 1, max: 4 });
  let day = faker.number.int({ min: 0, max: 300 });
  for (let v = 0; v < visits && written < rows; v++) {
    day += faker.number.int({ min: 1, max: 20 });
    const row = { ...person, notes: note(), visit_date: new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10) };
    await lines.add(columns.map((c) => csvField(row[c])).join(','));
    written++;
  }
}
await lines.end();
