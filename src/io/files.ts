// Files and standard streams: inputs hashed as they are read (and gunzipped
// after hashing), outputs written to a temporary file in the target folder
// and renamed into place only on success, so a file appears whole or not at all.

import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable, type Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { VeilError } from '../core/errors.js';

/** Temporary files not yet renamed or removed: removed on a signal or a broken pipe. */
const temporaryFiles = new Set<string>();

export function removeTemporaryFiles(): void {
  for (const path of temporaryFiles) rmSync(path, { force: true });
  temporaryFiles.clear();
}

/** Counts and hashes the bytes that pass. */
export class ByteTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
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

/** Opens a file (or stdin for undefined or "-"); the tap sees the bytes as stored, before gunzip. */
export async function openInput(path: string | undefined, gzip: boolean): Promise<OpenInput> {
  const tap = new ByteTap();
  let source: Readable;
  if (path === undefined || path === '-') {
    source = process.stdin;
  } else {
    try {
      const handle = await fsp.open(path, 'r');
      source = handle.createReadStream({ highWaterMark: 1 << 16 });
    } catch (e) {
      throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `a readable file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
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
  return {
    stream,
    tap,
    close() {
      if (source !== process.stdin) source.destroy();
      stream.destroy();
    },
  };
}

function wrapGzipErrors(stream: Readable): Readable {
  const out = new Transform({ transform: (chunk, _e, done) => done(null, chunk) });
  stream.on('error', (e: NodeJS.ErrnoException) => {
    out.destroy(e.code?.startsWith('Z_') ? new VeilError({ kind: 'input', code: 'INPUT_GZIP' }) : e);
  });
  return stream.pipe(out);
}

/** Where output goes: a temporary file renamed on commit, or a standard stream. */
export interface Sink {
  readonly stream: Writable;
  readonly tap: ByteTap;
  /** Ends the stream and waits until every byte is flushed. */
  end(): Promise<void>;
  /** Moves the temporary file into place. */
  commit(): Promise<void>;
  /** Removes the temporary file (safe to call twice, and after commit it does nothing). */
  abort(): Promise<void>;
}

export async function openSink(path: string | undefined, gzip: boolean, stdout: Writable): Promise<Sink> {
  const tap = new ByteTap();
  if (path === undefined || path === '-') {
    tap.pipe(stdout, { end: false });
    return {
      stream: tap,
      tap,
      end: () => endAndFlush(tap, stdout),
      commit: async () => undefined,
      abort: async () => undefined,
    };
  }
  // A device or pipe (-o /dev/null, a FIFO) is written in place: renaming over it would replace it.
  const special = await fsp.stat(path).then((st) => !st.isFile(), () => false);
  const temp = special ? path : join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  if (!special) temporaryFiles.add(temp);
  const file = createWriteStream(temp, { flags: special ? 'w' : 'wx', highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  }).catch((e: NodeJS.ErrnoException) => {
    temporaryFiles.delete(temp);
    throw new VeilError({ kind: 'io', code: 'OUTPUT_WRITE_FAILED', path, ...(e.code !== undefined && { errno: e.code }) });
  });
  let head: Writable = file;
  if (gzip) {
    const gz = createGzip();
    gz.pipe(file);
    head = gz;
  }
  tap.pipe(head);
  let state: 'open' | 'committed' | 'aborted' = 'open';
  return {
    stream: tap,
    tap,
    end: () =>
      new Promise<void>((resolve, reject) => {
        file.once('error', reject);
        file.once('finish', () => resolve());
        tap.end();
      }),
    async commit() {
      if (special) return;
      await fsp.rename(temp, path);
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

function endAndFlush(tap: ByteTap, stdout: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    tap.once('end', () => {
      if (stdout.writableNeedDrain) stdout.once('drain', () => resolve());
      else resolve();
    });
    stdout.once('error', reject);
    tap.end();
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
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
    await pipeline(source, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
  } catch (e) {
    await removeSpool(spool);
    const what = stdin ? 'a readable standard input' : 'a readable file';
    throw new VeilError({ kind: 'input', code: 'INPUT_UNREADABLE', expected: `${what} (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  return spool;
}

export async function removeSpool(path: string): Promise<void> {
  await fsp.rm(path, { force: true });
  temporaryFiles.delete(path);
}
