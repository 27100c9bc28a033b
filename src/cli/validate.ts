// `veil validate`: checks policies with no data and no key (a CI step, an
// editor's save hook): every problem of each file at once, with its line,
// as `apply` would report it. Exit 0 when every policy is valid, 2 otherwise.

import { VeilError } from '../lib/errors.js';
import { readPolicy } from '../policy/file.js';
import { EXIT } from './exit-codes.js';
import { problemText } from './messages.js';

export interface ValidateFlags {
  quiet?: boolean;
}

export async function runValidate(paths: readonly string[], flags: ValidateFlags, io: { stderr: NodeJS.WritableStream }): Promise<number> {
  let code: number = EXIT.OK;
  for (const path of paths) {
    try {
      const { policy } = await readPolicy(path);
      if (!flags.quiet) {
        const what = [
          `${policy.columns.length} column${policy.columns.length === 1 ? '' : 's'}`,
          `unlisted: ${policy.unlisted}`,
          policy.needsKey ? 'needs a key' : 'needs no key',
          ...(policy.kAnonymity ? [`k-anonymity k=${policy.kAnonymity.k}`] : []),
          ...(policy.preset ? [`extends ${policy.preset}`] : []),
        ];
        io.stderr.write(`veil validate: ${path}: valid (${what.join(', ')})\n`);
      }
    } catch (e) {
      if (!(e instanceof VeilError)) throw e;
      for (const p of e.problems) io.stderr.write(`veil: ${problemText(p, { policyFile: path, inputFile: '' })}\n`);
      code = EXIT.USAGE;
    }
  }
  return code;
}
