#!/usr/bin/env node
// `npm run bench`: throughput and peak memory of whole processes, each run
// under /usr/bin/time (GNU time, Debian package `time`), median of N runs.
//
//   npm run bench                        # 100k and 1M rows, 3 runs each, then bench-k.mjs
//   npm run bench -- --sizes 100k,1m,10m --runs 5 --k-sizes 1m,10m
//   npm run bench -- --skip-k            # throughput only
//   npm run bench -- --skip-k --breakdown # and where veil's time goes, transform by transform
//   npm run bench -- --skip-k --wide      # and how the time grows with the policy's columns (10k to 100k)
//
// Data: seeded fake patient visits from generate.mjs, written once to
// test/bench/data/ (ignored by git). Commands compared on the same file:
//   veil apply    the README's example policy (fixtures/demo/policy.yaml),
//                 worker threads by default, and with --threads 1
//   veil jsonl    the same policy, JSONL in and out
//   csv round trip  csv-parse -> csv-stringify, no transform (roundtrip.mjs)
//   engines       the README's policy on DuckDB (--engine duckdb), from CSV and from
//                 Parquet to Parquet; the one-hash policy (one-hash-policy.yaml) on both;
//                 spark-policy.yaml on the streaming engine, DuckDB and (with pyspark) a local Spark
//   scrub         scrub-policy.yaml on support tickets (generate-tickets.mjs, one row for every ten), and the
//                 same columns with the ticket redacted whole: the difference per KB of text is scrub's cost
//   miller        `mlr --csv put '$email = sha256($email)'`, when mlr is on the PATH

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const dataDir = join(here, 'data');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100k,1m' },
    runs: { type: 'string', default: '3' },
    'k-sizes': { type: 'string', default: '1m,10m' },
    'skip-k': { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    wide: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map((s) => ({ label: s, rows: Number(s.replace(/k$/i, '000').replace(/m$/i, '000000')) }));
const TIME = '/usr/bin/time';
const BENCH_KEY = 'veil-bench-key-PUBLIC-not-secret';

if (!existsSync(TIME)) {
  console.error('bench: needs GNU time at /usr/bin/time (apt-get install time)');
  process.exit(2);
}
const hasMiller = spawnSync('mlr', ['--version']).status === 0;
// A local Spark for the Spark job's row: VEIL_SPARK_PYTHON, .ci/venv's Python, or python3, with pyspark.
const sparkPython = [process.env.VEIL_SPARK_PYTHON, join(repo, '.ci/venv/bin/python'), 'python3'].find((p) => p && spawnSync(p, ['-c', 'import pyspark'], { stdio: 'ignore' }).status === 0);

/** Support tickets for scrub (generate-tickets.mjs), one for every ten rows of the size: text is slower per row. */
function ticketsFile(rows) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `tickets-${rows}.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`bench: generating ${file}\n`);
    const fd = openSync(file, 'w');
    execFileSync(process.execPath, [join(here, 'generate-tickets.mjs'), '--rows', String(rows), '--seed', '42'], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
  }
  return file;
}

function dataFile(rows, format) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `patients-${rows}.${format}`);
  if (format === 'parquet' && !existsSync(file)) {
    // The CSV as Parquet (every column text), written by DuckDB itself.
    const csv = dataFile(rows, 'csv');
    execFileSync(process.execPath, ['--input-type=module', '-e', `
      import duckdb from '@duckdb/node-api';
      const c = await (await duckdb.DuckDBInstance.create(':memory:')).connect();
      await c.run("COPY (SELECT * FROM read_csv('${csv}', all_varchar = true, header = true)) TO '${file}' (FORMAT parquet, COMPRESSION zstd)");
    `], { cwd: repo, stdio: 'inherit' });
  }
  if (!existsSync(file)) {
    process.stderr.write(`bench: generating ${file}\n`);
    const fd = openSync(file, 'w');
    execFileSync(process.execPath, [join(here, 'generate.mjs'), '--rows', String(rows), '--seed', '42', '--format', format], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
  }
  return file;
}

/** Runs a command under GNU time; returns seconds (wall) and peak resident memory in MB. */
function measure(argv) {
  const r = spawnSync(TIME, ['-f', 'BENCH %e %M', ...argv], {
    cwd: repo,
    env: { ...process.env, VEIL_KEY: BENCH_KEY },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 24,
  });
  const line = r.stderr.toString().split('\n').find((l) => l.startsWith('BENCH '));
  if (r.status !== 0 || !line) throw new Error(`bench: command failed: ${argv.join(' ')}\n${r.stderr}`);
  const [, seconds, kb] = line.split(' ');
  return { seconds: Number(seconds), mb: Number(kb) / 1024 };
}

/** The Spark job of spark-policy.yaml, written once by veil spark-job. */
function sparkJob() {
  const job = join(tmpdir(), 'veil-bench-spark-job.py');
  execFileSync(process.execPath, [join(repo, 'bin', 'veil.js'), 'spark-job', '--policy', join(here, 'spark-policy.yaml'), '--header-from', dataFile(sizes[0].rows, 'csv'), '-o', job], { stdio: 'inherit' });
  return job;
}

/** The bytes of the ticket column (the last one) of a tickets file. */
function ticketTextBytes(file) {
  let bytes = 0;
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const at = line.indexOf(',"');
    if (line) bytes += Buffer.byteLength(at >= 0 ? line.slice(at + 2, -1).replace(/""/g, '"') : line.slice(line.lastIndexOf(',') + 1));
  }
  return bytes;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const veil = join(repo, 'bin', 'veil.js');
const policy = join(repo, 'fixtures', 'demo', 'policy.yaml');
const rows = [];
for (const size of sizes) {
  const csv = dataFile(size.rows, 'csv');
  const jsonl = dataFile(size.rows, 'jsonl');
  const commands = [
    { name: 'veil apply (csv)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', policy, '-q'] },
    { name: 'veil apply (csv, --threads 1)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', policy, '-q', '--threads', '1'] },
    { name: 'veil apply (jsonl)', file: jsonl, argv: [process.execPath, veil, 'apply', jsonl, '--policy', policy, '-q'] },
    { name: 'veil apply (jsonl, --threads 1)', file: jsonl, argv: [process.execPath, veil, 'apply', jsonl, '--policy', policy, '-q', '--threads', '1'] },
    { name: 'csv-parse/stringify round trip', file: csv, argv: [process.execPath, join(here, 'roundtrip.mjs'), csv] },
    { name: 'veil apply, noise on 2 columns', file: csv, valuesPerRow: 2, argv: [process.execPath, veil, 'apply', csv, '--policy', join(here, 'noise-policy.yaml'), '-q'] },
    // The engines: the same policies on DuckDB (--engine duckdb), Parquet in and out, and the one-hash policy.
    { name: 'veil apply --engine duckdb (csv)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', policy, '-q', '--engine', 'duckdb', '-o', join(tmpdir(), 'veil-bench-out.csv')] },
    { name: 'veil apply parquet -> parquet', file: dataFile(size.rows, 'parquet'), argv: [process.execPath, veil, 'apply', dataFile(size.rows, 'parquet'), '--policy', policy, '-q', '-o', join(tmpdir(), 'veil-bench-out.parquet')] },
    { name: 'veil apply, one hash (stream)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', join(here, 'one-hash-policy.yaml'), '-q'] },
    // The engine's own limit beside veil, on the same Parquet file in the same run: a hand-written COPY that hashes the email.
    { name: 'veil apply, one hash (parquet -> parquet)', file: dataFile(size.rows, 'parquet'), argv: [process.execPath, veil, 'apply', dataFile(size.rows, 'parquet'), '--policy', join(here, 'one-hash-policy.yaml'), '-q', '-o', join(tmpdir(), 'veil-bench-out.parquet')] },
    { name: 'duckdb COPY sha256(email), by hand (parquet -> parquet)', file: dataFile(size.rows, 'parquet'), argv: [process.execPath, '--input-type=module', '-e', `
      import duckdb from '@duckdb/node-api';
      const c = await (await duckdb.DuckDBInstance.create(':memory:')).connect();
      await c.run("COPY (SELECT * REPLACE (sha256(email) AS email) FROM read_parquet('${dataFile(size.rows, 'parquet')}')) TO '${join(tmpdir(), 'veil-bench-hand.parquet')}' (FORMAT parquet, COMPRESSION zstd)");
    `] },
    { name: 'veil apply, one hash (duckdb)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', join(here, 'one-hash-policy.yaml'), '-q', '--engine', 'duckdb', '-o', join(tmpdir(), 'veil-bench-out.csv')] },
    // One policy that every engine runs (spark-policy.yaml): the streaming engine, DuckDB, and the Spark job on a local Spark.
    { name: 'spark policy (stream)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', join(here, 'spark-policy.yaml'), '-q'] },
    { name: 'spark policy (duckdb)', file: csv, argv: [process.execPath, veil, 'apply', csv, '--policy', join(here, 'spark-policy.yaml'), '-q', '--engine', 'duckdb', '-o', join(tmpdir(), 'veil-bench-out.csv')] },
    ...(sparkPython ? [{ name: 'spark policy (spark local job)', file: csv, argv: ['sh', '-c', `rm -rf "$0" && PYSPARK_PYTHON="$1" exec "$1" "$2" "$3" "$0"`, join(tmpdir(), 'veil-bench-spark-out'), sparkPython, sparkJob(), csv] }] : []),
    // scrub on support tickets, and the same columns with the ticket redacted whole: the difference is scrub's cost.
    { name: 'scrub tickets (1 in 10 rows)', file: ticketsFile(size.rows / 10), textRows: size.rows / 10, argv: [process.execPath, veil, 'apply', ticketsFile(size.rows / 10), '--policy', join(here, 'scrub-policy.yaml'), '-q', '-o', join(tmpdir(), 'veil-bench-out.csv')] },
    { name: 'tickets redacted (baseline)', file: ticketsFile(size.rows / 10), textRows: size.rows / 10, argv: [process.execPath, veil, 'apply', ticketsFile(size.rows / 10), '--policy', join(here, 'scrub-baseline-policy.yaml'), '-q', '-o', join(tmpdir(), 'veil-bench-out.csv')] },
    ...(hasMiller ? [{ name: 'miller sha256(email)', file: csv, argv: ['mlr', '--csv', 'put', '$email = sha256($email)', csv] }] : []),
  ];
  for (const c of commands) {
    const samples = Array.from({ length: runs }, () => measure(c.argv));
    const seconds = median(samples.map((s) => s.seconds));
    const bytes = statSync(c.file).size;
    rows.push({
      rows: size.label,
      command: c.name,
      seconds,
      mbPerSecond: bytes / 1e6 / seconds,
      rowsPerSecond: (c.textRows ?? size.rows) / seconds,
      peakMb: Math.max(...samples.map((s) => s.mb)),
      inputMb: bytes / 1e6,
      valuesPerSecond: c.valuesPerRow ? (c.valuesPerRow * size.rows) / seconds : undefined,
    });
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`veil bench: median of ${runs} runs, whole processes (GNU time), node ${process.version}`);
console.log(`${pad('rows', 6)}${pad('command', 36)}${pad('input MB', 10)}${pad('seconds', 9)}${pad('MB/s', 8)}${pad('rows/s', 11)}peak MB`);
for (const r of rows) {
  console.log(
    `${pad(r.rows, 6)}${pad(r.command, 36)}${pad(r.inputMb.toFixed(1), 10)}${pad(r.seconds.toFixed(2), 9)}${pad(r.mbPerSecond.toFixed(1), 8)}${pad(Math.round(r.rowsPerSecond), 11)}${pad(r.peakMb.toFixed(0), 9)}${r.valuesPerSecond ? `${Math.round(r.valuesPerSecond)} noised values/s` : ''}`,
  );
}
if (hasMiller) {
  // The issue's bar: veil's throughput on the same file as Miller's (Miller doing one unkeyed sha256).
  for (const size of sizes) {
    const miller = rows.find((r) => r.rows === size.label && r.command.startsWith('miller'));
    for (const r of rows.filter((x) => x.rows === size.label && (x.command.startsWith('veil apply (csv') || x.command.includes('duckdb') || x.command.includes('one hash')))) {
      console.log(`${size.label}: ${r.command} at ${(r.mbPerSecond / miller.mbPerSecond).toFixed(2)}x Miller's throughput (${r.mbPerSecond.toFixed(1)} / ${miller.mbPerSecond.toFixed(1)} MB/s), ${r.peakMb.toFixed(0)} MB peak against ${miller.peakMb.toFixed(0)} MB`);
    }
  }
} else console.log('(miller not on the PATH: apt-get install miller to compare)');
for (const size of sizes) {
  // scrub's cost per KB of ticket text: the scrub run's time less the baseline's, over the ticket column's bytes.
  const scrubbed = rows.find((r) => r.rows === size.label && r.command.startsWith('scrub tickets'));
  const baseline = rows.find((r) => r.rows === size.label && r.command.startsWith('tickets redacted'));
  if (!scrubbed || !baseline) continue;
  const text = ticketTextBytes(ticketsFile(size.rows / 10));
  console.log(`${size.label}: scrub costs ${(((scrubbed.seconds - baseline.seconds) / (text / 1024)) * 1000).toFixed(3)} ms per KB of ticket text (wall, ${(text / 1e6).toFixed(1)} MB of text, both worker threads)`);
}
if (!sparkPython) console.log('(no Python with pyspark: the Spark job row is left out; python3 -m venv .ci/venv && .ci/venv/bin/pip install pyspark)');
else console.log('(the Spark job row: GNU time sees the Python driver; Spark\'s JVM is its child, and its memory is counted only as far as the driver waits for it)');

if (values.breakdown) {
  // Where the time goes, on the largest CSV, one thread: every column redacted (reading, a constant per
  // cell, writing), then the README policy's transform of one column at a time (the others redacted),
  // then the whole policy. What each adds over the first is its cost.
  const size = sizes[sizes.length - 1];
  const csv = dataFile(size.rows, 'csv');
  const demo = parseYaml(readFileSync(policy, 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'veil-bench-breakdown-'));
  const variant = (name, columns) => {
    const file = join(work, `${name}.yaml`);
    const all = Object.fromEntries(Object.keys(demo.columns).map((c) => [c, 'redact']));
    writeFileSync(file, JSON.stringify({ version: 1, unlisted: 'error', columns: { ...all, ...columns } }));
    return { name, file };
  };
  const variants = [
    variant('every column redacted', {}),
    ...Object.entries(demo.columns)
      .filter(([, spec]) => spec !== 'redact' && spec?.transform !== 'redact')
      .map(([column, spec]) => variant(`+ ${column}: ${typeof spec === 'string' ? spec : spec.transform}`, { [column]: spec })),
    { name: 'the whole policy', file: policy },
  ];
  console.log(`\nwhere the time goes: ${size.label} rows (CSV, --threads 1); each policy run in turn with the first, ${runs} pairs, median of the differences; "keep" adds the residual-PII check of the kept column`);
  console.log(`${pad('policy', 40)}${pad('seconds', 9)}added, per row`);
  const time = (v) => measure([process.execPath, veil, 'apply', csv, '--policy', v.file, '-q', '--threads', '1']).seconds;
  const [first, ...others] = variants;
  const firstTimes = [];
  const added = others.map((v) => {
    const pairs = Array.from({ length: runs }, () => {
      const a = time(first);
      firstTimes.push(a);
      const seconds = time(v);
      return { seconds, more: seconds - a };
    });
    return { v, seconds: median(pairs.map((p) => p.seconds)), more: median(pairs.map((p) => p.more)) };
  });
  const base = median(firstTimes);
  console.log(`${pad(first.name, 40)}${pad(base.toFixed(2), 9)}${((base / size.rows) * 1e6).toFixed(2)} µs (all of it, starting Node included)`);
  for (const { v, seconds, more } of added) console.log(`${pad(v.name, 40)}${pad(seconds.toFixed(2), 9)}${((more / size.rows) * 1e6).toFixed(2)} µs`);
  rmSync(work, { recursive: true, force: true });
}

if (values.wide) {
  // A policy of n columns (all keep) on one row of n columns: the time should grow about linearly with n
  // (it grew quadratically while the YAML parser compared each key with every key before it).
  const work = mkdtempSync(join(tmpdir(), 'veil-bench-wide-'));
  console.log(`\npolicy size: n columns, one row, median of ${runs} runs`);
  console.log(`${pad('columns', 10)}${pad('seconds', 9)}${pad('per 1000', 10)}peak MB`);
  for (const n of [10_000, 20_000, 40_000, 100_000]) {
    const names = Array.from({ length: n }, (_, i) => `c${i}`);
    const policyFile = join(work, `wide-${n}.yaml`);
    const csv = join(work, `wide-${n}.csv`);
    writeFileSync(policyFile, `version: 1\ncolumns:\n${names.map((c) => `  ${c}: keep\n`).join('')}`);
    writeFileSync(csv, `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`);
    const samples = Array.from({ length: runs }, () => measure([process.execPath, veil, 'apply', csv, '--policy', policyFile, '-q']));
    const seconds = median(samples.map((x) => x.seconds));
    console.log(`${pad(String(n), 10)}${pad(seconds.toFixed(2), 9)}${pad(((seconds / n) * 1000).toFixed(3), 10)}${Math.max(...samples.map((x) => x.mb)).toFixed(0)}`);
  }
  rmSync(work, { recursive: true, force: true });
}

if (!values['skip-k']) {
  console.log('');
  execFileSync(process.execPath, [join(here, 'bench-k.mjs'), '--sizes', values['k-sizes'], '--runs', values.runs], { stdio: 'inherit' });
}
