// The policy file: read, checked whole (every problem at once), and hashed
// for the report. Worker threads load the same text again. The policy and the
// files it names are read whole but bounded: a regular file or a pipe, never a
// device without end (a hierarchy of /dev/zero grew to 16.8 GB).

import { isUtf8 } from 'node:buffer';
import { dirname, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { VeilError } from '../lib/errors.js';
import { loadPolicy, type Policy } from './load.js';
import { BoundedReadError, READ_LIMITS, readBoundedSync } from '../io/files.js';
import { errnoText } from '../lib/errno.js';

/** Reads and checks the policy file; every problem is reported at once. */
export async function readPolicy(path: string): Promise<{ policy: Policy; sha256: string; text: string; files: readonly string[] }> {
  let bytes: Buffer;
  try {
    bytes = readBoundedSync(path, READ_LIMITS.policy);
    if (!isUtf8(bytes)) throw new BoundedReadError('not UTF-8');
  } catch (e) {
    throw new VeilError({ kind: 'policy', code: 'POLICY_UNREADABLE', path: '', found: readFailure(e) });
  }
  const text = bytes.toString('utf8');
  const files: string[] = [];
  return { policy: await policyFromText(text, path, files), sha256: createHash('sha256').update(bytes).digest('hex'), text, files };
}

/** A policy from its text; the files it names are read relative to `path` (and their names, as written, pushed to `read`). */
export async function policyFromText(text: string, path: string, read: string[] = []): Promise<Policy> {
  const base = dirname(resolve(path));
  // Hierarchies, forget lists, ZIP area lists: regular files or pipes, of at most 1 GiB, in UTF-8.
  const result = await loadPolicy(text, (relative) => {
    try {
      const bytes = readBoundedSync(resolve(base, relative), READ_LIMITS.data);
      if (!isUtf8(bytes)) throw new BoundedReadError('not UTF-8');
      read.push(relative);
      return { text: bytes.toString('utf8') };
    } catch (e) {
      return { errno: readFailure(e) };
    }
  });
  if (!result.policy) throw new VeilError(result.problems);
  return result.policy;
}

/** Why a file could not be read, as a message may say it: the system's code, or what made it unreadable. */
export function readFailure(e: unknown): string {
  return e instanceof BoundedReadError ? e.reason : errnoText((e as NodeJS.ErrnoException).code);
}
