// `veil hash`: the pseudonyms veil's `hash` transform gives a column, one per
// input line, so that a forget list (rows.forget with match: hash) can be
// shared without the personal data it is about:
//   veil hash --column email --policy policy.yaml < emails.txt > forget.txt

import { createInterface } from 'node:readline';
import { VeilError } from '../lib/errors.js';
import { loadPolicy, type Policy } from '../policy/load.js';
import type { Streams } from '../engines/request.js';
import { readPolicy } from '../policy/file.js';
import { loadKey } from './key.js';

export interface HashFlags {
  readonly column: string;
  readonly policy?: string;
  readonly domain?: string;
  readonly normalize?: string;
  readonly length?: string;
  readonly keyFile?: string;
  readonly allowDemoKey?: boolean;
}

async function hashPolicy(f: HashFlags): Promise<Policy> {
  if (f.policy !== undefined) return (await readPolicy(f.policy)).policy;
  const options = [
    'transform: hash',
    ...(f.domain !== undefined ? [`domain: ${JSON.stringify(f.domain)}`] : []),
    ...(f.normalize !== undefined ? [`normalize: ${JSON.stringify(f.normalize)}`] : []),
    ...(f.length !== undefined ? [`length: ${Number(f.length)}`] : []),
  ];
  const result = await loadPolicy(`version: 1\ncolumns:\n  ${JSON.stringify(f.column)}: { ${options.join(', ')} }\n`, () => ({ errno: 'ENOENT' }));
  if (!result.policy) throw new VeilError(result.problems.map((p) => ({ ...p, path: p.path.replace(/^columns\.[^.]+\./, '--') })));
  return result.policy;
}

export async function runHash(f: HashFlags, io: Streams & { stdin: NodeJS.ReadableStream }): Promise<number> {
  const policy = await hashPolicy(f);
  const column = policy.columns.find((c) => c.name === f.column);
  if (!column || column.transform !== 'hash') {
    throw new VeilError({ kind: 'usage', code: 'USAGE', detail: `the policy has no hash column "${f.column}"` });
  }
  const key = await loadKey(f.keyFile, io.env, f.allowDemoKey === true);
  if (!key) throw new VeilError({ kind: 'key', code: 'KEY_MISSING' });
  const pseudonym = await column.configured.create({ column: f.column, key: key.key, seed: undefined, columnIndex: () => 0 });
  let out = '';
  for await (const line of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
    out += `${line === '' ? '' : pseudonym(line, [])}\n`;
    if (out.length > 1 << 16) {
      io.stdout.write(out);
      out = '';
    }
  }
  io.stdout.write(out);
  return 0;
}
