// What a new user meets first: a wrong delimiter diagnosed as one, a policy
// checked without data or a key (`veil validate`), gzip and JSON Lines piped
// to stdin read as what they are.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingColumns } from '../src/lib/errors.js';
import { tempDir, veil } from './helpers.js';

describe('a header read as one column', () => {
  it('is one problem that names the delimiter to try, instead of one problem per column', () => {
    expect(missingColumns(['id;email;age'], ['id', 'email', 'age'])).toEqual([{ kind: 'input', code: 'HEADER_ONE_COLUMN', expected: ';', names: ['id', 'email', 'age'] }]);
    expect(missingColumns(['id\temail|x'], ['id'])[0]!.expected).toBe('\t');
    // The most frequent one: "a,b" names inside a semicolon file.
    expect(missingColumns(['a,b;c;d'], ['c'])[0]!.expected).toBe(';');
    // A header of one column with no delimiter in it, or of several: the columns it lacks, as before.
    expect(missingColumns(['identifier'], ['id'])).toEqual([{ kind: 'input', code: 'COLUMN_MISSING', columnName: 'id' }]);
    expect(missingColumns(['a;b', 'c'], ['d'], () => 'c')).toEqual([{ kind: 'input', code: 'COLUMN_MISSING', columnName: 'd', suggestion: 'c' }]);
    expect(missingColumns(['a;b'], [])).toEqual([]);
  });

  it('apply, check and the k stage say which delimiter to try, on a file and on stdin', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.tsv.csv'), 'zip\tage\tdiagnosis\n021\t30-39\tflu\n');
    writeFileSync(join(dir, 'k.yaml'), 'version: 1\ncolumns:\n  zip: keep\n  age: keep\n  diagnosis: keep\nk_anonymity: { k: 2, quasi_identifiers: [zip, age] }\n');
    const hint = /^veil: [^\n]*: the header was read as one column, and it holds "\\t": try --delimiter 'tab' \(the policy names \d columns the input seems to lack\) \[HEADER_ONE_COLUMN\]\n$/;
    const apply = veil(['apply', join(dir, 'in.tsv.csv'), '--policy', join(dir, 'k.yaml'), '-q']);
    expect(apply.status).toBe(3);
    expect(apply.stderr).toMatch(hint);
    const check = veil(['check', join(dir, 'in.tsv.csv'), '--policy', join(dir, 'k.yaml')]);
    expect(check.status).toBe(3);
    expect(check.stderr).toMatch(hint);
    const stdin = veil(['apply', '--policy', join(dir, 'k.yaml'), '-q'], { input: 'zip\tage\tdiagnosis\n021\t30-39\tflu\n' });
    expect(stdin.stderr).toMatch(hint);
    // With the delimiter it names, the same file runs.
    const fixed = veil(['check', join(dir, 'in.tsv.csv'), '--policy', join(dir, 'k.yaml'), '--delimiter', 'tab']);
    expect(fixed.stderr).not.toMatch(/HEADER_ONE_COLUMN/);
  });
});

describe('veil validate', () => {
  it('checks policies without data or a key: exit 0 and a line per valid one, -q for none', () => {
    const ok = veil(['validate', 'fixtures/demo/policy.yaml', 'fixtures/adult/training.yaml'], { env: { PATH: process.env.PATH } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe(
      'veil validate: fixtures/demo/policy.yaml: valid (12 columns, unlisted: error, needs a key)\n' +
        'veil validate: fixtures/adult/training.yaml: valid (9 columns, unlisted: error, needs no key, k-anonymity k=10)\n',
    );
    expect(veil(['validate', '-q', 'fixtures/demo/policy.yaml']).stderr).toBe('');
  });

  it('reports every problem of every file with its line, as apply does, and exits 2', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'typo.yaml'), 'version: 1\ncolumns:\n  email: { transform: hash, lenght: 20 }\n  age: { transform: generalise }\n');
    const r = veil(['validate', join(dir, 'typo.yaml'), 'fixtures/demo/policy.yaml', join(dir, 'none.yaml')]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/typo\.yaml:3:29: columns\.email\.lenght: [^\n]*\(did you mean "length"\?\) \[POLICY_UNKNOWN_KEY\]$/);
    expect(lines[1]).toMatch(/typo\.yaml:4:21: columns\.age\.transform: [^\n]*found "generalise" \(did you mean "generalize"\?\) \[POLICY_UNKNOWN_TRANSFORM\]$/);
    expect(lines[2]).toBe('veil validate: fixtures/demo/policy.yaml: valid (12 columns, unlisted: error, needs a key)');
    expect(lines[3]).toMatch(/none\.yaml: cannot read the policy \(no such file, ENOENT\) \[POLICY_UNREADABLE\]$/);
    // apply gives the same messages for the same file.
    const apply = veil(['apply', '--policy', join(dir, 'typo.yaml')], { input: 'email,age\n' });
    expect(apply.stderr.trimEnd().split('\n')).toEqual(lines.slice(0, 2));
  });
});

describe('standard input read by its first bytes', () => {
  it('gzip and JSON Lines, alone or together, read as a file named .gz or .jsonl would be', () => {
    const dir = tempDir();
    const policy = join(dir, 'p.yaml');
    writeFileSync(policy, 'version: 1\ncolumns:\n  id: keep\n  notes: scrub\n');
    const csv = `id,notes\n${Array.from({ length: 3000 }, (_, i) => `${i},"mail ann${i}@example.com today"`).join('\n')}\n`;
    const jsonl = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: String(i), notes: `mail ann${i}@example.com today` })).join('\n') + '\n';
    const run = (input: Buffer | string, extra: string[] = []) => veil(['apply', '--policy', policy, '-q', '--report', join(dir, 'r.json'), ...extra], { input });
    const report = () => JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).input as Record<string, unknown>;
    const plain = run(csv);
    expect(plain.status).toBe(0);
    expect(report()).toMatchObject({ format: 'csv', gzip: false });
    const gz = run(gzipSync(csv));
    expect(gz.stderr).toBe('');
    expect(gz.stdout).toBe(plain.stdout);
    expect(report()).toMatchObject({ format: 'csv', gzip: true });
    const lines = run(jsonl);
    expect(lines.stdout.split('\n')[0]).toBe('{"id":"0","notes":"mail <EMAIL> today"}');
    expect(report()).toMatchObject({ format: 'jsonl', gzip: false });
    for (const threads of ['1', '2']) {
      const both = run(gzipSync(jsonl), ['--threads', threads]);
      expect(both.stdout).toBe(lines.stdout);
      expect(report()).toMatchObject({ format: 'jsonl', gzip: true });
    }
    // --input-format says otherwise: it is obeyed, and the gzip bytes are not CSV.
    expect(run(jsonl, ['--input-format', 'csv']).status).toBe(3);
    // scan and check read it alike.
    expect(veil(['scan'], { input: gzipSync(jsonl) }).stdout).toMatch(/^notes +free_text/m);
    writeFileSync(join(dir, 'k.yaml'), 'version: 1\ncolumns:\n  id: keep\n  notes: redact\nk_anonymity: { k: 1, quasi_identifiers: [notes] }\n');
    expect(veil(['check', '--policy', join(dir, 'k.yaml')], { input: gzipSync(jsonl) }).stdout).toMatch(/: met\n  3000 rows in 3000 classes/);
  });
});

describe('veil check for CI: several files, --quiet, the delimiter from the policy', () => {
  it('gives one verdict per file, exits with the worst, and -q prints none', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.csv'), 'zip;age\n021;30-39\n021;30-39\n');
    writeFileSync(join(dir, 'lone.csv'), 'zip;age\n021;30-39\n021;30-39\n022;40-49\n');
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ninput: { format: csv, delimiter: ";" }\ncolumns:\n  zip: keep\n  age: keep\nk_anonymity: { k: 2, quasi_identifiers: [zip, age] }\n');
    const p = ['--policy', join(dir, 'p.yaml')];
    const both = veil(['check', join(dir, 'ok.csv'), join(dir, 'lone.csv'), ...p]);
    expect(both.status).toBe(1);
    const verdicts = both.stdout.split('\n').filter((l) => l.startsWith('veil check: '));
    expect(verdicts).toEqual([`veil check: ${join(dir, 'ok.csv')}: k-anonymity with k=2 on zip, age: met`, `veil check: ${join(dir, 'lone.csv')}: k-anonymity with k=2 on zip, age: NOT met`]);
    // One file: as before, unnamed.
    expect(veil(['check', join(dir, 'ok.csv'), ...p]).stdout).toMatch(/^veil check: k-anonymity with k=2 on zip, age: met\n/);
    const quiet = veil(['check', '-q', join(dir, 'ok.csv'), join(dir, 'lone.csv'), ...p]);
    expect([quiet.status, quiet.stdout, quiet.stderr]).toEqual([1, '', '']);
    expect(veil(['check', '--quiet', join(dir, 'ok.csv'), ...p]).status).toBe(0);
    // A file that cannot be read: its problem on stderr, the others still checked; input errors rank above "not met".
    const missing = veil(['check', join(dir, 'ok.csv'), join(dir, 'none.csv'), join(dir, 'lone.csv'), ...p]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/none\.csv: cannot read the input/);
    expect(missing.stdout.match(/^veil check: /gm)).toHaveLength(2);
    // JSON: an array, each with its input.
    const json = JSON.parse(veil(['check', '--json', join(dir, 'ok.csv'), join(dir, 'lone.csv'), ...p]).stdout) as { input: string; met: boolean }[];
    expect(json.map((j) => [j.input, j.met])).toEqual([[join(dir, 'ok.csv'), true], [join(dir, 'lone.csv'), false]]);
    expect(veil(['check', join(dir, 'ok.csv'), join(dir, 'lone.csv'), '--report', join(dir, 'r.json'), ...p]).status).toBe(2);
    // --delimiter and the policy's input.delimiter must agree.
    const conflict = veil(['check', join(dir, 'ok.csv'), ...p, '--delimiter', ',']);
    expect([conflict.status, conflict.stderr]).toEqual([2, 'veil: --delimiter "," and the policy\'s input.delimiter ";" disagree: leave out one of them [USAGE_INPUT_CONFLICT]\n']);
  });

  it("apply reads the policy's input section too; a bad one is a policy error", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'zip;age\n02139;37\n');
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ninput: { delimiter: ";" }\ncolumns:\n  zip: { transform: generalize, prefix: 3 }\n  age: { transform: generalize, width: 10 }\n');
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '-q']);
    expect([r.status, r.stdout]).toEqual([0, 'zip;age\n021;30-39\n']);
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\ninput: { delimiter: ";;", format: jsonl, sep: x }\ncolumns:\n  zip: keep\n');
    const bad = veil(['validate', join(dir, 'bad.yaml')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/input\.sep: [^\n]*POLICY_UNKNOWN_KEY/);
    expect(bad.stderr).toMatch(/input\.delimiter: expected one character[^\n]*POLICY_VALUE/);
  });
});

describe('the drafted policy does not hash money', () => {
  it('keeps measures (decimals, or integers named like counts and amounts) as numbers, and hashes identifiers', () => {
    const dir = tempDir();
    const rows = Array.from({ length: 200 }, (_, i) => `${100000 + i * 7},${(i * 13.37 + 0.5).toFixed(2)},${i * 3 + 1},${5000 + i}`);
    writeFileSync(join(dir, 'c.csv'), `customer_id,lifetime_value,visits_count,order_no\n${rows.join('\n')}\n`);
    const r = veil(['scan', join(dir, 'c.csv'), '--policy-out', join(dir, 'draft.yaml')]);
    expect(r.status).toBe(0);
    const draft = readFileSync(join(dir, 'draft.yaml'), 'utf8');
    expect(draft).toMatch(/^ {2}customer_id: \{ transform: hash \}/m);
    expect(draft).toMatch(/^ {2}lifetime_value: \{ transform: keep, type: number \}/m);
    expect(draft).toMatch(/^ {2}visits_count: \{ transform: keep, type: integer \}/m);
    expect(draft).toMatch(/^ {2}order_no: \{ transform: hash \}/m);
  });
});

describe('veil init', () => {
  it('writes a starter policy from the header that validates and runs, with every transform listed', () => {
    const dir = tempDir();
    const r = veil(['init', 'examples/patients/patients.csv', '-o', join(dir, 'policy.yaml')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^veil init: wrote [^\n]*policy\.yaml \(12 columns\): read it, then veil validate /);
    const policy = readFileSync(join(dir, 'policy.yaml'), 'utf8');
    expect(policy).toMatch(/^ {2}email: +\{ transform: hash, normalize: email \}/m);
    expect(policy).toMatch(/^ {2}notes: +\{ transform: scrub, own: \[patient_id, email, full_name, phone, ssn\] \}/m);
    expect(policy).toMatch(/^ {2}city: +\{ transform: keep \} +# REVIEW/m);
    for (const t of ['hash', 'fake', 'scrub', 'generalize', 'noise']) expect(policy).toMatch(new RegExp(`^#   ${t} +\\S`, 'm'));
    expect(veil(['validate', '-q', join(dir, 'policy.yaml')]).status).toBe(0);
    const run = veil(['apply', 'examples/patients/patients.csv', '--policy', join(dir, 'policy.yaml'), '-q']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('patient_id,email,full_name,phone,ssn,notes,birth_date,zip,age,income,visit_date,city');
    // Never over a file that exists, unless asked.
    const again = veil(['init', 'examples/patients/patients.csv', '-o', join(dir, 'policy.yaml')]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists: veil init does not overwrite a policy \(--force to replace it\)/);
    expect(veil(['init', 'examples/patients/patients.csv', '-o', join(dir, 'policy.yaml'), '--force']).status).toBe(0);
    // stdin, JSON Lines: the first record's keys, nested fields by path (named like an identifier after their dot).
    const events = veil(['init'], { input: readFileSync('examples/events/events.jsonl') });
    expect(events.stdout).toMatch(/^ {2}message: +\{ transform: scrub, own: \[event_id, user\.id, user\.email\] \}/m);
    expect(events.stdout).toMatch(/^ {2}user\.id: +\{ transform: hash \}/m);
  });
});

describe('input encodings', () => {
  // "Zürich – 5 €" and "Köln" as Excel on Windows saves them (cp1252), and as latin1.
  const cp1252 = Buffer.concat([Buffer.from('id,city\n1,Z'), Buffer.from([0xfc]), Buffer.from('rich '), Buffer.from([0x96]), Buffer.from(' 5 '), Buffer.from([0x80]), Buffer.from('\n2,K'), Buffer.from([0xf6]), Buffer.from('ln\n')]);

  it('invalid UTF-8 is an error naming the line and the --encoding to try; cp1252 and latin1 are converted as read', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), cp1252);
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns:\n  id: keep\n  city: keep\n');
    const run = (...extra: string[]) => veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '-q', '--report', join(dir, 'r.json'), ...extra]);
    const plain = run();
    expect(plain.status).toBe(3);
    expect(plain.stderr).toMatch(/in\.csv:2: the input is not valid UTF-8: if it was saved by Excel or another Windows program, try --encoding cp1252 \(or latin1[^\n]*\[INPUT_NOT_UTF8\]\n$/);
    expect(plain.stdout).toBe('');
    const windows = run('--encoding', 'cp1252');
    expect([windows.status, windows.stdout]).toEqual([0, 'id,city\n1,Zürich – 5 €\n2,Köln\n']);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).input).toMatchObject({ encoding: 'cp1252', bytes: cp1252.length });
    // latin1 has no euro sign or dash: those bytes are C1 controls there.
    expect(run('--encoding', 'ISO-8859-1').stdout).toBe('id,city\n1,Zürich \u0096 5 \u0080\n2,Köln\n');
    // The policy can say it; a flag that says otherwise is a usage error, not a silent winner; so is a name veil does not read.
    writeFileSync(join(dir, 'p2.yaml'), 'version: 1\ninput: { encoding: windows-1252 }\ncolumns:\n  id: keep\n  city: keep\n');
    expect(veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p2.yaml'), '-q']).stdout).toBe(windows.stdout);
    const conflict = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p2.yaml'), '-q', '--encoding', 'utf-8']);
    expect([conflict.status, conflict.stderr]).toEqual([2, 'veil: --encoding "utf-8" and the policy\'s input.encoding "cp1252" disagree: leave out one of them [USAGE_INPUT_CONFLICT]\n']);
    expect(veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p2.yaml'), '-q', '--encoding', 'cp1252']).stdout).toBe(windows.stdout);
    const bad = run('--encoding', 'ebcdic');
    expect([bad.status, bad.stderr]).toEqual([2, 'veil: --encoding is one of utf-8, latin1, cp1252, not "ebcdic" [USAGE]\n']);
    // The duckdb engine hands the rows of another encoding to the streaming engine's reader: the same output.
    const duck = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--engine', 'duckdb', '--encoding', 'cp1252', '-o', join(dir, 'o.csv')]);
    expect(duck.status, duck.stderr).toBe(0);
    expect(readFileSync(join(dir, 'o.csv'), 'utf8')).toBe(windows.stdout);
  });

  it('converts alike in every piece with worker threads, gzipped, in check and scan', () => {
    const dir = tempDir();
    const rows = Array.from({ length: 40000 }, (_, i) => Buffer.concat([Buffer.from(`${i},Z`), Buffer.from([0xfc]), Buffer.from(`rich ${i % 7}\n`)]));
    writeFileSync(join(dir, 'big.csv.gz'), gzipSync(Buffer.concat([Buffer.from('id,city\n'), ...rows])));
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ninput: { encoding: cp1252 }\ncolumns:\n  id: keep\n  city: keep\nk_anonymity: { k: 5, quasi_identifiers: [city] }\n');
    const out = (threads: string) => veil(['apply', join(dir, 'big.csv.gz'), '--policy', join(dir, 'p.yaml'), '-q', '--threads', threads]).stdout;
    const one = out('1');
    expect(one.split('\n')[1]).toBe('0,Zürich 0');
    expect(one.split('\n')).toHaveLength(40002);
    expect(out('2')).toBe(one);
    expect(veil(['check', join(dir, 'big.csv.gz'), '--policy', join(dir, 'p.yaml'), '--encoding', 'cp1252']).stdout).toMatch(/: met\n  40000 rows in 7 classes/);
    expect(veil(['scan', join(dir, 'big.csv.gz'), '--encoding', 'cp1252']).stdout).toMatch(/^city +- +quasi identifier +string +7 +Zxxxxx 9$/m);
  });
});

describe('missing-value markers (na)', () => {
  it('reads a column\'s markers as empty before types, transforms and k-anonymity look at it, and counts them', () => {
    const dir = tempDir();
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},${i % 5 === 0 ? 'N/A' : i % 7 === 0 ? '-' : (i % 300) + 0.5},${i % 11 === 0 ? '-' : 20 + (i % 50)}`);
    writeFileSync(join(dir, 'in.csv'), `id,amount,age\n${rows.join('\n')}\n`);
    writeFileSync(
      join(dir, 'p.yaml'),
      'version: 1\ncolumns:\n  id: keep\n  amount: { transform: generalize, bins: [0, 100, 200], type: number, na: ["N/A", "-"] }\n  age: { transform: generalize, width: 10, na: ["-"] }\nk_anonymity: { k: 5, quasi_identifiers: [age] }\n',
    );
    const run = (threads: string) => veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '-q', '--threads', threads, '-o', join(dir, `o${threads}.csv`), '--report', join(dir, `r${threads}.json`)]);
    expect(run('1').stderr).toBe('');
    expect(run('2').status).toBe(0);
    expect(readFileSync(join(dir, 'o2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'o1.csv'), 'utf8'));
    const report = JSON.parse(readFileSync(join(dir, 'r2.json'), 'utf8'));
    const amountMarkers = rows.filter((r) => /^\d+,(N\/A|-),/.test(r)).length;
    const ageMarkers = rows.filter((r) => r.endsWith(',-')).length;
    expect(report.columns.amount.values).toMatchObject({ missing_markers: amountMarkers, empty: amountMarkers });
    expect(report.columns.age.values).toMatchObject({ missing_markers: ageMarkers });
    const out = readFileSync(join(dir, 'o1.csv'), 'utf8').split('\n').slice(1, -1).map((l) => l.split(','));
    expect(out.filter((r) => r[1] === '').length).toBe(amountMarkers);
    expect(out.some((r) => r.includes('N/A') || r.includes('-'))).toBe(false);
    // Without the markers the declared type stops the run at the first one.
    writeFileSync(join(dir, 'strict.yaml'), readFileSync(join(dir, 'p.yaml'), 'utf8').replace(/, na: \[[^\]]*\]/g, ''));
    const strict = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'strict.yaml'), '-q']);
    expect(strict.status).toBe(3);
    expect(strict.stderr).toMatch(/in\.csv:2: column "amount"/);
    // The duckdb engine hands the rows to the streaming engine's transforms, which read the markers: the same output.
    const duck = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--engine', 'duckdb', '-o', join(dir, 'd.csv')]);
    expect(duck.stderr).toContain('as missing-value markers (columns.amount.na) is not compiled to SQL');
    expect(readFileSync(join(dir, 'd.csv'), 'utf8')).toBe(readFileSync(join(dir, 'o1.csv'), 'utf8'));
    // Every transform takes them, top coding and 'over' too.
    writeFileSync(join(dir, 'top.yaml'), 'version: 1\ncolumns:\n  a: { transform: generalize, top: 90, na: ["-"], decimal: "," }\n  b: { transform: generalize, over: 89, format: DD.MM.YYYY }\n');
    expect(veil(['validate', '-q', join(dir, 'top.yaml')]).stderr).toBe('');
  });
});

describe('veil scan and init read the delimiter from the header', () => {
  it('picks the most frequent of , ; tab | outside quotes', async () => {
    const { sniffDelimiter } = await import('../src/io/formats.js');
    expect(sniffDelimiter('id;name;"a, b, c";x')).toBe(';');
    expect(sniffDelimiter('id\tname\tage')).toBe('\t');
    expect(sniffDelimiter('a|b|c')).toBe('|');
    expect(sniffDelimiter('a,b;c')).toBe(',');
    expect(sniffDelimiter('only')).toBeUndefined();
  });

  it('drafts the delimiter into the policy, so that apply needs no flag; a comma file drafts none', () => {
    const dir = tempDir();
    const draft = join(dir, 'draft.yaml');
    const scan = veil(['scan', 'examples/adult/adult-sample.csv', '--policy-out', draft]);
    expect(scan.stdout).toMatch(/^veil scan: examples\/adult\/adult-sample\.csv \(delimiter ";", read from its header\), 2000 rows sampled\n/);
    expect(readFileSync(draft, 'utf8')).toMatch(/^input: \{ delimiter: ";" \}/m);
    const apply = veil(['apply', 'examples/adult/adult-sample.csv', '--policy', draft, '-q', '-o', join(dir, 'out.csv')]);
    expect([apply.status, apply.stderr]).toEqual([0, '']);
    expect(veil(['init', 'examples/adult/adult-sample.csv']).stdout).toMatch(/^input: \{ delimiter: ";" \}/m);
    // An explicit --delimiter is obeyed; a comma file gets no input line.
    expect(veil(['scan', 'examples/adult/adult-sample.csv', '--delimiter', ',']).stdout).toMatch(/^veil scan: examples\/adult\/adult-sample\.csv, 2000 rows/);
    veil(['scan', 'examples/patients/patients.csv', '--policy-out', join(dir, 'p.yaml')]);
    expect(readFileSync(join(dir, 'p.yaml'), 'utf8')).not.toMatch(/^input:/m);
  });
});

describe('malformed records (the wrong number of fields)', () => {
  it('stop the run by default; with on_invalid drop or quarantine they are removed, counted, written to the rejects, within max_invalid', () => {
    const dir = tempDir();
    const lines = Array.from({ length: 20000 }, (_, i) => (i % 1000 === 7 ? `${i},41` : i % 1000 === 500 ? `${i},52,Basel,extra` : `${i},${20 + (i % 60)},${['Bern', 'Zug', 'Basel'][i % 3]}`));
    writeFileSync(join(dir, 'in.csv'), `id,age,city\n${lines.join('\n')}\n`);
    const policy = (extra: string) => {
      writeFileSync(join(dir, 'p.yaml'), `version: 1\n${extra}columns:\n  id: keep\n  age: { transform: generalize, width: 10 }\n  city: keep\nk_anonymity: { k: 3, quasi_identifiers: [age, city] }\n`);
      return join(dir, 'p.yaml');
    };
    const strict = veil(['apply', join(dir, 'in.csv'), '--policy', policy(''), '-q']);
    expect(strict.status).toBe(3);
    expect(strict.stderr).toMatch(/in\.csv:9: wrong number of fields: expected 3 fields, found 2; veil apply sets such records aside when the policy says on_invalid: drop \(or quarantine, with --rejects FILE\) \[CSV_FIELD_COUNT\]/);
    for (const threads of ['1', '2']) {
      const r = veil(['apply', join(dir, 'in.csv'), '--policy', policy('on_invalid: quarantine\nmax_invalid: 0.01\n'), '-q', '--threads', threads, '--rejects', join(dir, `rej${threads}.jsonl`), '-o', join(dir, `o${threads}.csv`), '--report', join(dir, `r${threads}.json`)]);
      expect([r.status, r.stderr]).toEqual([0, '']);
      const report = JSON.parse(readFileSync(join(dir, `r${threads}.json`), 'utf8'));
      expect(report.rows).toEqual({ in: 20000, out: 19960, removed: { malformed: 40 } });
      const rejects = readFileSync(join(dir, `rej${threads}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(rejects).toHaveLength(40);
      expect(rejects[0]).toEqual({ line: 9, reason: 'malformed', expected: '3 fields, found 2', fields: ['7', '41'] });
    }
    expect(readFileSync(join(dir, 'o2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'o1.csv'), 'utf8'));
    // More than max_invalid: the run fails (exit 3), saying so.
    const over = veil(['apply', join(dir, 'in.csv'), '--policy', policy('on_invalid: drop\nmax_invalid: 0.001\n'), '-q', '-o', join(dir, 'over.csv')]);
    expect(over.status).toBe(3);
    expect(over.stderr).toMatch(/too many rows break their declared types or are malformed: at most 0\.001 of the rows \(max_invalid\), found 40 of 20000 \[INVALID_OVER_LIMIT\]/);
  });
});

describe('date formats per column (format:)', () => {
  it('reads the tokens, two-digit years as POSIX does, only calendar dates, and keeps a time after the date', async () => {
    const { dateFormat } = await import('../src/lib/date-formats.js');
    const f = (text: string) => dateFormat(text) as { read(v: string): string | undefined };
    expect(f('MM/DD/YYYY').read('03/14/1985')).toBe('1985-03-14');
    expect(f('MM/DD/YYYY').read('03/14/1985 08:30')).toBe('1985-03-14 08:30');
    expect(f('DD.MM.YYYY').read('14.03.1985')).toBe('1985-03-14');
    expect(f('YYYYMMDD').read('19850314')).toBe('1985-03-14');
    expect(f('M/D/YY').read('7/4/85')).toBe('1985-07-04');
    expect(f('M/D/YY').read('7/4/08')).toBe('2008-07-04');
    expect(f('M/D/YY').read('12/31/1999')).toBeUndefined();
    expect(f('MM/DD/YYYY').read('02/30/2024')).toBeUndefined();
    expect(f('MM/DD/YYYY').read('13/01/2024')).toBeUndefined();
    expect(f('DD.MM.YYYY').read('29.02.2024')).toBe('2024-02-29');
    expect(dateFormat('MM/YYYY')).toBe('a year (YYYY or YY), a month (MM or M) and a day (DD or D)');
    expect(dateFormat('MM/DD/MM')).toMatch(/twice/);
  });

  it('reads a column of mixed formats for date transforms and the declared type, counts it, and refuses a bad format', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'id,patient,visit,born\n1,P1,03/14/2024,7/4/85\n2,P1,2024-03-20,12/31/1999\n3,P2,04/01/2024,\n');
    writeFileSync(
      join(dir, 'p.yaml'),
      'version: 1\ncolumns:\n  id: keep\n  patient: keep\n  visit: { transform: date-shift, max_days: 10, by: patient, format: [MM/DD/YYYY, YYYY-MM-DD] }\n  born: { transform: generalize, to: year, format: [M/D/YY, MM/DD/YYYY], type: date }\n',
    );
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '-q', '--report', join(dir, 'r.json')]);
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(','));
    // One patient's two visits keep their 6 days apart, whatever format each was written in.
    const days = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
    expect(days(rows[1]![2]!) - days(rows[0]![2]!)).toBe(6);
    expect(rows.map((row) => row[3])).toEqual(['1985', '1999', '']);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.columns.born.values.read_by_format).toBe(2);
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\ncolumns:\n  d: { transform: keep, format: MM/YYYY }\n');
    expect(veil(['validate', join(dir, 'bad.yaml')]).stderr).toMatch(/columns\.d\.format: expected a date format with a year \(YYYY or YY\), a month \(MM or M\) and a day \(DD or D\) \(MM\/DD\/YYYY, DD\.MM\.YYYY, YYYYMMDD\), found "MM\/YYYY" \[POLICY_VALUE\]/);
  });
});

describe('decimal comma (decimal: ",")', () => {
  it('reads 1.234,56 and 1 000,25 as numbers for the type and the transforms, counted; anything else stays for the type to judge', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'id,amount\n1,"1.234,56"\n2,"12,5"\n3,7\n4,"1 000,25"\n5,"1,2,3"\n6,-0\n');
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\non_invalid: drop\ncolumns:\n  id: keep\n  amount: { transform: generalize, bins: [0, 100, 2000], type: number, decimal: "," }\n');
    const r = veil(['apply', join(dir, 'in.csv'), '--policy', join(dir, 'p.yaml'), '--report', join(dir, 'r.json')]);
    expect(r.stdout).toBe('id,amount\n1,"[100, 2000)"\n2,"[0, 100)"\n3,"[0, 100)"\n4,"[100, 2000)"\n6,"[0, 100)"\n');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.columns.amount.values.read_by_format).toBe(3);
    expect(report.rows).toEqual({ in: 6, out: 5, removed: { invalid: 1 } });
  });
});

describe('veil scan finds international phone numbers', () => {
  it('with and without separators, with extensions, and plain national digits under a phone-like header', () => {
    const dir = tempDir();
    const formats = ['+44 20 7946 0958', '+49 30 12345678', '+33 1 23 45 67 89', '06 12 34 56 78', '+4915112345678', '(617) 555-0134', '617.555.0134', '617-555-0134 x23', '+1 617 555 0134 ext. 5', '020 7946 0958', '07911 123456', '+91 98765 43210', '+61 2 9876 5432'];
    const rows = Array.from({ length: 260 }, (_, i) => `${i},${formats[i % formats.length]!.replace(/\d(?=\d{2}\b)/, String(i % 10))}`);
    writeFileSync(join(dir, 'c.csv'), `id,contact\n${rows.join('\n')}\n`);
    const json = JSON.parse(veil(['scan', join(dir, 'c.csv'), '--json']).stdout) as { columns: { name: string; kinds: { kind: string; share: number }[] }[] };
    const contact = json.columns.find((c) => c.name === 'contact')!;
    expect(contact.kinds[0]).toMatchObject({ kind: 'phone' });
    expect(contact.kinds[0]!.share).toBeGreaterThanOrEqual(0.95);
    // Plain digits are numbers, unless the header says phone.
    writeFileSync(join(dir, 'd.csv'), `id,mobile,lot\n${Array.from({ length: 50 }, (_, i) => `${i},06${String(12345678 + i * 7919)},06${String(12345678 + i * 7919)}`).join('\n')}\n`);
    const d = JSON.parse(veil(['scan', join(dir, 'd.csv'), '--json']).stdout) as { columns: { name: string; kinds: { kind: string }[] }[] };
    expect(d.columns.find((c) => c.name === 'mobile')!.kinds[0]?.kind).toBe('phone');
    expect(d.columns.find((c) => c.name === 'lot')!.kinds).toEqual([]);
  });
});

describe('a Parquet file or a glob that is not there', () => {
  it('is said as the streaming engine says it (INPUT_UNREADABLE with the system code), not as a DuckDB read error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns:\n  a: keep\nk_anonymity: { k: 2, quasi_identifiers: [a] }\n');
    for (const args of [['check', 'gone.parquet', '--policy', 'p.yaml'], ['apply', 'gone.parquet', '--policy', 'p.yaml', '-o', 'out.csv'], ['check', 'gone.csv', '--policy', 'p.yaml']]) {
      const r = veil(args, { cwd: dir });
      expect([r.status, r.stderr], args.join(' ')).toEqual([3, `veil: ${args[1]}: cannot read the input: expected a readable file (no such file, ENOENT) [INPUT_UNREADABLE]\n`]);
    }
    const glob = veil(['check', 'none-*.parquet', '--policy', 'p.yaml'], { cwd: dir });
    expect([glob.status, glob.stderr]).toEqual([3, 'veil: none-*.parquet: cannot read the input: expected files matching none-*.parquet [INPUT_UNREADABLE]\n']);
    expect(readdirSync(dir)).toEqual(['p.yaml']);
  });
});

describe('nested JSON fields by path', () => {
  const record = (i: number) =>
    JSON.stringify({
      id: `u${i}`,
      contact: { email: `user${i}@example.org`, phone: `617-555-${String(1000 + i).slice(-4)}` },
      address: { street: `${100 + i} Elm Street`, city: ['Boston', 'Austin'][i % 2], zip: ['02139', '73301'][i % 2], 'geo.hash': `dr${i}` },
      tags: ['a', String(i % 2)],
    });
  const input = Array.from({ length: 40 }, (_, i) => record(i)).join('\n') + '\n';

  it('scan names every field by its path, and the draft it writes runs: the output nests them again, each field transformed', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), input);
    const scan = JSON.parse(veil(['scan', 'in.jsonl', '--json'], { cwd: dir }).stdout) as { columns: { name: string; kinds: { kind: string }[] }[] };
    expect(scan.columns.map((c) => c.name)).toEqual(['id', 'contact.email', 'contact.phone', 'address.street', 'address.city', 'address.zip', 'address.geo.hash', 'tags']);
    expect(scan.columns.find((c) => c.name === 'contact.email')!.kinds[0]!.kind).toBe('email');
    expect(veil(['scan', 'in.jsonl', '--policy-out', 'draft.yaml'], { cwd: dir }).status).toBe(0);
    const draft = readFileSync(join(dir, 'draft.yaml'), 'utf8');
    expect(draft).toMatch(/^  contact\.email: \{ transform: hash, normalize: email \}/m);
    expect(draft).toMatch(/^  address\.street: \{ transform: hash \} +# street_address/m); // not kept: the street is an identifier
    const r = veil(['apply', 'in.jsonl', '--policy', 'draft.yaml', '-q'], { cwd: dir });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, string>>);
    expect(rows).toHaveLength(40);
    for (const [i, row] of rows.entries()) {
      expect(Object.keys(row)).toEqual(['id', 'contact', 'address', 'tags']);
      expect(row.contact!.email).toMatch(/^[0-9a-f]{32}$/);
      expect(row.address!.zip).toBe(['021', '733'][i % 2]);
      expect(Object.keys(row.address!)).toEqual(['street', 'city', 'zip', 'geo.hash']); // a key with a dot stays one key
      expect(row.address!.street).toMatch(/^[0-9a-f]{32}$/);
      expect(row.tags).toEqual(['a', String(i % 2)]);
    }
    expect(r.stdout).not.toMatch(/@example\.org|617-555|Elm Street/);
  });

  it('a kept nested field is searched by the residual check on its own, named by its path', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), input);
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\nunlisted: keep\ncolumns:\n  id: { transform: hash }\n');
    const r = veil(['apply', 'in.jsonl', '--policy', 'p.yaml', '--fail-on-pii', '-o', 'out.jsonl'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('veil: personal data left in the output: 80 findings: contact.email (email 40); contact.phone (phone 40) [RESIDUAL_PII]\n');
    expect(r.stderr).not.toMatch(/@example\.org|617-555/);
  });

  it('an object the policy names whole stays one value; CSV output names the fields by path; check reads them', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), input);
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns:\n  id: keep\n  contact: drop\n  address.street: drop\n  address.city: keep\n  address.zip: { transform: generalize, prefix: 3 }\n  address.geo.hash: drop\n  tags: keep\n');
    const r = veil(['apply', 'in.jsonl', '--policy', 'p.yaml', '-o', 'out.csv', '-q'], { cwd: dir });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const csv = readFileSync(join(dir, 'out.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('id,address.city,address.zip,tags');
    expect(csv[1]).toBe('u0,Boston,021,"[""a"",""0""]"');
    expect(csv[2]).toBe('u1,Austin,733,"[""a"",""1""]"');
    const check = veil(['check', 'in.jsonl', '--qi', 'address.city,address.zip', '--k', '20'], { cwd: dir });
    expect([check.status, check.stdout.split('\n')[0]]).toEqual([0, 'veil check: k-anonymity with k=20 on address.city, address.zip: met']);
  });

  it('a missing or null object leaves its fields empty; a value where the first record had an object stops the run at its line, without the value', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns:\n  id: keep\n  address.city: keep\n  address.zip: keep\n');
    const first = '{"id":1,"address":{"city":"Boston","zip":"02139"}}\n';
    writeFileSync(join(dir, 'ok.jsonl'), `${first}{"id":2,"address":null}\n{"id":3}\n`);
    const ok = veil(['apply', 'ok.jsonl', '--policy', 'p.yaml', '-q'], { cwd: dir });
    expect([ok.status, ok.stdout]).toEqual([0, `${first.replace(/ /g, '')}{"id":2}\n{"id":3}\n`]);
    writeFileSync(join(dir, 'bad.jsonl'), `${first}{"id":2,"address":"12 Secret Lane"}\n`);
    const bad = veil(['apply', 'bad.jsonl', '--policy', 'p.yaml', '-o', 'out.jsonl'], { cwd: dir });
    expect([bad.status, bad.stderr]).toEqual([3, 'veil: bad.jsonl:2: column "address": expected an object, as in the first record, whose fields are columns (name the object whole in the policy to take it as one value) [JSON_FIELD_NOT_OBJECT]\n']);
    // An object only later records hold, whose fields the policy names: read by path too.
    writeFileSync(join(dir, 'later.jsonl'), '{"id":1}\n{"id":2,"address":{"city":"Austin","zip":"73301"}}\n{"id":3,"address":null}\n');
    const later = veil(['apply', 'later.jsonl', '--policy', 'p.yaml', '-q'], { cwd: dir });
    expect([later.status, later.stderr, later.stdout]).toEqual([0, '', '{"id":1}\n{"id":2,"address":{"city":"Austin","zip":"73301"}}\n{"id":3}\n']);
    writeFileSync(join(dir, 'twice.jsonl'), '\n{"a.b":1,"a":{"b":2}}\n');
    const twice = veil(['scan', 'twice.jsonl'], { cwd: dir });
    expect([twice.status, twice.stderr]).toEqual([3, 'veil: twice.jsonl:2: the input names column "a.b" (#2) twice: a policy cannot tell the two apart, so nothing is read; rename one [INPUT_DUPLICATE_COLUMN]\n']);
  });
});

describe('the command line names a typo as a typo', () => {
  it('a mistyped required option is an unknown option with its suggestion, not a missing one; a missing one is named', () => {
    const typo = veil(['apply', 'in.csv', '--polcy', 'p.yaml']);
    expect([typo.status, typo.stderr]).toEqual([2, "veil: error: unknown option '--polcy'\n(Did you mean --policy?)\n"]);
    const missing = veil(['apply', 'in.csv']);
    expect([missing.status, missing.stderr]).toEqual([2, "veil: error: required option '--policy <file>' not specified\n"]);
    const hash = veil(['hash', '--colum', 'email']);
    expect([hash.status, hash.stderr]).toEqual([2, "veil: error: unknown option '--colum'\n(Did you mean --column?)\n"]);
  });
});
