// A messy customer export, as a spreadsheet on Windows writes one: ';'-separated, in
// cp1252 (Zürich with one byte for ü), amounts with a decimal comma and "N/A", one
// date in ten written MM/DD/YYYY, a record in a hundred with a field too few, and
// notes holding the customer's email and phone. Seeded; docs/walkthrough.md runs
// on it (test/walkthrough.test.ts).

import { Faker, en } from '@faker-js/faker';

export function messyExport(rows: number, seed = 17): Buffer {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const pad = (n: number) => String(n).padStart(2, '0');
  const cities = ['Zürich', 'Genève', 'Köln', 'Bern', 'Malmö'];
  const lines = ['customer_id;full_name;email;phone;signup_date;city;lifetime_value;notes'];
  for (let i = 0; i < rows; i++) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const email = `${first}.${last}@example.com`.toLowerCase().replace(/'/g, '');
    const phone = `${faker.number.int({ min: 200, max: 989 })}-555-${String(faker.number.int({ max: 9999 })).padStart(4, '0')}`;
    const y = faker.number.int({ min: 2015, max: 2024 });
    const m = faker.number.int({ min: 1, max: 12 });
    const d = faker.number.int({ min: 1, max: 28 });
    const date = i % 10 === 3 ? `${pad(m)}/${pad(d)}/${y}` : `${y}-${pad(m)}-${pad(d)}`;
    const value = i % 25 === 5 ? 'N/A' : `${faker.number.int({ min: 0, max: 9 })}.${String(faker.number.int({ max: 999 })).padStart(3, '0')},${pad(faker.number.int({ max: 99 }))}`;
    const notes = i % 3 === 0 ? `Call back on ${phone} or write to ${email}` : 'No contact wanted';
    const fields = [`C${10000 + i}`, `${first} ${last}`, email, phone, date, faker.helpers.arrayElement(cities), value, notes];
    lines.push((i % 100 === 42 ? fields.slice(0, 7) : fields).join(';'));
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}
