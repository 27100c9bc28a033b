#!/usr/bin/env node
// Generates support tickets for the scrub benchmark: seeded (same arguments,
// same bytes), one ticket of 3 to 6 sentences per row, with the row's own
// name, email and phone in some, other people's names, emails, phones, card
// numbers, IP addresses, street addresses, dates of birth and look-alikes
// (order numbers, versions, prices, times) in others.
//
//   node test/bench/generate-tickets.mjs --rows 100000 --seed 42 > test/bench/data/tickets-100000.csv

import { Faker, en } from '@faker-js/faker';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000' }, seed: { type: 'string', default: '42' } } });
const faker = new Faker({ locale: [en] });
faker.seed(Number(values.seed));
const pool = (n, f) => Array.from({ length: n }, f);
const firstNames = pool(1000, () => faker.person.firstName());
const lastNames = pool(2000, () => faker.person.lastName());
const streets = pool(500, () => faker.location.streetAddress());
const pick = (xs) => xs[faker.number.int({ max: xs.length - 1 })];
const num = (min, max) => faker.number.int({ min, max });
const phone = () => `${num(200, 989)}-555-${String(num(0, 9999)).padStart(4, '0')}`;
const q = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

process.stdout.write('ticket_id,full_name,email,phone,ticket\n');
let out = '';
for (let i = 0; i < Number(values.rows); i++) {
  const first = pick(firstNames);
  const last = pick(lastNames);
  const email = `${first}.${last}@example.com`.toLowerCase();
  const own = phone();
  const sentences = [
    () => `Hi, this is ${first} ${last}, I was charged twice for order #${num(100000, 999999)}.`,
    () => `Please reply to ${email.toUpperCase()} or call me on ${own}.`,
    () => `Ms. ${last} says the app crashed after updating to version ${num(1, 9)}.${num(0, 20)}.${num(0, 99)}.`,
    () => `Spoke with ${pick(firstNames)} ${pick(lastNames)} from billing at ${num(1, 12)}:${String(num(0, 59)).padStart(2, '0')} PM.`,
    () => `Card 4111 1111 1111 1111 was declined, refund of $${num(10, 999)}.${String(num(0, 99)).padStart(2, '0')} pending.`,
    () => `Login attempts from ${num(1, 223)}.${num(0, 255)}.${num(0, 255)}.${num(1, 254)} were blocked.`,
    () => `New shipping address: ${pick(streets)}, Springfield, IL ${num(10000, 99999)}.`,
    () => `Account holder DOB ${num(1940, 2004)}-${String(num(1, 12)).padStart(2, '0')}-${String(num(1, 28)).padStart(2, '0')} confirmed.`,
    () => `Forwarded to ${pick(firstNames).toLowerCase()}.${pick(lastNames).toLowerCase()}@example.org for follow-up.`,
    () => `Customer wants the Premium Plan cancelled before the next invoice.`,
  ];
  const n = num(3, 6);
  const text = Array.from({ length: n }, () => pick(sentences)()).join(' ');
  out += `T${i + 1},${q(`${first} ${last}`)},${email},${own},${q(text)}\n`;
  if (out.length > 1 << 16) {
    process.stdout.write(out);
    out = '';
  }
}
process.stdout.write(out);
