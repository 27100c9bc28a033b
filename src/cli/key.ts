// Where the secret key comes from: --key-file FILE (the file's bytes, less one
// trailing line break) or the VEIL_KEY environment variable. Never printed.
// Refused: keys under 16 bytes, keys no generator made (a repeated byte, a
// repeated pattern, a short alphabet: under 128 bits by lib/key.ts keyBits),
// and the public demo key unless the run says it is the demo.

import { READ_LIMITS, readBoundedSync } from '../io/files.js';
import { readFailure } from '../policy/file.js';
import { VeilError } from '../lib/errors.js';
import { DEMO_KEY, keyBits, MIN_KEY_BITS, MIN_KEY_BYTES, SecretKey, type LoadedKey } from '../lib/key.js';

export type { LoadedKey } from '../lib/key.js';

export async function loadKey(keyFile: string | undefined, env: NodeJS.ProcessEnv, allowDemo = false): Promise<LoadedKey | undefined> {
  let bytes: Buffer;
  let source: string;
  if (keyFile !== undefined) {
    try {
      bytes = readBoundedSync(keyFile, READ_LIMITS.key);
    } catch (e) {
      throw new VeilError({ kind: 'key', code: 'KEY_UNREADABLE', detail: readFailure(e) });
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
  const isDemo = bytes.toString('utf8') === DEMO_KEY;
  if (isDemo && !allowDemo) throw new VeilError({ kind: 'key', code: 'KEY_DEMO' });
  const { bits, distinct } = keyBits(bytes);
  if (!isDemo && (distinct < 4 || bits < MIN_KEY_BITS)) {
    throw new VeilError({ kind: 'key', code: 'KEY_WEAK', detail: distinct < 4 ? `${distinct} distinct bytes` : `at most ${Math.floor(bits)} bits` });
  }
  const key = new SecretKey(bytes);
  bytes.fill(0);
  return { key, source };
}
