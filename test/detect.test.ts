// The recognizer registry (src/detect/) against its one labelled corpus
// (test/corpus/recognizers.ts), through every consumer: the registry's
// spans (what scrub replaces), with positions exact; the residual check's
// kinds; scrub and the residual check on both engines (the same bytes and
// findings); scan's column kinds; and a recognizer a policy declares.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { dictionaries, type Dictionaries } from '../src/detect/dictionaries.js';
import { BUILT_IN_REGISTRY, piiKinds } from '../src/detect/index.js';
import { needsNormalizing, normalize, normalizeEvery, originalSpan } from '../src/detect/normalize.js';
import { ownValue } from '../src/detect/own.js';
import { resolve } from '../src/detect/spans.js';
import { CORPUS, OWN, STRICT, type CorpusKind } from './corpus/recognizers.js';
import { policyFrom, tempDir, veil } from './helpers.js';

let d: Dictionaries;
beforeAll(async () => {
  d = await dictionaries();
});

const KINDS = Object.keys(CORPUS) as CorpusKind[];
const csvCell = (v: string) => `"${v.replace(/"/g, '""')}"`;

describe('the normalization before the recognizers', () => {
  it('maps every span of the normalized text back onto exactly the characters it came from', () => {
    const text = 'a\u200bb ＡＢ [at] x%40y 1_2 — ﬁ';
    const n = normalize(text);
    expect(n.text).toBe('ab AB@x@y 1-2 - fi');
    // Each normalized character comes from a contiguous piece of the original, in order, with nothing of it lost.
    let covered = '';
    let last = -1;
    for (let i = 0; i < n.text.length; i++) {
      const at = originalSpan(n, i, i + 1);
      if (at.start !== last) covered += text.slice(at.start, at.end);
      last = at.start;
    }
    expect(covered).toBe(text.replace('\u200b', ''));
    // Plain text is read as it is.
    expect(normalize('call 617-555-0134').from).toBeUndefined();
  });

  it('skips a text only when normalizing it would change nothing: every character tried, alone and in the contexts that change text', () => {
    // Plain ASCII and the Latin letters NFKC keeps (names and notes in French, German, Polish) are skipped; the rest is not.
    expect(needsNormalizing('Zoë Müller-Łukasiewicz, rue de l’Œuf')).toBe(true); // ’ (U+2019) is outside the letters
    expect(needsNormalizing('Zoë Müller-Łukasiewicz, Straße, œuvre, Ærø')).toBe(false);
    for (const odd of ['ĳ', 'ŀ', 'ŉ', 'ſ', 'µ', 'ª', '\u00a0', 'é\u0301', 'ａ', '[at]', '(DoT)', '%40', '1_2']) expect(needsNormalizing(`Zoë ${odd}`), odd).toBe(true);
    const wrong: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [`a${ch}b`, `1${ch}_2`, `[${ch}at]`, `%4${ch}`, `${ch}`]) {
        if (!needsNormalizing(text) && normalizeEvery(text).text !== text) wrong.push(c.toString(16));
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('every kind of the corpus, through the registry (what scrub replaces)', () => {
  for (const kind of KINDS) {
    it(`${kind}: positives and variants at their exact places, no span of the kind in the negatives`, () => {
      const { positives, variants, negatives } = CORPUS[kind];
      for (const c of [...positives, ...variants]) {
        const spans = resolve(BUILT_IN_REGISTRY.spans(c.text, { dictionaries: d }), 0.5).filter((s) => s.kind === kind);
        expect(spans.map((s) => c.text.slice(s.start, s.end)), c.text).toEqual([c.text.slice(c.start, c.end)]);
      }
      for (const text of negatives) {
        const spans = resolve(BUILT_IN_REGISTRY.spans(text, { dictionaries: d }), 0.5).filter((s) => s.kind === kind);
        expect(spans.map((s) => text.slice(s.start, s.end)), text).toEqual([]);
      }
    });
  }

  it("the row's own values, however they are written, at their exact places", () => {
    for (const { values, cases } of OWN) {
      const own = values.map((v) => ownValue(v)!);
      for (const c of cases) {
        const spans = resolve(BUILT_IN_REGISTRY.spans(c.text, { dictionaries: d, own }), 0.5);
        expect(spans.map((s) => c.text.slice(s.start, s.end)), c.text).toContain(c.text.slice(c.start, c.end));
      }
    }
  });

  it('the residual check finds the strict kinds in every positive and variant, and not in the negatives', () => {
    for (const kind of STRICT) {
      for (const c of [...CORPUS[kind].positives, ...CORPUS[kind].variants]) expect(piiKinds(c.text), c.text).toContain(kind);
      for (const text of CORPUS[kind].negatives) expect(piiKinds(text), text).not.toContain(kind);
    }
  });
});

describe('every consumer on both engines', () => {
  let dir: string;
  const texts = KINDS.flatMap((kind) => [...CORPUS[kind].positives, ...CORPUS[kind].variants].map((c) => ({ kind, ...c })));
  beforeAll(() => {
    dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), `id,notes,kept\n${texts.map((t, i) => `${i},${csvCell(t.text)},${csvCell(t.text)}`).join('\n')}\n`);
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns:\n  id: keep\n  notes: { transform: scrub }\n  kept: keep\n');
  });

  it('scrub replaces exactly the span of each text, and the residual check counts the strict kinds: the same on both engines', () => {
    const run = (engine: string) => veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--engine', engine, '-q', '-o', join(dir, `${engine}.csv`), '--report', join(dir, `${engine}.json`)]);
    for (const engine of ['stream', 'duckdb']) expect(run(engine).status).toBe(0);
    const out = readFileSync(join(dir, 'stream.csv'), 'utf8');
    expect(readFileSync(join(dir, 'duckdb.csv'), 'utf8')).toBe(out);
    const rows = parse(out, { from_line: 2 }) as string[][];
    texts.forEach((t, i) => {
      expect(rows[i]![1], t.text).toBe(`${t.text.slice(0, t.start)}<${t.kind.toUpperCase()}>${t.text.slice(t.end)}`);
    });
    const findings = (engine: string) => JSON.parse(readFileSync(join(dir, `${engine}.json`), 'utf8')).privacy.residual_pii.findings;
    expect(findings('duckdb')).toEqual(findings('stream'));
    for (const kind of STRICT) expect(findings('stream').kept[kind], kind).toBeGreaterThanOrEqual(CORPUS[kind].positives.length + CORPUS[kind].variants.length);
  });

  it('scan reports a column of each strict kind (written whole) as that kind', () => {
    // Written whole, as a column holds them; bare digits are numbers in a column (an SSN needs its word).
    const columns = STRICT.map((kind) => [...CORPUS[kind].positives, ...CORPUS[kind].variants].map((c) => c.text.slice(c.start, c.end)).filter((v) => !/^\d+$/.test(normalize(v).text)));
    const n = Math.max(...columns.map((c) => c.length));
    const lines = Array.from({ length: n * 3 }, (_, i) => columns.map((c) => csvCell(c[i % c.length]!)).join(','));
    writeFileSync(join(dir, 'whole.csv'), `${STRICT.map((k) => `c_${k}`).join(',')}\n${lines.join('\n')}\n`);
    const json = JSON.parse(veil(['scan', join(dir, 'whole.csv'), '--json']).stdout) as { columns: { name: string; kinds: { kind: string; share: number }[] }[] };
    for (const kind of STRICT) {
      const column = json.columns.find((c) => c.name === `c_${kind}`)!;
      expect(column.kinds[0], kind).toMatchObject({ kind, share: 1 });
    }
  });
});

describe('a recognizer the policy declares', () => {
  const MRN = "recognizers:\n  mrn:\n    pattern: '\\bMRN[- ]?\\d{7}\\b'\n    context: [mrn, chart, record]\n";

  it('is found by scan, replaced by scrub, and counted by the residual check, with the same numbers on both engines', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rec.yaml'), MRN);
    const rows = Array.from({ length: 30 }, (_, i) => {
      const mrn = `MRN-${String(1_000_000 + i * 7919).slice(0, 7)}`;
      const note = i % 3 === 0 ? `see chart ${mrn} today` : i % 3 === 1 ? `MRN ${String(2_000_000 + i)} unrelated` : 'no number here';
      return `${i},${mrn},${note},${i % 2 === 0 ? `record ${mrn}` : 'ok'}`;
    });
    writeFileSync(join(dir, 'in.csv'), `id,mrn,notes,memo\n${rows.join('\n')}\n`);
    const scan = JSON.parse(veil(['scan', join(dir, 'in.csv'), '--json', '--recognizers', join(dir, 'rec.yaml')]).stdout) as { columns: { name: string; kinds: { kind: string; share: number }[] }[] };
    expect(scan.columns.find((c) => c.name === 'mrn')!.kinds[0]).toEqual({ kind: 'mrn', share: 1 });
    // Without the file, nothing calls them MRNs.
    const plain = JSON.parse(veil(['scan', join(dir, 'in.csv'), '--json']).stdout) as typeof scan;
    expect(plain.columns.find((c) => c.name === 'mrn')!.kinds).toEqual([]);

    writeFileSync(join(dir, 'p.yaml'), `version: 1\n${MRN}columns:\n  id: keep\n  mrn: { transform: hash }\n  notes: { transform: scrub }\n  memo: keep\n`);
    const run = (engine: string, extra: string[] = []) => veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--engine', engine, '-q', '-o', join(dir, `${engine}.csv`), '--report', join(dir, `${engine}.json`), ...extra], { env: { ...process.env, VEIL_KEY: 'veil-test-key-0123456789abcdef' } });
    for (const engine of ['stream', 'duckdb']) expect(run(engine).status).toBe(0);
    const out = readFileSync(join(dir, 'stream.csv'), 'utf8');
    expect(readFileSync(join(dir, 'duckdb.csv'), 'utf8')).toBe(out);
    const notes = (parse(out, { from_line: 2 }) as string[][]).map((r) => r[2]);
    // Near a context word, or with MRN in the match itself: replaced; the number after "MRN " is one too.
    expect(notes.filter((n) => n!.includes('<MRN>'))).toHaveLength(20);
    expect(notes.some((n) => /MRN[- ]?\d{7}/.test(n!))).toBe(false);
    const report = (engine: string) => JSON.parse(readFileSync(join(dir, `${engine}.json`), 'utf8'));
    // The memo holds the row's own MRN too: a protected value (of the hashed mrn column) as well as a kind.
    expect(report('stream').privacy.residual_pii.findings).toEqual({ memo: { mrn: 15, protected_value: 15 } });
    expect(report('duckdb').privacy.residual_pii.findings).toEqual(report('stream').privacy.residual_pii.findings);
    expect(report('stream').columns.notes.spans.replaced.mrn).toBe(20);
    // --fail-on-pii fails on them, on both engines, and writes nothing.
    for (const engine of ['stream', 'duckdb']) {
      const r = run(engine, ['--fail-on-pii', '-o', join(dir, `fail-${engine}.csv`)]);
      expect(r.status, engine).toBe(1);
      expect(r.stderr).toContain('memo (mrn 15, protected_value 15) [RESIDUAL_PII]');
    }
    // kinds: { mrn: hash } replaces them by the keyed pseudonym instead of the tag.
    writeFileSync(join(dir, 'h.yaml'), readFileSync(join(dir, 'p.yaml'), 'utf8').replace('notes: { transform: scrub }', 'notes: { transform: scrub, kinds: { mrn: hash } }'));
    const hashed = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'h.yaml'), '-q'], { env: { ...process.env, VEIL_KEY: 'veil-test-key-0123456789abcdef' } });
    expect(hashed.status).toBe(0);
    expect(hashed.stdout).toMatch(/see chart [0-9a-f]{32} today/);
  });

  it('is checked when the policy is loaded: a pattern that does not compile, or that can backtrack catastrophically, is refused', async () => {
    const problems = async (spec: string) => (await policyFrom(`version: 1\nrecognizers:\n  code:\n${spec}columns:\n  a: keep\n`)).problems.map((p) => `${p.path}: ${p.code}: ${p.expected ?? ''}`);
    expect(await problems("    pattern: '(\\d+\\s?)+x'\n")).toEqual([expect.stringMatching(/^recognizers\.code\.pattern: POLICY_VALUE: a pattern without nested quantifiers/)]);
    expect(await problems("    pattern: '(a+)+'\n")).toHaveLength(1);
    expect(await problems("    pattern: '[unclosed'\n")).toEqual([expect.stringMatching(/^recognizers\.code\.pattern: POLICY_VALUE: a regular expression that compiles/)]);
    expect(await problems("    pattern: 'x*'\n")).toEqual([expect.stringMatching(/matches the empty text/)]);
    expect(await problems('    context: [x]\n')).toEqual([expect.stringMatching(/POLICY_MISSING_KEY: pattern, patterns or words/)]);
    expect(await problems("    pattern: 'A\\d{3}'\n    patern: 'B'\n")).toEqual([expect.stringMatching(/^recognizers\.code\.patern: POLICY_UNKNOWN_KEY/)]);
    expect(await problems("    pattern: 'EMP-\\d{6}'\n    words: [Project Falcon]\n")).toEqual([]);
    const email = (await policyFrom("version: 1\nrecognizers:\n  email:\n    pattern: 'x'\ncolumns:\n  a: keep\n")).problems;
    expect(email.map((p) => p.code)).toEqual(['POLICY_CONFLICT']);
  });

  it('takes exact terms (a deny list), matched whole and in any case', async () => {
    const { policy } = await policyFrom("version: 1\nrecognizers:\n  project:\n    words: [Project Falcon, Falcon-9]\ncolumns:\n  a: keep\n");
    const r = policy!.recognizers;
    const found = (text: string) => resolve(r.spans(text), 0.5).filter((s) => s.kind === 'project').map((s) => text.slice(s.start, s.end));
    expect(found('the PROJECT FALCON budget and falcon-9 launch')).toEqual(['PROJECT FALCON', 'falcon-9']);
    expect(found('projectfalcon and Falcon-90')).toEqual([]);
    expect(r.kindsIn('about Project Falcon')).toEqual(['project']);
  });
});
