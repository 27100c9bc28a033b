#!/usr/bin/env node
// Generates a fake patient-visit CSV for the demo and the benchmarks:
// seeded (same arguments, same bytes), built with faker, one to four visit
// rows per patient so that date shifts by patient have something to keep.
//
//   node test/bench/generate.mjs --rows 1000000 --seed 42 > test/bench/data/patients-1m.csv
//   node test/bench/generate.mjs --rows 300 --seed 7 > fixtures/demo/patients.csv

import { Faker, en } from '@faker-js/faker';
import { parseArgs } from 'node:util';
import { csvField, stdoutLines } from './stdout-lines.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '42' },
    format: { type: 'string', default: 'csv' },
  },
});
const rows = Number(values.rows);
const faker = new Faker({ locale: [en] });
faker.seed(Number(values.seed));

// Pools keep generation fast at a million rows; values still vary widely.
const pool = (n, f) => Array.from({ length: n }, f);
const firstNames = pool(2000, () => faker.person.firstName());
const lastNames = pool(5000, () => faker.person.lastName());
const cities = pool(800, () => faker.location.city());
const domains = ['example.com', 'mail.example.org', 'example.net', 'patients.example'];
const notes = [
  'Follow-up in 2 weeks, call patient first',
  'Allergic to penicillin; "severe" reaction, see chart',
  'No issues',
  '',
  'Referred by Dr. Smith, cardiology',
  'Patient asked about diet, exercise, sleep',
];
const pick = (a) => a[faker.number.int({ min: 0, max: a.length - 1 })];
const pad = (n, w) => String(n).padStart(w, '0');

const columns = ['patient_id', 'email', 'full_name', 'phone', 'ssn', 'notes', 'birth_date', 'zip', 'age', 'income', 'visit_date', 'city'];

const lines = stdoutLines();
if (values.format === 'csv') await lines.add(columns.join(','));
let written = 0;
let patient = 0;

while (written < rows) {
  patient++;
  const first = pick(firstNames);
  const last = pick(lastNames);
  const birthYear = faker.number.int({ min: 1930, max: 2006 });
  const birth = `${birthYear}-${pad(faker.number.int({ min: 1, max: 12 }), 2)}-${pad(faker.number.int({ min: 1, max: 28 }), 2)}`;
  const person = {
    patient_id: `P${pad(patient, 8)}`,
    email: `${first}.${last}${faker.number.int({ max: 99 })}@${pick(domains)}`.toLowerCase(),
    full_name: `${first} ${last}`,
    phone: `${faker.number.int({ min: 200, max: 989 })}-555-${pad(faker.number.int({ max: 9999 }), 4)}`,
    ssn: `${pad(faker.number.int({ min: 1, max: 899 }), 3)}-${pad(faker.number.int({ min: 1, max: 99 }), 2)}-${pad(faker.number.int({ min: 1, max: 9999 }), 4)}`,
    birth_date: birth,
    zip: pad(faker.number.int({ min: 501, max: 99950 }), 5),
    age: 2024 - birthYear,
    income: (faker.number.int({ min: 0, max: 25000000 }) / 100).toFixed(2),
    city: pick(cities),
  };
  const visits = faker.number.int({ min: 1, max: 4 });
  let day = faker.number.int({ min: 0, max: 300 });
  for (let v = 0; v < visits && written < rows; v++) {
    day += faker.number.int({ min: 1, max: 20 });
    const date = new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10);
    const row = { ...person, notes: pick(notes), visit_date: date };
    await lines.add(values.format === 'csv' ? columns.map((c) => csvField(row[c])).join(',') : JSON.stringify(Object.fromEntries(columns.map((c) => [c, String(row[c])]))));
    written++;
  }
}
await lines.end();
