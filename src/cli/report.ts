// `veil report report.json -o report.html`: the HTML report of a JSON report
// made earlier (a CI artifact, say), rendered by src/report/html.ts.

import { VeilError } from '../lib/errors.js';
import { htmlRenderer } from '../report/renderer.js';
import { BoundedReadError, READ_LIMITS, readBoundedSync, stageFile } from '../io/files.js';
import type { Streams } from '../engines/request.js';
import { EXIT } from './exit-codes.js';

export interface ReportFlags {
  readonly output?: string;
}

export async function runReport(input: string, flags: ReportFlags, io: Streams): Promise<number> {
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(readBoundedSync(input, READ_LIMITS.data).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof BoundedReadError ? e.message : e instanceof SyntaxError ? 'not valid JSON' : ((e as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new VeilError({ kind: 'usage', code: 'USAGE_REPORT', detail: `${input}: ${why}` });
  }
  if (report === null || typeof report !== 'object' || (report.tool as { name?: string } | undefined)?.name !== 'veil') {
    throw new VeilError({ kind: 'usage', code: 'USAGE_REPORT', detail: `${input}: not a veil report` });
  }
  const html = htmlRenderer()(report);
  if (flags.output === undefined || flags.output === '-') {
    io.stdout.write(html);
    return EXIT.OK;
  }
  const staged = await stageFile(flags.output, html);
  await staged.commit();
  return EXIT.OK;
}
