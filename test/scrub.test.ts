// scrub: personal data inside free text, found and replaced. Measured as
// Presidio's evaluation measures it, precision and recall per kind, on a
// labeled corpus made here (test/text-corpus.ts: several hundred notes whose
// people's names are in none of faker's lists); then the transform through
// the CLI: its operators, its counts in the report, the residual check of
// its output, and the attacks on that promise.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_REGISTRY, piiKinds } from '../src/detect/index.js';
import { dictionaries, type Dictionaries } from '../src/detect/dictionaries.js';
import { ownValue, type OwnValue } from '../src/detect/own.js';
import { resolve, type Span } from '../src/detect/spans.js';
import { corpus, GIVEN, SURNAMES, type CorpusRow, type GoldKind } from './text-corpus.js';
import { REPO, tempDir, veil } from './helpers.js';

let d: Dictionaries;
let rows: CorpusRow[];
let heldOut: CorpusRow[];
let recognizers: { find(text: string, own: readonly OwnValue[]): Span[] };
beforeAll(async () => {
  d = await dictionaries();
  const unknown = (w: string) => !d.givenNames.has(w) && !d.surnames.has(w);
  rows = corpus(600, 'scrub-corpus', unknown);
  heldOut = corpus(400, 'scrub-held-out', unknown, true);
  recognizers = { find: (text, own) => BUILT_IN_REGISTRY.spans(text, { dictionaries: d, allDates: false, own }) };
});

const ownOf = (r: CorpusRow): OwnValue[] => [r.fullName, r.email, r.phone, r.id].map(ownValue).filter((v): v is OwnValue => v !== undefined);
const overlap = (a: { start: number; end: number }, b: { start: number; end: number }) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

interface Score {
  /** Labeled spans found and missed. */
  tp: number;
  fn: number;
  /** Spans found that are right and wrong. */
  right: number;
  fp: number;
}

/**
 * Per kind: a labeled span is found when a span of its kind (any kind, for
 * the row's own values) covers at least half of it; a span found is right
 * when it lies at least half inside a labeled span of its kind (or of the
 * row's own values).
 */
function evaluate(rows: readonly CorpusRow[]): { perKind: Map<string, Score>; own: Score } {
  const perKind = new Map<string, Score>();
  const own: Score = { tp: 0, fn: 0, right: 0, fp: 0 };
  const of = (k: string) => perKind.get(k) ?? (perKind.set(k, { tp: 0, fn: 0, right: 0, fp: 0 }), perKind.get(k)!);
  for (const r of rows) {
    const found: Span[] = resolve(recognizers.find(r.note, ownOf(r)), 0.5);
    for (const g of r.gold) {
      const hit = found.some((s) => (g.own || s.kind === g.kind) && overlap(s, g) * 2 >= g.end - g.start);
      if (g.own) {
        if (hit) own.tp++;
        else own.fn++;
      } else if (hit) of(g.kind).tp++;
      else of(g.kind).fn++;
    }
    for (const s of found) {
      const right = r.gold.some((g) => (g.kind === s.kind || g.own) && overlap(s, g) * 2 >= s.end - s.start);
      if (right) of(s.kind).right++;
      else of(s.kind).fp++;
    }
  }
  return { perKind, own };
}

const recall = (s: Score) => s.tp / (s.tp + s.fn);
const precision = (s: Score) => s.right / (s.right + s.fp);

describe('the labeled corpus', () => {
  it("holds no person's name that faker's lists hold, and enough notes of every kind", () => {
    for (const r of rows) for (const w of r.fullName.split(/[ -]/)) expect(d.givenNames.has(w) || d.surnames.has(w), w).toBe(false);
    // The lists lose some names to faker's; what is left is still varied.
    expect(GIVEN.filter((w) => !d.givenNames.has(w) && !d.surnames.has(w)).length).toBeGreaterThan(60);
    expect(SURNAMES.filter((w) => !d.givenNames.has(w) && !d.surnames.has(w)).length).toBeGreaterThan(60);
    const kinds = new Map<GoldKind, number>();
    for (const r of rows) for (const g of r.gold) if (!g.own) kinds.set(g.kind, (kinds.get(g.kind) ?? 0) + 1);
    for (const k of ['email', 'phone', 'ssn', 'credit_card', 'iban', 'ip', 'url', 'date', 'address', 'person'] as const) expect(kinds.get(k) ?? 0, k).toBeGreaterThan(40);
  });
});

describe('each kind, with positives and look-alikes', () => {
  // [kind, text, the spans expected (undefined: none of that kind)]
  const cases: [string, string, string | string[] | undefined][] = [
    ['email', 'write to Ann.Lee+x@mail.example.co.uk today', 'Ann.Lee+x@mail.example.co.uk'],
    ['email', 'see https://x.org/?u=ann%40example.com', undefined], // inside a URL: the URL wins
    ['email', 'the @ sign and user@localhost', undefined],
    ['phone', 'call (617) 555-0134 or', '(617) 555-0134'],
    ['phone', 'mobile +44 7911 123456.', '+44 7911 123456'],
    ['phone', 'ring 0612345678 today', '0612345678'],
    ['phone', 'ISBN 978-0-306-40615-7', undefined],
    ['phone', 'build 2024.03.12.1234 shipped', undefined],
    ['phone', 'order 0612345678 shipped', undefined],
    ['ssn', 'SSN: 123-45-6789.', '123-45-6789'],
    ['ssn', 'social security number 123456789', '123456789'],
    ['ssn', 'part 666-12-3456 and 123-00-4567', undefined],
    ['credit_card', 'paid with 4111-1111-1111-1111 twice', '4111-1111-1111-1111'],
    ['credit_card', 'tracking 1Z6000889743591 and 4111111111111112', undefined],
    ['iban', 'to iban de89 3704 0044 0532 0130 00 please', 'de89 3704 0044 0532 0130 00'],
    ['iban', 'code DE89 3704 0044 0532 0130 01', undefined],
    ['ip', 'from 192.168.10.4, and 2001:db8::7 too', ['192.168.10.4', '2001:db8::7']],
    ['ip', 'version 10.4.1.2 and v1.2.3.4', undefined],
    ['url', 'see (https://help.example.com/t/42).', 'https://help.example.com/t/42'],
    ['url', 'file report.pdf on example.com', undefined],
    ['date', 'DOB: March 14, 1985.', 'March 14, 1985'],
    ['date', 'born on 14.3.1985 in Leeds', '14.3.1985'],
    ['date', 'seen on 2024-03-12 at 10:30', undefined],
    ['address', 'ships to 1600 Amphitheatre Pkwy, Mountain View, CA 94043.', '1600 Amphitheatre Pkwy, Mountain View, CA 94043'],
    ['address', 'lives at Flat 2, 10 Downing Street, London SW1A 2AA', 'Flat 2, 10 Downing Street, London SW1A 2AA'],
    ['address', 'we had 3 Great Options and 12 items', undefined],
    ['person', 'Spoke with Oluwaseun Adebayo about it', 'Oluwaseun Adebayo'],
    ['person', 'Referred by Dr. Okonkwo.', 'Okonkwo'],
    ['person', 'hi this is kwame mensah again', 'kwame mensah'],
    ['person', 'Transferred to Palo Alto office on Monday', undefined],
    ['person', 'The Galaxy Tab stopped working. Reply to us.', undefined],
    ['person', 'Ships to 9576 Laurel Dr. Reply to us', undefined],
  ];
  for (const [kind, text, expected] of cases) {
    it(`${kind}: ${JSON.stringify(text)}`, () => {
      const spans = resolve(recognizers.find(text, []), 0.5).filter((s) => s.kind === kind).map((s) => text.slice(s.start, s.end));
      expect(spans).toEqual(expected === undefined ? [] : typeof expected === 'string' ? [expected] : expected);
    });
  }
  it('own values: a name in part, an email in other case, a phone in other grouping, an id as a word, never inside a word', () => {
    const own = ['Margarethe Oyelaran-Whitby', 'M.Oyelaran@example.org', '617-555-0134', 'P-10023', 'Li Wei'].map(ownValue).filter((v): v is OwnValue => v !== undefined);
    const text = 'Ms. Oyelaran (m.oyelaran@EXAMPLE.org, +1 617 555 0134) ref P-10023 and XP-100234; li said hi; Li agreed; Whitbyshire';
    const found = resolve(recognizers.find(text, own), 0.5).filter((s) => s.own).map((s) => text.slice(s.start, s.end));
    expect(found).toEqual(['Oyelaran', 'm.oyelaran@EXAMPLE.org', '+1 617 555 0134', 'P-10023', 'Li']);
  });
});

describe('precision and recall per kind (the bar of the issue)', () => {
  it('pattern kinds: recall >= 0.95 and precision >= 0.90; names and addresses: recall >= 0.85 and precision >= 0.80; own values: recall >= 0.99', () => {
    const { perKind, own } = evaluate(rows);
    console.log(table('the corpus the recognizers were tuned on (600 notes)', perKind, own));
    expectBar(perKind, own, ['email', 'phone', 'ssn', 'credit_card', 'iban', 'ip', 'url']);
  });

  it('the held-out notes (templates never tuned on): the same bar', () => {
    const { perKind, own } = evaluate(heldOut);
    console.log(table('held-out notes (400)', perKind, own));
    // The held-out templates hold no SSN.
    expectBar(perKind, own, ['email', 'phone', 'credit_card', 'iban', 'ip', 'url']);
  });
});

/** The bar: the pattern kinds at recall 0.95 and precision 0.90, names, addresses and dates at 0.85 and 0.80, own values at recall 0.99. */
function expectBar(perKind: Map<string, Score>, own: Score, patternKinds: readonly string[]): void {
  const bar = (kinds: readonly string[], r: number, p: number) => {
    for (const kind of kinds) {
      const s = perKind.get(kind)!;
      expect(recall(s), `${kind} recall`).toBeGreaterThanOrEqual(r);
      expect(precision(s), `${kind} precision`).toBeGreaterThanOrEqual(p);
    }
  };
  bar(patternKinds, 0.95, 0.9);
  bar(['person', 'address', 'date'], 0.85, 0.8);
  expect(recall(own)).toBeGreaterThanOrEqual(0.99);
}

function table(title: string, perKind: Map<string, Score>, own: Score): string {
  const lines = [title, 'kind          labeled  recall  precision (spans found)'];
  for (const [kind, s] of [...perKind].sort()) {
    const labeled = s.tp + s.fn;
    lines.push(`${kind.padEnd(13)} ${String(labeled).padStart(7)}  ${labeled ? recall(s).toFixed(3) : '  -  '}   ${precision(s).toFixed(3)} (${s.right + s.fp})`);
  }
  lines.push(`${'own values'.padEnd(13)} ${String(own.tp + own.fn).padStart(7)}  ${recall(own).toFixed(3)}`);
  return lines.join('\n');
}

/** The corpus as a CSV export: each row's own values beside its note. */
function corpusCsv(rows: readonly CorpusRow[]): string {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  return `id,full_name,email,phone,notes\n${rows.map((r) => [r.id, r.fullName, r.email, r.phone, r.note].map(q).join(',')).join('\n')}\n`;
}

const POLICY = (notes: string) => `version: 1
columns:
  id: { transform: hash }
  full_name: { transform: fake, as: person.fullName }
  email: { transform: hash, normalize: email }
  phone: { transform: hash, normalize: digits }
  notes: ${notes}
`;

describe('veil apply with scrub', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), corpusCsv(rows.slice(0, 300)));
  });
  const apply = (notes: string, extra: string[] = [], name = 'out') => {
    writeFileSync(join(dir, `${name}.yaml`), POLICY(notes));
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, `${name}.yaml`), '-o', join(dir, `${name}.csv`), '--report', join(dir, `${name}.json`), '-q', ...extra]);
    const out = r.status === 0 ? (parse(readFileSync(join(dir, `${name}.csv`), 'utf8'), { columns: true }) as Record<string, string>[]) : [];
    const report = r.status === 0 ? (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, any>) : {};
    return { ...r, out, report };
  };

  it('replaces what it finds by tags, leaves the rest of the text as it was, and the residual check finds nothing', () => {
    const r = apply('{ transform: scrub, own: [full_name, email, phone, id] }');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (let i = 0; i < 300; i++) {
      const row = rows[i]!;
      const note = r.out[i]!.notes!;
      // Every labeled span of a pattern kind and every own value is gone; the text around it stays.
      for (const g of row.gold) if (g.own || !['person', 'address'].includes(g.kind)) expect(note, `row ${i}`).not.toContain(row.note.slice(g.start, g.end));
      expect(note.startsWith(row.note.slice(0, row.gold[0]?.start ?? 0))).toBe(true);
    }
    expect(r.report.privacy.residual_pii.checked_columns).toEqual(['notes']);
    expect(r.report.privacy.residual_pii.findings).toEqual({});
    // Counted per kind, found and replaced, never the spans themselves.
    const spans = r.report.columns.notes.spans;
    expect(spans.found).toEqual(spans.replaced);
    expect(spans.found.person).toBeGreaterThan(200);
    expect(spans.found.email).toBeGreaterThan(20);
    const text = readFileSync(join(dir, 'out.json'), 'utf8');
    // Never leak: the report and stderr hold none of the rows' values, nor any labeled span.
    for (const row of rows.slice(0, 300)) for (const v of [row.email, row.fullName, row.phone, ...row.gold.map((g) => row.note.slice(g.start, g.end))]) {
      expect(text).not.toContain(v);
      expect(r.stderr).not.toContain(v);
    }
  });

  it('gives an email in a note the pseudonym of the email column when they share the domain and normalization', () => {
    const r = apply('{ transform: scrub, own: [email], kinds: { email: { with: hash, domain: email, normalize: email } } }', [], 'hash');
    expect(r.status).toBe(0);
    let seen = 0;
    for (let i = 0; i < 300; i++) {
      const g = rows[i]!.gold.find((s) => s.own && s.kind === 'email');
      if (!g) continue;
      expect(r.out[i]!.notes).toContain(r.out[i]!.email);
      seen++;
    }
    expect(seen).toBeGreaterThan(20);
  });

  it('fakes names consistently (the same name, the same fake, under one key) and differently under another key', () => {
    const text = 'Patient Kwame Ogunleye seen. Later Kwame Ogunleye called back. Dr. Papadakis agreed.';
    writeFileSync(join(dir, 'one.csv'), `id,notes\n1,"${text}"\n2,"Kwame Ogunleye again"\n3,"Hi Kwame, Ms. Ogunleye is here"\n`);
    writeFileSync(join(dir, 'fake.yaml'), 'version: 1\ncolumns:\n  id: keep\n  notes: { transform: scrub, kinds: { person: fake } }\n');
    const run = (key: string) => veil(['apply', join(dir, 'one.csv'), '--policy', join(dir, 'fake.yaml'), '-q'], { env: { ...process.env, VEIL_KEY: key } });
    const a = run('veil-test-key-0123456789abcdef');
    const b = run('another-test-key-0123456789abcdef');
    expect(a.status).toBe(0);
    const [, first, second, third] = parse(a.stdout) as string[][];
    const fakeOf = /^Patient (.+) seen\. Later (.+) called back\. Dr\. (.+) agreed\.$/.exec(first![1]!)!;
    expect(fakeOf[1]).toBe(fakeOf[2]);
    expect(second![1]).toBe(`${fakeOf[1]} again`);
    // Word by word: the given name alone and the surname after a title get the same fakes as in the full name.
    const [given, surname] = fakeOf[1]!.split(' ');
    expect(third![1]).toBe(`Hi ${given}, Ms. ${surname} is here`);
    expect(fakeOf[1]).not.toContain('Ogunleye');
    expect(fakeOf[3]).not.toBe('Papadakis');
    expect(b.stdout).not.toBe(a.stdout);
  });

  it('masks letters and digits, and keeps a kind when told (the residual check then reports it)', () => {
    writeFileSync(join(dir, 'two.csv'), 'id,notes\n1,"mail ann@example.com or call 617-555-0134"\n');
    writeFileSync(join(dir, 'mask.yaml'), 'version: 1\ncolumns:\n  id: keep\n  notes: { transform: scrub, with: mask, kinds: { phone: keep } }\n');
    const r = veil(['apply', join(dir, 'two.csv'), '--policy', join(dir, 'mask.yaml'), '--report', join(dir, 'mask.json')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('id,notes\n1,mail ***@*******.*** or call 617-555-0134\n');
    expect(r.stderr).toMatch(/residual-PII check found personal data in published columns: notes \(phone 1\)/);
    const report = JSON.parse(readFileSync(join(dir, 'mask.json'), 'utf8'));
    expect(report.columns.notes.spans).toEqual({ found: { email: 1, phone: 1 }, replaced: { email: 1 } });
  });

  it('counts alike with one thread and with several', () => {
    const big = join(dir, 'big.csv');
    writeFileSync(big, corpusCsv([...rows, ...rows, ...rows, ...rows]));
    writeFileSync(join(dir, 'threads.yaml'), POLICY('{ transform: scrub, own: [full_name, email, phone, id] }'));
    const run = (threads: string) => {
      const r = veil(['apply', big, '--policy', join(dir, 'threads.yaml'), '-o', join(dir, `t${threads}.csv`), '--report', join(dir, `t${threads}.json`), '-q', '--threads', threads]);
      expect(r.status).toBe(0);
      return JSON.parse(readFileSync(join(dir, `t${threads}.json`), 'utf8')).columns.notes.spans;
    };
    const one = run('1');
    expect(run('2')).toEqual(one);
    expect(readFileSync(join(dir, 't2.csv'), 'utf8')).toBe(readFileSync(join(dir, 't1.csv'), 'utf8'));
  });

  it('refuses what cannot be done, with the policy line: a fake email, an unknown kind, an unknown operator', () => {
    const bad = (notes: string) => {
      writeFileSync(join(dir, 'bad.yaml'), POLICY(notes));
      return veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'bad.yaml'), '-q']);
    };
    let r = bad('{ transform: scrub, kinds: { email: fake } }');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/columns\.notes\.kinds\.email: expected tag, hash, mask or keep for email \(fake is for person, address and date[^\n]*found "?fake"? \[POLICY_VALUE\]/);
    r = bad('{ transform: scrub, kinds: { emial: tag } }');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/columns\.notes\.kinds\.emial[^\n]*did you mean "?email"?/i);
    r = bad('{ transform: scrub, with: blank }');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/columns\.notes\.with: expected one of tag, hash, mask, fake, keep/);
  });

  it('needs a key only for hash and fake, and the duckdb engine runs it as the streaming engine does', () => {
    writeFileSync(join(dir, 'tag.yaml'), 'version: 1\ncolumns:\n  id: keep\n  notes: { transform: scrub }\n');
    const noKey = { ...process.env, VEIL_KEY: '' };
    delete noKey.VEIL_KEY;
    expect(veil(['apply', join(dir, 'two.csv'), '--policy', join(dir, 'tag.yaml'), '-q'], { env: noKey }).stdout).toBe('id,notes\n1,mail <EMAIL> or call <PHONE>\n');
    const keyed = veil(['apply', join(dir, 'two.csv'), '--policy', join(dir, 'fake.yaml'), '-q'], { env: noKey });
    expect(keyed.status).not.toBe(0);
    expect(keyed.stderr).toMatch(/KEY_MISSING/);
    const duck = veil(['apply', join(dir, 'two.csv'), '--policy', join(dir, 'tag.yaml'), '--engine', 'duckdb', '-o', join(dir, 'duck.csv'), '--report', join(dir, 'duck.json')], { env: noKey });
    expect(duck.status, duck.stderr).toBe(0);
    expect(duck.stderr).toContain('as scrub (columns.notes) is not compiled to SQL');
    expect(readFileSync(join(dir, 'duck.csv'), 'utf8')).toBe('id,notes\n1,mail <EMAIL> or call <PHONE>\n');
    expect(JSON.parse(readFileSync(join(dir, 'duck.json'), 'utf8')).engine).toMatchObject({ name: 'stream', asked: 'duckdb', rows_through_stream_because: 'scrub (columns.notes)' });
  });
});

describe('attacks on the promise that the residual check finds nothing scrub removes', () => {
  it('no text, however its pieces are glued, comes out of scrub with a kind it was told to remove', async () => {
    const { pipelineFor } = await import('./helpers.js');
    const pipeline = await pipelineFor('version: 1\ncolumns:\n  notes: { transform: scrub, kinds: { email: hash, phone: hash, credit_card: hash, iban: hash, ssn: hash, ip: hash } }\n', ['notes']);
    const pieces = ['ann@x.org', 'ann%40x.org', '617-555-0134', '+44 20 7946 0958', '4111 1111 1111 1111', '4111111111111111', 'DE89 3704 0044 0532 0130 00', 'de89370400440532013000', '123-45-6789', 'SSN 123456789', '192.168.0.1', '2001:db8::1', ' ', '-', '.', ',', ':', '0', '9', 'a', 'Z', '(', ')', '+', '@', '%40', 'v', 'ver '];
    let line = 1;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const out = pipeline.row([text], ++line)[0] as string;
        expect(piiKinds(out), `${JSON.stringify(text)} -> ${JSON.stringify(out)}`).toEqual([]);
      }),
      { seed: 16, numRuns: 3000 },
    );
  });
});

describe("docs/scrub.md's example on support tickets", () => {
  it('runs as written: the policy is the fixture, and the output is what the page shows', () => {
    const readme = readFileSync(join(REPO, 'docs/scrub.md'), 'utf8');
    const policy = readFileSync(join(REPO, 'examples/tickets/policy.yaml'), 'utf8');
    expect(readme).toContain(`\`\`\`yaml\n${policy}\`\`\``);
    const shown = /<!-- scrub-example: ticket_id,body -->\n```text\n([\s\S]*?)```/.exec(readme)![1]!;
    const r = veil(['apply', 'examples/tickets/tickets.csv', '--policy', 'examples/tickets/policy.yaml', '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const input = parse(readFileSync(join(REPO, 'examples/tickets/tickets.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const output = parse(r.stdout, { columns: true }) as Record<string, string>[];
    const line = (row: Record<string, string>) => `${row.ticket_id},"${row.body!.replace(/"/g, '""')}"`;
    expect(shown).toBe(input.map((row, i) => `${line(row)}\n${line(output[i]!)}\n`).join(''));
  });
});

describe('texts made to be slow', () => {
  it('resolves many overlapping candidates in linear work: every candidate is looked at over its own length, once', () => {
    // 400,000 spans in a row, each overlapping the next: quadratic work (each against every chosen one) would be 4e10 steps.
    const spans: Span[] = [];
    for (let i = 0; i < 400_000; i++) spans.push({ kind: 'phone', start: 2 * i, end: 2 * i + 3, score: 1 });
    const chosen = resolve(spans, 0.5);
    expect(chosen.length).toBe(200_000);
    for (let i = 1; i < chosen.length; i++) expect(chosen[i]!.start).toBeGreaterThanOrEqual(chosen[i - 1]!.end);
  });

  it('scrubs a 1 MiB cell of one first name repeated (which overflowed the stack) and of repeated openers, replacing every name', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\ncolumns:\n  id: keep\n  notes: { transform: scrub }\n');
    const cells = { names: `${'Kwame '.repeat(174_763)}called.`, openers: '(1'.repeat(1 << 19) };
    writeFileSync(join(dir, 'in.csv'), `id,notes\n1,"${cells.names}"\n2,"${cells.openers}"\n`);
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'policy.yaml'), '-o', join(dir, 'out.csv'), '--threads', '1', '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = parse(readFileSync(join(dir, 'out.csv'))) as string[][];
    expect(rows[1]![1]).not.toMatch(/Kwame/);
    expect(rows[1]![1]).toContain('called.');
    // Ten digits with separators read as a phone number: replaced, and what is left holds nothing the residual check finds.
    expect(rows[2]![1]!.length).toBeGreaterThan(0);
    expect(piiKinds(rows[2]![1]!)).toEqual([]);
  });
});
