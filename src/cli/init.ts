// `veil init`: a commented starter policy from an input's header, to edit
// before the first run. Reads the header only (the first record of JSON
// Lines); never overwrites a file unless --force says so.

import { existsSync } from 'node:fs';
import { VeilError } from '../lib/errors.js';
import { starterPolicy } from '../policy/scan.js';
import { stageFile } from '../io/files.js';
import { openRows } from '../engines/rows.js';
import { TRANSFORMS } from '../transforms/index.js';
import type { Streams } from '../engines/request.js';
import { draftSettings } from './scan.js';
import { EXIT } from './exit-codes.js';

export interface InitFlags {
  readonly output?: string;
  readonly force?: boolean;
  readonly delimiter?: string;
  readonly inputFormat?: string;
  readonly encoding?: string;
}

export async function runInit(input: string | undefined, f: InitFlags, io: Streams): Promise<number> {
  const s = await draftSettings(input, f);
  const { path, format, delimiter } = s;
  if (f.output !== undefined && f.output !== '-' && existsSync(f.output) && !f.force) {
    throw new VeilError({ kind: 'usage', code: 'USAGE_PATHS', detail: `${f.output} exists: veil init does not overwrite a policy (--force to replace it)` });
  }
  const source = await openRows(s, { limit: 1 });
  let header: readonly string[] | undefined;
  try {
    outer: for await (const batch of source.events) {
      for (const event of batch) {
        if ('header' in event) {
          header = event.header;
          break outer;
        }
      }
    }
  } finally {
    await source.close();
  }
  if (!header) throw new VeilError({ kind: 'input', code: 'CSV_NO_HEADER' });
  const text = starterPolicy(header, path ?? 'stdin', TRANSFORMS, format === 'csv' ? delimiter : undefined);
  if (f.output === undefined || f.output === '-') io.stdout.write(text);
  else {
    const staged = await stageFile(f.output, text);
    await staged.commit();
    io.stderr.write(`veil init: wrote ${f.output} (${header.length} columns): read it, then veil validate ${f.output}\n`);
  }
  return EXIT.OK;
}
