// Files and standard streams: inputs hashed as they are read (and gunzipped
// after hashing), outputs written to a temporary file in the target folder
// and renamed into place only on success, so a file appears whole or not at all.

import { createHash, randomBytes, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createWriteStream, fstatSync, mkdtempSync, openSync, promises as fsp, readSync, rmSync } from 'node:fs';
import { isatty } from 'node:tty';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable, type Writable } from 'node:stream';
import { constants as zlibConstants, createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { VeilError } from '../lib/errors.js';
import { errnoText } from '../lib/errno.js';
import type { Encoding } from './formats.js';

/** Temporary files (and private folders) not yet renamed or removed: removed on a signal or a broken pipe. */
const temporaryFiles = new Set<string>();
/** What stops work in progress before its files are removed (a DuckDB query's interrupt), each settling when the work has stopped. */
const interrupts = new Set<() => Promise<void> | void>();
let stopping = false;

/**
 * Where a run keeps what it has not finished: `.<name>.veil-<pid>-<random>.tmp`
 * beside each file it writes (output, report, plan, rejects), and
 * `veil-stdin.<pid>.<random>.tmp` in the temporary folder (standard input or
 * a pipe, spooled for k-anonymity's two passes: the raw input). A run that is
 * killed with SIGKILL, or whose machine stops, leaves them: sweepOrphans
 * removes those whose process is gone. A private folder of the temporary
 * folder, `veil-<purpose>-<pid>-<random>` (0700: DuckDB's spill files, which
 * hold raw values), is swept the same way.
 */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.veil-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}
const ORPHAN = /^(?:\..+\.veil-(\d+)-[0-9a-f]{8}|veil-stdin\.(\d+)\.[0-9a-f]{8})\.tmp$/;
const ORPHAN_FOLDER = /^veil-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;

/** Is a process of this id running (or there, but not ours to signal)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of veil runs that are gone from `dir`: named as
 * veil names them, owned by this user, of a process id no process holds (a
 * run in another PID namespace sharing the folder would look gone: keep such
 * runs apart). `only` limits it to the temporary files of one target name.
 * Returns the paths removed.
 */
export async function sweepOrphans(dir: string, only?: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const name of names) {
    const m = ORPHAN.exec(name);
    const folder = only === undefined ? ORPHAN_FOLDER.exec(name) : null;
    if (!(m || folder) || (only !== undefined && !name.startsWith(`.${only}.veil-`))) continue;
    const pid = Number(m ? (m[1] ?? m[2]) : folder![1]);
    if (pid === process.pid || alive(pid)) continue;
    const path = join(dir, name);
    try {
      const st = await fsp.lstat(path);
      if (!(m ? st.isFile() : st.isDirectory()) || (uid !== undefined && st.uid !== uid)) continue;
      await fsp.rm(path, { force: true, recursive: folder !== null });
      removed.push(path);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/** Removes the temporary files and folders. */
export function removeTemporaryFiles(): void {
  for (const path of temporaryFiles) rmSync(path, { force: true, recursive: true });
  temporaryFiles.clear();
}

/**
 * On a signal: stops the work in progress (each interrupt registered) and
 * waits until it has stopped, at most `ms` (an engine's threads must not be
 * writing into a folder being removed, nor be torn down mid-call at exit).
 * From then on, `isStopping()`: errors of the stopped work are not reported.
 */
export async function stopWork(ms: number): Promise<void> {
  stopping = true;
  const stopped = [...interrupts].map(async (stop) => {
    try {
      await stop();
    } catch {
      // stopping is best effort: the files go regardless
    }
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(stopped), new Promise((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
}

export const isStopping = (): boolean => stopping;

/** Registers what stops work in progress on a signal; returns its removal. */
export function onInterrupt(stop: () => Promise<void> | void): () => void {
  interrupts.add(stop);
  return () => void interrupts.delete(stop);
}

/**
 * A folder of the temporary folder that only this user can enter (0700),
 * `veil-<purpose>-<pid>-<random>`, for files another writer makes (DuckDB's
 * spill files): removed on a signal, by `remove`, or by sweepOrphans once its
 * process is gone.
 */
export function privateFolder(purpose: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `veil-${purpose}-${process.pid}-`));
  temporaryFiles.add(path);
  return {
    path,
    remove: () => {
      rmSync(path, { force: true, recursive: true });
      temporaryFiles.delete(path);
    },
  };
}

/** Counts and hashes the bytes that pass. */
export class ByteTap extends Transform {
  bytes = 0;
  /** `hash`: one that other taps feed too (several files digested as one). */
  constructor(readonly hash: Hash = createHash('sha256')) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
  digest(): string {
    return this.hash.copy().digest('hex');
  }
}

export interface OpenInput {
  readonly stream: Readable;
  readonly tap: ByteTap;
  /** Stops reading and closes the file (also when the input was not read to its end). */
  close(): void;
}

/**
 * What standard input holds, read from its first bytes and put back: gzip
 * (1f 8b) and, inside it or not, JSON Lines (a '{' first). Undefined on a
 * terminal, whose first bytes a user has not typed yet.
 */
export async function sniffStdin(): Promise<{ gzip: boolean; jsonl: boolean; parquet: boolean } | undefined> {
  const stdin = process.stdin;
  if (stdin.isTTY) return undefined;
  const chunk = await new Promise<Buffer | null>((done, fail) => {
    const read = () => {
      const c = stdin.read() as Buffer | null;
      if (c !== null) return finish(c);
      if (stdin.readableEnded) return finish(null);
    };
    const finish = (c: Buffer | null) => {
      stdin.off('readable', read).off('end', end).off('error', fail);
      done(c);
    };
    const end = () => finish(null);
    stdin.on('readable', read).once('end', end).once('error', fail);
    read();
  });
  if (chunk === null) return { gzip: false, jsonl: false, parquet: false };
  stdin.unshift(chunk);
  const gzip = chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
  let head = chunk;
  if (gzip) {
    try {
      head = gunzipSync(chunk, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      head = Buffer.alloc(0);
    }
  }
  const first = head.toString('utf8', 0, Math.min(head.length, 4096)).replace(/^\uFEFF/, '').trimStart();
  return { gzip, jsonl: first.startsWith('{'), parquet: !gzip && chunk.subarray(0, 4).toString('latin1') === 'PAR1' };
}

/** The first line of a file (gunzipped, decoded), from its first 64 KiB; undefined if it cannot be read. */
export function firstLineOf(path: string, gzip: boolean, encoding: Encoding): string | undefined {
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(1 << 16);
      let bytes = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
      if (gzip) bytes = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      const text = encoding === 'utf-8' ? bytes.toString('utf8') : bytes.toString('latin1');
      return text.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Opens a file (or stdin for undefined or "-"); the tap sees the bytes as stored, before gunzip. */
export async function openInput(path: string | undefined, gzip: boolean, encoding: Encoding = 'utf-8', hash?: Hash): Promise<OpenInput> {
  const tap = new ByteTap(hash);
  let source: Readable;
  if (path === undefined || path === '-') {
    source = process.stdin;
  } else {
    try {
      const handle = await fsp.open(path, 'r');
      // A directory opens on Linux, and fails only when read: say so here (exit 3, not an internal error).
      if ((await handle.stat()).isDirectory()) {
        await handle.close();
        throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      }
      // Reads of 1 MiB: with 64 KiB ones, reading 419 MB took 0.46 s of the main thread's time against 0.10 s.
      source = handle.createReadStream({ highWaterMark: 1 << 20 });
    } catch (e) {
      throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `a readable file (${errnoText((e as NodeJS.ErrnoException).code)})` });
    }
  }
  source.on('error', (e) => tap.destroy(e));
  let stream: Readable = source.pipe(tap);
  if (gzip) {
    const gunzip = createGunzip();
    tap.on('error', (e) => gunzip.destroy(e));
    gunzip.on('error', () => undefined);
    stream = tap.pipe(gunzip);
    stream = wrapGzipErrors(stream);
  }
  if (encoding !== 'utf-8') stream = toUtf8(stream, encoding);
  return {
    stream,
    tap,
    close() {
      if (source !== process.stdin) source.destroy();
      stream.destroy();
    },
  };
}

/**
 * A single-byte encoding's bytes as UTF-8, chunk by chunk (each byte is one
 * character, so a chunk converts on its own): latin1 is ISO-8859-1, cp1252
 * Windows' Western code page (Excel's CSV on Windows: 0x80 is the euro sign).
 */
function toUtf8(stream: Readable, encoding: Exclude<Encoding, 'utf-8'>): Readable {
  const out = new Transform({
    transform: (chunk: Buffer, _e, done) => done(null, Buffer.from(encoding === 'cp1252' ? cp1252(chunk) : chunk.toString('latin1'), 'utf8')),
  });
  stream.on('error', (e) => out.destroy(e));
  return stream.pipe(out);
}

/** Windows-1252's characters for the bytes 0x80 to 0x9f (where it differs from latin1; its five unassigned bytes stay C1 controls, as WHATWG decodes them). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Windows-1252 bytes as text (Node's TextDecoder reads the label as latin1: 0x80 would not be the euro sign). */
function cp1252(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!)) : text;
}

function wrapGzipErrors(stream: Readable): Readable {
  const out = new Transform({ transform: (chunk, _e, done) => done(null, chunk) });
  stream.on('error', (e: NodeJS.ErrnoException) => {
    out.destroy(e.code?.startsWith('Z_') ? new VeilError({ kind: 'input', code: 'INPUT_GZIP' }) : e);
  });
  return stream.pipe(out);
}

/**
 * Where output goes: a temporary file renamed on commit, or standard output.
 * A write that fails (a full disk, /dev/full) fails every later write and
 * the end, never leaves a wait for room that will not come: the run stops
 * with OUTPUT_WRITE_FAILED instead of exiting 0 with a truncated file, or
 * hanging with worker threads.
 */
/**
 * A temporary name beside `path` for a file another writer fills (DuckDB's
 * COPY): removed on a signal or a broken pipe until released.
 */
export function temporaryFor(path: string): { readonly path: string; release(): void } {
  const temp = temporaryName(path);
  temporaryFiles.add(temp);
  return { path: temp, release: () => void temporaryFiles.delete(temp) };
}

export interface Sink {
  readonly tap: ByteTap;
  /** Writes text (or its UTF-8 bytes), waiting while the target has no room; rejects once writing has failed. */
  write(text: string | Uint8Array): Promise<void>;
  /** Ends the stream and waits until every byte is written. */
  end(): Promise<void>;
  /** Moves the temporary file into place. */
  commit(): Promise<void>;
  /** Removes the temporary file (safe to call twice, and after commit it does nothing). */
  abort(): Promise<void>;
}

export interface SinkOptions {
  /** Created with only the owner's read and write permission, whatever the umask (the rejects hold raw rows). */
  readonly private?: boolean;
}

export async function openSink(path: string | undefined, gzip: boolean, stdout: Writable, options: SinkOptions = {}): Promise<Sink> {
  const tap = new ByteTap();
  const named = path === undefined || path === '-' ? '<stdout>' : path;
  let failure: VeilError | undefined;
  let rejectFailed!: (e: VeilError) => void;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  const fail = (e: NodeJS.ErrnoException): void => {
    if (failure) return;
    failure = e instanceof VeilError ? e : new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path: named, errno: e.code ?? 'error' });
    rejectFailed(failure);
  };
  const write = async (text: string | Uint8Array): Promise<void> => {
    if (failure) throw failure;
    if (!tap.write(text)) await Promise.race([once(tap, 'drain'), failed]);
    if (failure) throw failure;
  };
  /** Ends the tap and waits for `done` (the target has every byte), or the failure. */
  const finish = async (done: Promise<unknown>): Promise<void> => {
    if (failure) throw failure;
    tap.end();
    await Promise.race([done, failed]);
  };

  if (path === undefined || path === '-') {
    // A regular file or a device as standard output (> out.csv, > /dev/full) is written through a file
    // stream, which retries short writes and reports errors, rather than through Node's synchronous
    // stdout, which ignores a short write (the last bytes before a disk fills) and exits 0.
    const target = stdout === process.stdout && isFileOrDevice(1) ? createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 1 << 20 }) : stdout;
    target.on('error', fail);
    tap.pipe(target, { end: target !== stdout });
    const flushed = target === stdout ? drained(tap, stdout) : once(target, 'finish');
    flushed.catch(() => undefined);
    return { tap, write, end: () => finish(flushed), commit: async () => undefined, abort: async () => undefined };
  }
  // A device or pipe (-o /dev/null, a FIFO) is written in place: renaming over it would replace it.
  const special = await fsp.stat(path).then((st) => !st.isFile(), () => false);
  const temp = special ? path : temporaryName(path);
  if (!special) temporaryFiles.add(temp);
  const file = createWriteStream(temp, { flags: special ? 'w' : 'wx', highWaterMark: 1 << 20, ...(options.private && { mode: 0o600 }) });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  }).catch((e: NodeJS.ErrnoException) => {
    temporaryFiles.delete(temp);
    throw new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path, ...(e.code !== undefined && { errno: e.code }) });
  });
  // The umask can only take permissions away; this makes sure no other bit is there either.
  if (options.private && !special) await fsp.chmod(temp, 0o600);
  file.on('error', fail);
  let head: Writable = file;
  if (gzip) {
    const gz = createGzip();
    gz.on('error', fail);
    gz.pipe(file);
    head = gz;
  }
  tap.pipe(head);
  const flushed = once(file, 'finish');
  flushed.catch(() => undefined);
  let state: 'open' | 'committed' | 'aborted' = 'open';
  return {
    tap,
    write,
    end: () => finish(flushed),
    async commit() {
      if (special) return;
      await fsp.rename(temp, path).catch(fail);
      if (failure) throw failure;
      temporaryFiles.delete(temp);
      state = 'committed';
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      tap.unpipe();
      file.destroy();
      if (special) return;
      await fsp.rm(temp, { force: true });
      temporaryFiles.delete(temp);
    },
  };
}

/** Is this descriptor a regular file or a device (not a pipe, socket or terminal)? */
function isFileOrDevice(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFile() || (st.isCharacterDevice() && !isatty(fd));
  } catch {
    return false;
  }
}

/** Resolves when the tap has ended and standard output has taken every byte. */
function drained(tap: ByteTap, stdout: Writable): Promise<void> {
  return new Promise((resolve) => {
    tap.once('end', () => {
      if (stdout.writableNeedDrain) stdout.once('drain', () => resolve());
      else resolve();
    });
  });
}

export interface Staged {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Writes a whole small file (the report) to a temporary file beside its
 * target; commit renames it into place. Staging before the output is
 * committed means a report that cannot be written leaves no output either.
 */
export async function stageFile(path: string, text: string): Promise<Staged> {
  const temp = temporaryName(path);
  temporaryFiles.add(temp);
  const fail = async (e: unknown): Promise<never> => {
    await fsp.rm(temp, { force: true });
    temporaryFiles.delete(temp);
    throw new VeilError({ kind: 'io', code: 'REPORT_WRITE_FAILED', path, errno: (e as NodeJS.ErrnoException).code ?? 'error' });
  };
  await fsp.writeFile(temp, text, { flag: 'wx' }).catch(fail);
  return {
    commit: async () => {
      await fsp.rename(temp, path).catch(fail);
      temporaryFiles.delete(temp);
    },
    abort: async () => {
      await fsp.rm(temp, { force: true });
      temporaryFiles.delete(temp);
    },
  };
}

/** Can this input be read twice? stdin, pipes (a FIFO, `<(zcat ...)`) and devices cannot; a path that cannot be looked at is left for openInput to report. */
export async function readableTwice(path: string | undefined): Promise<boolean> {
  if (path === undefined || path === '-') return false;
  try {
    return (await fsp.stat(path)).isFile();
  } catch {
    return true;
  }
}

/** Copies stdin (or a pipe's path) to a temporary file, its bytes as they are (a gzipped input stays gzipped), for reading twice; removed by removeSpool, on a signal or on exit. */
export async function spoolInput(path: string | undefined): Promise<string> {
  const spool = join(tmpdir(), `veil-stdin.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  temporaryFiles.add(spool);
  const stdin = path === undefined || path === '-';
  try {
    const source = stdin ? process.stdin : (await fsp.open(path, 'r')).createReadStream();
    source.on('error', () => undefined); // reported by pipeline() below
    await pipeline(source, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
  } catch (e) {
    await removeSpool(spool);
    const what = stdin ? 'a readable standard input' : 'a readable file';
    throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `${what} (${errnoText((e as NodeJS.ErrnoException).code)})` });
  }
  return spool;
}

export async function removeSpool(path: string): Promise<void> {
  await fsp.rm(path, { force: true });
  temporaryFiles.delete(path);
}

/**
 * What a path names, to tell whether two paths are one file: its device and
 * inode when it exists (a link or another spelling of the same file), else its
 * absolute path; undefined for a device or pipe (several outputs may go to
 * /dev/null).
 */
export async function fileIdentity(path: string): Promise<string | undefined> {
  try {
    const st = await fsp.stat(path);
    if (!st.isFile() && !st.isDirectory()) return undefined;
    return `${st.dev}:${st.ino}`;
  } catch {
    return resolve(path);
  }
}

/** The most veil reads of a file the command line or the policy names. */
export const READ_LIMITS = {
  policy: 16 << 20,
  key: 64 << 10,
  /** Hierarchies, forget lists, ZIP area lists, plans: data, but never a device that never ends. */
  data: 1 << 30,
} as const;

/** Why a file cannot be read whole within `limit` bytes: not a regular file or pipe (a device, /dev/zero), or too large. */
export class BoundedReadError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const describeLimit = (limit: number) => (limit >= 1 << 30 ? `${limit / (1 << 30)} GiB` : limit >= 1 << 20 ? `${limit / (1 << 20)} MiB` : `${limit / 1024} KiB`);

/**
 * Reads a regular file, or a pipe (`<(...)`), of at most `limit` bytes. A
 * device (/dev/zero), a directory, a socket or a larger file throws
 * BoundedReadError, or the system's error: never a read without end.
 */
export function readBoundedSync(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isFIFO()) throw new BoundedReadError(st.isDirectory() ? 'a directory' : 'not a regular file');
    if (st.isFile() && st.size > limit) throw new BoundedReadError(`larger than ${describeLimit(limit)}`);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      parts.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw new BoundedReadError(`larger than ${describeLimit(limit)}`);
    }
    return Buffer.concat(parts, total);
  } finally {
    closeSync(fd);
  }
}
