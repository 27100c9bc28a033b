// Faults and hostile input, as an operator whose disk fills up and an
// attacker who writes the input would try them: a full filesystem (a small
// tmpfs where the test can mount one), /dev/full, a worker thread that dies,
// a run killed outright, bytes that are not UTF-8, numbers a double would
// change, nesting without end, dates at the year limits, files named twice,
// a directory as input, devices that never end, CSV injection. Each asserts
// the exit code, the message, and that nothing partial or temporary is left.

import { spawn, spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSink } from '../src/io/files.js';
import { utf8Text } from '../src/io/utf8.js';
import { writeInThreads } from '../src/engines/stream/threads.js';
import { BIN, REPO, TEST_KEY, tempDir, veil } from './helpers.js';
import { query } from './duckdb-query.js';

const POLICY = join(REPO, 'fixtures/demo/policy.yaml');
const env = { ...process.env, VEIL_KEY: TEST_KEY };
let data: string;
/** 40,000 demo-like rows, about 6.6 MB: larger than the small filesystem, and 26 pieces for worker threads. */
let big: string;

/** A 1 MiB tmpfs, when this process may mount one (root with the capability); else undefined, with the reason printed. */
let full: string | undefined;
beforeAll(() => {
  data = tempDir();
  big = join(data, 'big.csv');
  writeFileSync(big, spawnSync(process.execPath, [join(REPO, 'test/bench/generate.mjs'), '--rows', '40000', '--seed', '5'], { maxBuffer: 1 << 30 }).stdout);
  const dir = join(data, 'full');
  mkdirSync(dir);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  if (mount.status === 0) full = dir;
  else console.log(`faults: no small tmpfs (mount: ${mount.stderr?.toString().trim() || mount.error?.message}); the full-filesystem cases run on /dev/full and an injected ENOSPC only`);
});
afterAll(() => {
  if (full) spawnSync('umount', [full]);
});

const sh = (script: string) => spawnSync('bash', ['-c', script], { env, timeout: 60_000 });
const OUTPUT_FAILED = /^veil: cannot write the output \S+ \(ENOSPC\) \[OUTPUT_WRITE_FAILED\]\n$/;

describe('a full disk', () => {
  it('on standard output: exit 4 with the message, never exit 0 with a truncated file', () => {
    const devfull = sh(`node ${BIN} apply ${big} --policy ${POLICY} > /dev/full`);
    expect(devfull.status).toBe(4);
    expect(devfull.stderr.toString()).toMatch(OUTPUT_FAILED);
    if (!full) return;
    const run = sh(`node ${BIN} apply ${big} --policy ${POLICY} > ${full}/stdout.csv`);
    expect(run.status).toBe(4);
    expect(run.stderr.toString()).toMatch(OUTPUT_FAILED);
    sh(`rm -f ${full}/stdout.csv`);
  });

  it('on -o, with one thread and with worker threads: exit 4 with the message, no hang, no temporary file left', () => {
    for (const threads of ['1', '2']) {
      const dev = veil(['apply', big, '--policy', POLICY, '-o', '/dev/full', '--threads', threads]);
      expect(dev.status, `/dev/full, --threads ${threads}`).toBe(4);
      expect(dev.stderr).toBe('veil: cannot write the output /dev/full (ENOSPC) [OUTPUT_WRITE_FAILED]\n');
      if (!full) continue;
      const run = spawnSync(process.execPath, [BIN, 'apply', big, '--policy', POLICY, '-o', join(full, 'out.csv'), '--report', join(full, 'r.json'), '--threads', threads], { env, timeout: 60_000 });
      expect(run.status, `tmpfs, --threads ${threads}`).toBe(4);
      expect(run.stderr.toString()).toBe(`veil: cannot write the output ${join(full, 'out.csv')} (ENOSPC) [OUTPUT_WRITE_FAILED]\n`);
      expect(readdirSync(full)).toEqual([]);
    }
  });

  it('injected (ENOSPC from the file system, in process): every later write and the end fail, none waits for room', async () => {
    let taken = 0;
    const disk = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, done) {
        taken += chunk.length;
        if (taken > 4096) done(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
        else setTimeout(done, 1);
      },
    });
    const sink = await openSink(undefined, false, disk);
    const failure = { problems: [{ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: '<stdout>', errno: 'ENOSPC' }] };
    await expect(
      (async () => {
        for (let i = 0; i < 1000; i++) await sink.write('x'.repeat(512));
      })(),
    ).rejects.toMatchObject(failure);
    await expect(sink.end()).rejects.toMatchObject(failure);
  });

  it('a worker thread that dies fails the run instead of leaving it waiting', async () => {
    // Under vitest the worker's module (src/engines/stream/worker.js) does not exist: each worker dies as it starts.
    const piece = (seq: number) => ({ seq, line: 1 + seq, bytes: Buffer.from('a\n1\n') });
    const input = (async function* () {
      for (let i = 0; i < 8; i++) yield piece(i);
    })();
    const results = writeInThreads(input, 2, { policyText: 'version: 1\ncolumns: { a: keep }\n', policyPath: 'p.yaml', header: ['a'], settings: { inputFormat: 'csv', delimiter: ',', outputFormat: 'csv', outputDelimiter: ',', seed: undefined, escapeFormulas: false }, key: undefined });
    await expect((async () => {
      for await (const _ of results) void _;
    })()).rejects.toThrow();
  });
});

describe('a run killed outright', () => {
  it('leaves a spool of raw input that the next run, or veil clean, removes once its process is gone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'k.yaml'), 'version: 1\ncolumns: { age: keep, name: keep }\nk_anonymity: { k: 2, quasi_identifiers: [age] }\n');
    const before = new Set(readdirSync(tmpdir()));
    const child = spawn(process.execPath, [BIN, 'apply', '--policy', join(dir, 'k.yaml'), '-o', join(dir, 'out.csv')], { env });
    child.stdin.write('age,name\n30,Ann\n'); // stdin stays open: the spool is being written
    let spool: string | undefined;
    for (let i = 0; i < 200 && !spool; i++) {
      await new Promise((r) => setTimeout(r, 20));
      spool = readdirSync(tmpdir()).find((f) => !before.has(f) && f.startsWith(`veil-stdin.${child.pid}.`));
    }
    expect(spool).toBeDefined();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(join(tmpdir(), spool!))).toBe(true); // SIGKILL cannot be caught
    // Beside it, an unfinished output of the same dead run.
    writeFileSync(join(dir, `.out.csv.veil-${child.pid}-0badcafe.tmp`), 'age,name\n');
    const clean = veil(['clean', dir]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain(join(tmpdir(), spool!));
    expect(clean.stdout).toContain(join(dir, `.out.csv.veil-${child.pid}-0badcafe.tmp`));
    expect(existsSync(join(tmpdir(), spool!))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['k.yaml']);
    // A live process's files are left alone.
    writeFileSync(join(dir, `.out.csv.veil-${process.pid}-0badcafe.tmp`), '');
    expect(veil(['clean', dir]).stdout).toBe('');
    expect(existsSync(join(dir, `.out.csv.veil-${process.pid}-0badcafe.tmp`))).toBe(true);
  });
});

describe('more equivalence classes than a call takes arguments', () => {
  it('veil check on 200,000 distinct rows says NOT met (exit 1), and k-anonymity at k=1 measures 150,000 classes', () => {
    const dir = tempDir();
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},x`);
    writeFileSync(join(dir, 'unique.csv'), `id,v\n${rows.join('\n')}\n`);
    const check = veil(['check', 'unique.csv', '--qi', 'id', '--k', '2'], { cwd: dir });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/200000 rows in 200000 classes; smallest class 1 rows/);
    writeFileSync(join(dir, 'k1.yaml'), 'version: 1\ncolumns: { id: keep, v: keep }\nk_anonymity: { k: 1, quasi_identifiers: [id] }\n');
    writeFileSync(join(dir, 'u150.csv'), `id,v\n${rows.slice(0, 150_000).join('\n')}\n`);
    const run = veil(['apply', 'u150.csv', '--policy', 'k1.yaml', '-o', 'out.csv', '--report', 'r.json', '-q'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).privacy.k_anonymity.achieved.classes).toBe(150_000);
  });
});

describe('bytes that are not UTF-8', () => {
  it('fail closed with the line (exit 3, never the bytes), in every reader; valid text passes byte for byte', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { id: keep, email: hash }\n');
    writeFileSync(join(dir, 'k.yaml'), 'version: 1\ncolumns: { id: keep, email: hash }\nk_anonymity: { k: 1, quasi_identifiers: [id] }\n');
    for (const bad of [0xff, 0xfe, 0xc3]) {
      writeFileSync(join(dir, 'bad.csv'), Buffer.concat([Buffer.from('id,email\n1,a@x.org\n2,b'), Buffer.from([bad]), Buffer.from('@x.org\n')]));
      for (const args of [['apply', 'bad.csv', '--policy', 'p.yaml'], ['apply', 'bad.csv', '--policy', 'k.yaml'], ['check', 'bad.csv', '--qi', 'email', '--k', '1'], ['scan', 'bad.csv']]) {
        const run = veil(args, { cwd: dir });
        expect(run.status, args.join(' ')).toBe(3);
        expect(run.stderr).toBe('veil: bad.csv:3: the input is not valid UTF-8: if it was saved by Excel or another Windows program, try --encoding cp1252 (or latin1; the policy can say input: { encoding: cp1252 }) [INPUT_NOT_UTF8]\n');
        expect(run.stdout).toBe('');
      }
    }
  });

  it('streamed in chunks cut anywhere: the same text as decoded whole, or the error at the line of the first invalid byte', async () => {
    const byte = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0x61, 0x0a, 0x2c) }, { weight: 3, arbitrary: fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }), async (bytes, cuts) => {
        const all = Buffer.from(bytes);
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < all.length; i++) {
          const n = cuts[i % cuts.length]!;
          chunks.push(all.subarray(at, at + n));
          at += n;
        }
        const read = (async () => {
          let text = '';
          for await (const t of utf8Text((async function* () { yield* chunks; })())) text += t;
          return text;
        })();
        if (isUtf8(all)) expect(await read).toBe(all.toString('utf8'));
        else {
          // The line of the first byte that starts no valid sequence (or of the end, for a sequence cut short).
          let first = 0;
          while (first <= all.length && isUtf8(all.subarray(0, first + 1)) && first < all.length) first++;
          const err = await read.then(() => undefined, (e: { problems: { code: string; line: number }[] }) => e.problems[0]);
          expect(err?.code).toBe('INPUT_NOT_UTF8');
          const prefixLines = all.subarray(0, Math.min(first, all.length)).toString('latin1').split('\n').length;
          expect(err!.line).toBeLessThanOrEqual(prefixLines);
          expect(err!.line).toBeGreaterThanOrEqual(all.subarray(0, Math.max(0, first - 3)).toString('latin1').split('\n').length);
        }
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});

describe('JSON Lines as written', () => {
  it('keep passes numbers through as written: big integers, exponents, -0, trailing zeros (property)', () => {
    const number = fc.oneof(
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: -400, max: 400 })).map(([m, f, e]) => `${m}.${f}e${e}`),
      fc.constantFrom('-0', '-0.0', '0', '0.0', '1.50', '1e309', '-1e-400', '0.0000001', '1E5', '12345678901234567890123', '0.30000000000000004', '123456789012.123456', '-9007199254740993'),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, number, fc.string({ maxLength: 5 }).map((x) => JSON.stringify(x)), fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`), fc.constant('null'), fc.constant('true')),
    })).v;
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { a: keep, b: keep }\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 20 }), (rows) => {
        const text = `${rows.map(([a, b]) => `{"a":${a},"b":${b}}`).join('\n')}\n`;
        writeFileSync(join(dir, 'in.jsonl'), text);
        const run = veil(['apply', 'in.jsonl', '--policy', 'p.yaml', '-q'], { cwd: dir, env: {} as NodeJS.ProcessEnv });
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe(text);
      }),
      { numRuns: 25, seed: 17 },
    );
  });

  it('a record nested 10,000 levels deep is an input error with its line (exit 3), not a crash', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { a: keep }\n');
    writeFileSync(join(dir, 'deep.jsonl'), `{"a":1}\n{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}\n`);
    const run = veil(['apply', 'deep.jsonl', '--policy', 'p.yaml'], { cwd: dir });
    expect(run.status).toBe(3);
    expect(run.stderr).toBe('veil: deep.jsonl:2: the record nests objects and arrays more than 1000 levels deep [JSON_TOO_DEEP]\n');
  });
});

describe('dates at the year limits', () => {
  it('a date shifted past 9999 or an ISO week before 0000 is an input error, never 10000-01-14 or 00-1-W52', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'late.csv'), `id,d\n${Array.from({ length: 8 }, (_, i) => `${i},9999-12-31`).join('\n')}\n`);
    writeFileSync(join(dir, 'shift.yaml'), 'version: 1\ncolumns:\n  id: keep\n  d: { transform: date-shift, max_days: 30, by: id }\n');
    const shift = veil(['apply', 'late.csv', '--policy', 'shift.yaml'], { cwd: dir });
    expect(shift.status).toBe(3);
    expect(shift.stderr).toMatch(/^veil: late\.csv:\d+: column "d" \(#2\): expected a date that stays within the years 0000-9999 when shifted by up to 30 days \[VALUE_DATE_OUT_OF_RANGE\]\n$/);
    writeFileSync(join(dir, 'early.csv'), 'd\n0000-01-01\n');
    writeFileSync(join(dir, 'week.yaml'), 'version: 1\ncolumns:\n  d: { transform: generalize, to: week }\n');
    const week = veil(['apply', 'early.csv', '--policy', 'week.yaml'], { cwd: dir });
    expect(week.status).toBe(3);
    expect(week.stderr).toMatch(/VALUE_DATE_OUT_OF_RANGE/);
  });
});

describe('files named twice, directories and devices', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'id,email\n1,a@x.org\n');
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { id: keep, email: hash }\n');
  });

  it('output, report, plan and rejects must be distinct files, also through a link (exit 2, nothing written)', () => {
    const same = veil(['apply', 'in.csv', '--policy', 'p.yaml', '-o', 'x.csv', '--report', 'x.csv'], { cwd: dir });
    expect(same.status).toBe(2);
    expect(same.stderr).toBe('veil: --report x.csv is the same file as --output x.csv: each must be a file of its own [USAGE_PATHS]\n');
    writeFileSync(join(dir, 'target.json'), '{}');
    symlinkSync(join(dir, 'target.json'), join(dir, 'link.json'));
    const linked = veil(['apply', 'in.csv', '--policy', 'p.yaml', '-o', 'target.json', '--output-format', 'csv', '--report', 'link.json'], { cwd: dir });
    expect(linked.status).toBe(2);
    const input = veil(['apply', 'in.csv', '--policy', 'p.yaml', '--report', 'in.csv'], { cwd: dir });
    expect(input.status).toBe(2);
    expect(input.stderr).toMatch(/--report in\.csv is the same file as the input/);
    expect(readFileSync(join(dir, 'in.csv'), 'utf8')).toBe('id,email\n1,a@x.org\n');
    expect(readdirSync(dir).sort()).toEqual(['in.csv', 'link.json', 'p.yaml', 'target.json']);
  });

  it('a directory as input is an input error (exit 3)', () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    const run = veil(['apply', 'adir', '--policy', 'p.yaml'], { cwd: dir });
    expect(run.status).toBe(3);
    expect(run.stderr).toBe('veil: adir: cannot read the input: expected a readable file (a directory, not a file, EISDIR) [INPUT_UNREADABLE]\n');
  });

  it('a device that never ends, or a file too large, as policy, key or hierarchy: exit 2 at once, not a read without end', () => {
    const policy = veil(['apply', 'in.csv', '--policy', '/dev/zero'], { cwd: dir });
    expect(policy.status).toBe(2);
    expect(policy.stderr).toBe('veil: /dev/zero: cannot read the policy (not a regular file) [POLICY_UNREADABLE]\n');
    const key = veil(['apply', 'in.csv', '--policy', 'p.yaml', '--key-file', '/dev/zero'], { cwd: dir });
    expect(key.status).toBe(2);
    expect(key.stderr).toBe('veil: cannot read the key file (not a regular file) [KEY_UNREADABLE]\n');
    writeFileSync(join(dir, 'huge.key'), 'k'.repeat(70_000));
    expect(veil(['apply', 'in.csv', '--policy', 'p.yaml', '--key-file', 'huge.key'], { cwd: dir }).stderr).toBe('veil: cannot read the key file (larger than 64 KiB) [KEY_UNREADABLE]\n');
    writeFileSync(join(dir, 'h.yaml'), 'version: 1\ncolumns:\n  id: keep\n  email: { transform: generalize, hierarchy: /dev/zero }\n');
    const hierarchy = veil(['apply', 'in.csv', '--policy', 'h.yaml'], { cwd: dir });
    expect(hierarchy.status).toBe(2);
    expect(hierarchy.stderr).toMatch(/columns\.email\.hierarchy: expected a readable ARX hierarchy file, found \/dev\/zero \(not a regular file\) \[POLICY_HIERARCHY\]/);
    // A key through a pipe (process substitution) still works.
    const piped = spawnSync('bash', ['-c', `node ${BIN} apply in.csv --policy p.yaml --key-file <(printf '%s' '${TEST_KEY}') -q`], { cwd: dir });
    expect(piped.status).toBe(0);
    expect(piped.stdout.toString()).toBe(veil(['apply', 'in.csv', '--policy', 'p.yaml', '-q'], { cwd: dir }).stdout);
  });
});

describe('file modes', () => {
  it('the rejects (raw rows) are created 0600 whatever the umask; output and report follow it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'age,n\n1,a\nx,b\n');
    writeFileSync(join(dir, 'q.yaml'), 'version: 1\non_invalid: quarantine\ncolumns:\n  age: { transform: keep, type: integer }\n  n: keep\n');
    const run = spawnSync('bash', ['-c', `umask 000; exec node ${BIN} apply in.csv --policy q.yaml --rejects rejects.jsonl -o out.csv --report r.json -q`], { cwd: dir, env });
    expect(run.status).toBe(0);
    expect(statSync(join(dir, 'rejects.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'out.csv')).mode & 0o777).toBe(0o666);
    expect(statSync(join(dir, 'r.json')).mode & 0o777).toBe(0o666);
  });
});

describe('CSV injection', () => {
  it('--escape-formulas writes cells a spreadsheet would run after a quote, numbers aside; scan warns about them', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.csv'), 'a,b\n=1+1,-5\n@SUM(A1),x\n+cmd,-x\n"=HYPERLINK(""http://e/?""&A1)",1\n');
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\ncolumns: { a: keep, b: keep }\n');
    const plain = veil(['apply', 'in.csv', '--policy', 'p.yaml', '-q'], { cwd: dir });
    expect(plain.stdout.split('\n')[1]).toBe('=1+1,-5');
    const escaped = veil(['apply', 'in.csv', '--policy', 'p.yaml', '-q', '--escape-formulas', '--report', 'r.json'], { cwd: dir });
    expect(escaped.stdout).toBe('a,b\n\'=1+1,-5\n\'@SUM(A1),x\n\'+cmd,\'-x\n"\'=HYPERLINK(""http://e/?""&A1)",1\n');
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).output.escape_formulas).toBe(true);
    const scan = veil(['scan', 'in.csv'], { cwd: dir });
    expect(scan.stderr).toBe('veil scan: warning: values a spreadsheet would run as formulas (=, +, -, @ first): a (4), b (1); write CSV with veil apply --escape-formulas\n');
  });
});

describe('signals', () => {
  it('SIGTERM mid-run with worker threads removes the temporary output and report (exit 143)', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'apply', big, '--policy', POLICY, '--threads', '2', '-o', join(dir, 'out.csv'), '--report', join(dir, 'r.json')], { env });
    for (let i = 0; i < 300 && !readdirSync(dir).some((f) => f.endsWith('.tmp')); i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.on('exit', (c) => r(c)))).toBe(143);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("DuckDB's spill files and signals", () => {
  // 1.5M rows under a 96 MB memory limit: what DuckDB holds spills (raw values among it). The one pass that writes
  // and counts the rows needs more than 64 MB: the order the output keeps holds its chunks while veil's functions run.
  let pq: string;
  let policy: string;
  beforeAll(async () => {
    const dir = tempDir();
    pq = join(dir, 'spill.parquet');
    policy = join(dir, 'spill.yaml');
    writeFileSync(policy, 'version: 1\nunlisted: keep\ncolumns:\n  email: { transform: hash }\n');
    await query(`COPY (SELECT i AS id, 'user' || i || '@example.com' AS email, 'note number ' || i || ' for the visit' AS note FROM range(1500000) t(i)) TO '${pq}' (FORMAT parquet)`);
  });
  const start = (out: string) => spawn(process.execPath, [BIN, 'apply', pq, '--policy', policy, '-o', out, '-q'], { env: { ...env, VEIL_DUCKDB_MEMORY: '96MB' } });
  /** The run's private spill folder once it holds a spill file (or undefined if the run ended first). */
  async function spilling(pid: number, exited: () => boolean): Promise<string | undefined> {
    for (let i = 0; i < 3000 && !exited(); i++) {
      const name = readdirSync(tmpdir()).find((f) => f.startsWith(`veil-duckdb-${pid}-`));
      if (name && readdirSync(join(tmpdir(), name)).length > 0) return join(tmpdir(), name);
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  it('spills into a folder only its user can enter (0700, files 0600) that veil clean removes after a SIGKILL', async () => {
    const dir = tempDir();
    const child = start(join(dir, 'out.parquet'));
    let exited = false;
    child.on('exit', () => (exited = true));
    const folder = await spilling(child.pid!, () => exited);
    expect(folder, 'the run spilled').toBeDefined();
    expect(statSync(folder!).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(folder!)) expect(statSync(join(folder!, f)).mode & 0o777).toBe(0o600);
    child.kill('SIGKILL');
    await new Promise((r) => (exited ? r(undefined) : child.on('exit', r)));
    expect(existsSync(folder!)).toBe(true); // SIGKILL cannot be caught
    const clean = veil(['clean', dir]);
    expect(clean.stdout.split('\n')).toContain(folder);
    expect(existsSync(folder!)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-run interrupts DuckDB and removes the spill folder and the temporary output (exit ${code})`, async () => {
      const dir = tempDir();
      const child = start(join(dir, 'out.parquet'));
      let exited = false;
      const exit = new Promise<number | null>((r) => child.on('exit', (c) => ((exited = true), r(c))));
      const folder = await spilling(child.pid!, () => exited);
      expect(folder, 'the run spilled').toBeDefined();
      child.kill(signal);
      expect(await exit).toBe(code);
      expect(existsSync(folder!)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('a run that ends removes its spill folder, and its output has the mode the umask gives', () => {
    const dir = tempDir();
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('veil-duckdb-'));
    const r = spawnSync('sh', ['-c', `umask 022 && exec "${process.execPath}" "${BIN}" apply "${pq}" --policy "${policy}" -o "${join(dir, 'out.parquet')}" -q`], { env: { ...env, VEIL_DUCKDB_MEMORY: '96MB' } });
    expect(r.stderr.toString()).toMatch(/^(veil: warning: [^\n]*\n)*$/);
    expect(r.status).toBe(0);
    expect(statSync(join(dir, 'out.parquet')).mode & 0o777).toBe(0o644);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('veil-duckdb-') && !before.includes(f))).toEqual([]);
  });
});

describe('DuckDB out of memory', () => {
  it('is its own coded error (exit 4, nothing written), not an input error that the streaming engine reads again', () => {
    // k=10 on the 30,162 Adult rows under a 1 MB limit: DuckDB cannot hold what it cannot spill. The streaming engine
    // would meet the run's bar, but it was not asked: a read error would have handed it the rows.
    const dir = tempDir();
    const policy = join(dir, 'k.yaml');
    writeFileSync(policy, 'version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\nk_anonymity:\n  k: 10\n  quasi_identifiers: [sex, age, race, marital-status, education, native-country, workclass, occupation]\n');
    const out = join(dir, 'out.csv');
    const report = join(dir, 'report.json');
    const r = spawnSync(process.execPath, [BIN, 'apply', join(REPO, 'fixtures/adult/adult.csv'), '--delimiter', ';', '--policy', policy, '--engine', 'duckdb', '-o', out, '--report', report], { env: { ...env, VEIL_DUCKDB_MEMORY: '1MB' }, encoding: 'utf8' });
    expect(r.status).toBe(4);
    expect(r.stderr).toBe('veil: the duckdb engine ran out of memory under its limit of 1MB (what it could not spill): give it more (--memory 4GB), or run it with --engine stream, whose memory follows the policy, not the input (docs/engines.md) [ENGINE_OUT_OF_MEMORY]\n');
    expect(readdirSync(dir).sort()).toEqual(['k.yaml']);
  });
});

describe('--memory: a cap on the duckdb engine, DuckDB and veil', () => {
  const adult = join(REPO, 'fixtures/adult/adult.csv');
  const kPolicy = (dir: string) => {
    const policy = join(dir, 'k.yaml');
    writeFileSync(policy, 'version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\nk_anonymity:\n  k: 10\n  quasi_identifiers: [sex, age, race, marital-status, education, native-country, workclass, occupation]\n');
    return policy;
  };
  const apply = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [BIN, 'apply', ...args], { env: { ...env, ...extra }, encoding: 'utf8' });

  it('stops before writing when the partitioner\'s groups would take more than half of it, and says what would do', () => {
    // Adult's 8 quasi-identifiers make 18,109 groups: about 19 MB at 128 bytes a value, more than half of 30 MB.
    const dir = tempDir();
    const policy = kPolicy(dir);
    const r = apply([adult, '--delimiter', ';', '--policy', policy, '--engine', 'duckdb', '-o', join(dir, 'out.csv'), '--report', join(dir, 'r.json'), '--memory', '30MB']);
    expect(r.status).toBe(4);
    expect(r.stderr).toBe(
      "veil: k-anonymity's 18,109 groups of quasi-identifier values need about 19MB of memory, more than half of the memory cap of 30MB: nothing was written; give it a cap of at least twice that (--memory), or fewer combinations (coarser quasi-identifiers, hierarchies) (docs/engines.md) [MEMORY_CAP_TOO_SMALL]\n",
    );
    expect(readdirSync(dir).sort()).toEqual(['k.yaml']);
    // Twice that runs, k met, and the report says what capped it; VEIL_DUCKDB_MEMORY is the same cap by its older name.
    for (const [args, extra, from] of [[['--memory', '60MB'], {}, '--memory'], [[], { VEIL_DUCKDB_MEMORY: '60MB' }, 'VEIL_DUCKDB_MEMORY']] as const) {
      const ok = apply([adult, '--delimiter', ';', '--policy', policy, '--engine', 'duckdb', '-o', join(dir, 'out.csv'), '--report', join(dir, 'r.json'), '-q', ...args], extra);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(report.engine.memory_limit).toBe('60MB');
      expect(report.engine.memory_cap).toBe(`60MB (${from}): DuckDB's limit and veil's tables`);
      const sizes = new Map<string, number>();
      const [head, ...lines] = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
      const cols = head!.split(';');
      const qi = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation'].map((n) => cols.indexOf(n));
      for (const line of lines) {
        const cells = line.split(';');
        const key = JSON.stringify(qi.map((j) => cells[j]));
        sizes.set(key, (sizes.get(key) ?? 0) + 1);
      }
      expect(lines.length).toBe(30162);
      expect(Math.min(...sizes.values())).toBeGreaterThanOrEqual(10);
    }
  });

  it('holds a CSV record to what its read buffers may take under the cap, and refuses a last record DuckDB would drop', () => {
    // Under 64MB on two threads a record may take 1 MiB (the cap over 32 a thread). DuckDB 1.4 reads a last record
    // longer than its read buffer (twice the limit) as no record at all: 1 row in, 1 out, no error. It is refused.
    const dir = tempDir();
    const policy = join(dir, 'p.yaml');
    writeFileSync(policy, 'version: 1\ncolumns:\n  id: keep\n  note: redact\n');
    const input = join(dir, 'in.csv');
    writeFileSync(input, `id,note\n1,short\n2,${'x'.repeat(3 << 20)}\n`);
    const r = apply([input, '--policy', policy, '--engine', 'duckdb', '--threads', '2', '--memory', '64MB', '-o', join(dir, 'out.csv')]);
    expect(r.stderr).toBe(`veil: ${input}:3: a record is longer than the duckdb engine reads (at most 1 MiB under the memory cap of 64MB): run it with --engine stream, which holds a record whole in memory [CSV_RECORD_TOO_LONG]\n`);
    expect(r.status).toBe(3);
    // Without the cap, the record limit is 32 MiB, and the record is read.
    const ok = apply([input, '--policy', policy, '--engine', 'duckdb', '--threads', '2', '-o', join(dir, 'out.csv'), '-q']);
    expect(ok.status).toBe(0);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('id,note\n1,[REDACTED]\n2,[REDACTED]\n');
    // Past DuckDB's 64 MiB buffer, gzipped (read through to its end): refused, where DuckDB said 1 row.
    const gz = join(dir, 'big.csv.gz');
    writeFileSync(gz, gzipSync(Buffer.from(`id,note\n1,short\n2,${'x'.repeat(70 << 20)}\n`)));
    const big = apply([gz, '--policy', policy, '--engine', 'duckdb', '-o', join(dir, 'big.csv')]);
    expect(big.stderr).toBe(`veil: ${gz}:3: a record is longer than the duckdb engine reads (at most 32 MiB): run it with --engine stream, which holds a record whole in memory [CSV_RECORD_TOO_LONG]\n`);
    expect(big.status).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['big.csv.gz', 'in.csv', 'out.csv', 'p.yaml']);
  });

  it('is a size, checked, by either name; the streaming engine says it is not capped', () => {
    const dir = tempDir();
    const policy = kPolicy(dir);
    for (const [args, extra, said] of [
      [['--memory', 'lots'], {}, '--memory "lots"'],
      [['--memory', '0.5MB'], {}, '--memory "0.5MB"'],
      [[], { VEIL_DUCKDB_MEMORY: '4 gigs' }, 'VEIL_DUCKDB_MEMORY "4 gigs"'],
    ] as const) {
      const r = apply([adult, '--delimiter', ';', '--policy', policy, '-o', join(dir, 'out.csv'), ...args], extra);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`veil: invalid ${said}: expected a size of at least 1MB, such as 400MB, 1.5GB or 512MiB [USAGE_MEMORY]\n`);
    }
    const r = apply([adult, '--delimiter', ';', '--policy', policy, '--engine', 'stream', '-o', join(dir, 'out.csv'), '--memory', '1GiB']);
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe('veil: --memory caps the duckdb engine; the streaming engine runs these rows, and its memory follows the policy, not the cap (docs/engines.md)');
  });
});
