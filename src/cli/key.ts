// Where the secret key comes from: --key-file FILE (the file's bytes, less one
// trailing line break) or the VEIL_KEY environment variable. Never printed.

import { readFile } from 'node:fs/promises';
import { VeilError } from '../core/errors.js';
import { MIN_KEY_BYTES, SecretKey } from '../lib/key.js';

export interface LoadedKey {
  readonly key: SecretKey;
  /** Where it came from, for the report: "VEIL_KEY" or "--key-file PATH". */
  readonly source: string;
}

export async function loadKey(keyFile: string | undefined, env: NodeJS.ProcessEnv): Promise<LoadedKey | undefined> {
  let bytes: Buffer;
  let source: string;
  if (keyFile !== undefined) {
    try {
      bytes = await readFile(keyFile);
    } catch (e) {
      throw new VeilError({ kind: 'key', code: 'KEY_UNREADABLE', detail: (e as NodeJS.ErrnoException).code ?? 'error' });
    }
    const end = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? bytes.length - 2 : bytes.length - 1) : bytes.length;
    bytes = bytes.subarray(0, end);
    source = `--key-file ${keyFile}`;
  } else if (env.VEIL_KEY !== undefined) {
    bytes = Buffer.from(env.VEIL_KEY, 'utf8');
    source = 'VEIL_KEY';
  } else {
    return undefined;
  }
  if (bytes.length < MIN_KEY_BYTES) throw new VeilError({ kind: 'key', code: 'KEY_TOO_SHORT', detail: `${bytes.length} bytes` });
  const key = new SecretKey(bytes);
  bytes.fill(0);
  return { key, source };
}
