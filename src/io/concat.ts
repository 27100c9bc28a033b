// A glob of JSON Lines files read as one input by our own reader. DuckDB's
// JSON reader is not used for them: it rewrites numbers (1.50 as 1.5, 1e5 as
// 100000.0) and takes a trailing comma and NaN, where veil keeps a number's
// text and refuses the others; a key given twice stops its whole read, with
// a message that quotes the record (docs/engines.md). The files, in the
// order the glob lists them, are copied as UTF-8 text into a private spool
// (a gzipped one unpacked, a byte-order mark dropped, a last line ended),
// and where each file's lines start is kept, so that what the passes say of
// a line of the spool is said of its file and line: an error, and a reject.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { VeilError, type Problem } from '../lib/errors.js';
import { openInput, privateFolder } from './files.js';
import { kindOfPath, type Encoding } from './formats.js';

/** A file's lines in the spool: the first is line `first` of the spool. */
export interface FileLines {
  readonly file: string;
  readonly first: number;
  readonly lines: number;
}

export class ConcatSpool {
  constructor(
    readonly path: string,
    readonly files: readonly FileLines[],
    /** The files' bytes as they are (gzipped ones too) and their SHA-256, as one input: what the report gives. */
    readonly digest: { readonly bytes: number; readonly sha256: string; readonly files?: number },
    private readonly folder: { remove(): void },
  ) {}

  /** The file and line of a line of the spool (undefined past the end). */
  place(line: number): { file: string; line: number } | undefined {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.files[mid]!;
      if (line < f.first) hi = mid - 1;
      else if (line >= f.first + f.lines) lo = mid + 1;
      else return { file: f.file, line: line - f.first + 1 };
    }
    return undefined;
  }

  /** An error with its input problems said of their file and line. */
  placeError(e: unknown): unknown {
    if (!(e instanceof VeilError)) return e;
    const placed = (p: Problem): Problem => {
      if (p.kind !== 'input' || p.file !== undefined) return p;
      const at = p.line === undefined ? undefined : this.place(p.line);
      return at ? { ...p, ...at } : p;
    };
    return new VeilError(e.problems.map(placed));
  }

  /** Rejects (JSON Lines with a `line`) with their file and line. */
  placeRejects(text: string): string {
    return text.replace(/^.+$/gm, (entry) => {
      const reject = JSON.parse(entry) as { line?: number };
      const at = typeof reject.line === 'number' ? this.place(reject.line) : undefined;
      return at ? JSON.stringify({ file: at.file, ...reject, line: at.line }) : entry;
    });
  }

  remove(): void {
    this.folder.remove();
  }
}

/** The files copied into one spool of UTF-8 text, each ending with a line end. */
export async function spoolFiles(files: readonly string[], encoding: Encoding): Promise<ConcatSpool> {
  const folder = privateFolder('files');
  const path = join(folder.path, 'input.jsonl');
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  const placed: FileLines[] = [];
  // One digest of the files' bytes, in order, taken as they are copied (not read again for the report).
  const hash = createHash('sha256');
  let bytesRead = 0;
  try {
    let first = 1;
    for (const file of files) {
      const input = await openInput(file, kindOfPath(file).gzip, encoding, hash).catch((e: unknown) => {
        throw inFile(e, file);
      });
      let lines = 0;
      let last = 0x0a;
      let start = true;
      try {
        for await (const chunk of input.stream) {
          let bytes = chunk as Buffer;
          if (start && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
          start = start && bytes.length === 0;
          if (bytes.length === 0) continue;
          for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) lines++;
          last = bytes[bytes.length - 1]!;
          if (!out.write(bytes)) await once(out, 'drain');
        }
      } catch (e) {
        throw inFile(e, file);
      } finally {
        bytesRead += input.tap.bytes;
        input.close();
      }
      if (last !== 0x0a) {
        out.write('\n');
        lines++;
      }
      placed.push({ file, first, lines });
      first += lines;
    }
    out.end();
    await once(out, 'finish');
    const digest = { bytes: bytesRead, sha256: hash.digest('hex'), ...(files.length > 1 && { files: files.length }) };
    return new ConcatSpool(path, placed, digest, folder);
  } catch (e) {
    out.destroy();
    folder.remove();
    throw e;
  }
}

/** A read error of one of the files (unreadable, a broken gzip stream), said of that file. */
function inFile(e: unknown, file: string): unknown {
  if (!(e instanceof VeilError)) return e;
  return new VeilError(e.problems.map((p) => (p.kind === 'input' && p.file === undefined ? { ...p, file } : p)));
}
