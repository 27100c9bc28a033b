// Rows for the differential tests between engines: seeded, with the values
// that engines disagree on when they are not careful (byte order marks,
// Unicode spaces, a leading U+0001, Greek capitals, emoji, combining marks, quoted newlines,
// four-digit ZIP codes, dates with times, exponents, -0), as CSV text.

import seedrandom from 'seedrandom';

export const HEADER = ['id', 'email', 'email_b', 'spaced', 'name', 'phone', 'ssn', 'zip', 'zip5', 'amount', 'age', 'birth', 'visit', 'edu', 'who', 'note', 'city', 'score', 'capped', 'over', 'week', 'born', 'span'];
const EDU = ['Bachelors', 'Some-college', '11th', 'HS-grad', 'Prof-school', 'Masters', 'Doctorate', '9th', 'Preschool'];
const SPACES = [' ', '\t', '\u00a0', '\ufeff', '\u2003', '\u3000', ''];
const NAMES = ['Ann Lee', '\u0001Ctrl Start', '\ufeffBom Start', 'Zoë Ölmez', 'ΟΔΥΣΣΕΑΣ Παπαδόπουλος', 'İlkay Şahin', 'José\u0301 Niño', 'Mx "Q" Smith, Jr.', 'Li 😀 Wei', 'A', 'Ōtomo\nKenji', 'O\'Brien-Whitby'];
const CITIES = ['Zürich', 'Springfield', 'São Paulo', 'Łódź', 'New York, NY', ''];

export function generate(rows: number, seed: string): string {
  const rnd = seedrandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const blank = (v: string) => (rnd() < 0.05 ? '' : v);
  const quote = (v: string) => (/[",\n\r]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const lines = [HEADER.join(',')];
  for (let i = 0; i < rows; i++) {
    const entity = `E${int(1, Math.max(2, rows / 3))}`;
    const local = pick(['ann.lee', 'Zoë', 'ΟΔΟΣ', 'İpek', 'bob+tag', 'x']);
    const email = `${pick(SPACES)}${local}@${pick(['Example.COM', 'exämple.de', 'mail.gr'])}${pick(SPACES)}`;
    const year = int(1930, 2005);
    const date = `${year}-${pad(int(1, 12))}-${pad(int(1, 28))}`;
    const time = pick(['', '', 'T08:30:00Z', ' 23:59', 'T12:00:00.5+02:00']);
    const cells = [
      entity,
      blank(email),
      blank(email),
      blank(`${pick(SPACES)}${pick(NAMES)}${pick(SPACES)}`),
      blank(pick(NAMES)),
      blank(`${pick(['+1 ', '(', ''])}${int(200, 999)}${pick(['-', '.', ' ', ''])}555-${pad(int(0, 9999), 4)}`),
      blank(`${int(100, 899)}-${pad(int(1, 99))}-${pad(int(1, 9999), 4)}`),
      blank(pick([String(int(10000, 99999)), `0${int(3000, 3999)}`, `${int(100, 999)}`, 'ABCDEF', '036'])),
      blank(pick([String(int(10000, 99999)), `${int(10000, 99999)}-${int(1000, 9999)}`, String(int(1000, 9999))])),
      blank(pick([String(int(-50, 5000)), `${int(0, 2000)}.${int(0, 99)}`, '1000.5', '100', '0'])),
      blank(String(int(0, 104))),
      blank(`${date}${pick(['', time])}`),
      blank(`${date}${time}`),
      blank(pick(EDU)),
      blank(pick(NAMES)),
      blank(pick(['no note', `call ${pick(['ann.lee@example.com', '617-555-0134', 'back'])}`, `mail ${local}@x.org`, 'a, b "c"'])),
      pick(CITIES),
      blank(pick([`${int(-30, 130)}.${int(0, 9)}`, String(int(-30, 130)), '1e2', '-0'])),
      blank(pick([String(int(0, 120)), `${int(0, 120)}.5`, '+7', '.5', '1E2'])),
      blank(pick([String(int(60, 100)), '89.5', '89', '90'])),
      blank(pick([date, `${int(1000, 8999)}-${pad(int(1, 12))}-${pad(int(1, 28))}`, `0${int(100, 999)}-01-01`, '2021-01-03', '2020-12-31'])),
      blank(pick([date, String(year), `${year}-${pad(int(1, 12))}`])),
      blank(String(int(-40, 200))),
    ];
    lines.push(cells.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The policy lines of the columns every SQL engine compiles exactly (the Spark job too), for the rows above. */
export const COMPILED_COLUMNS = `  id:      { transform: hash, length: 20 }
  email:   { transform: hash, normalize: email }
  email_b: { transform: hash, normalize: lowercase, domain: contact, length: 64 }
  spaced:  { transform: hash, normalize: trim, domain: contact }
  name:    { transform: mask, keep_first: 1, keep_last: 2, char: "•" }
  phone:   { transform: hash, normalize: digits }
  ssn:     { transform: redact, with: "***" }
  zip:     { transform: generalize, prefix: 3, restricted: ["036", "059"] }
`;
