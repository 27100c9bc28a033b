// The policy file: read, checked whole (every problem at once), and hashed
// for the report. Worker threads load the same text again.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { VeilError } from '../core/errors.js';
import { loadPolicy, type Policy } from '../policy/load.js';

/** Reads and checks the policy file; every problem is reported at once. */
export async function readPolicy(path: string): Promise<{ policy: Policy; sha256: string; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new VeilError({ kind: 'policy', code: 'POLICY_UNREADABLE', path: '', found: (e as NodeJS.ErrnoException).code ?? 'error' });
  }
  const text = bytes.toString('utf8');
  return { policy: await policyFromText(text, path), sha256: createHash('sha256').update(bytes).digest('hex'), text };
}

/** A policy from its text; the files it names are read relative to `path`. */
export async function policyFromText(text: string, path: string): Promise<Policy> {
  const base = dirname(resolve(path));
  const result = await loadPolicy(text, (relative) => {
    try {
      return { text: readFileSync(resolve(base, relative), 'utf8') };
    } catch (e) {
      return { errno: (e as NodeJS.ErrnoException).code ?? 'error' };
    }
  });
  if (!result.policy) throw new VeilError(result.problems);
  return result.policy;
}
