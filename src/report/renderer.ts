// Loads the HTML report's renderer (html.ts). It is bundled apart from the
// CLI (dist/bundle/report-html.cjs, with its charting library, about 1.1 MB)
// and loaded only by the runs that render a page, so that no other run
// parses it.

import { createRequire } from 'node:module';
import { VeilError } from '../lib/errors.js';

type Render = (report: Record<string, unknown>) => string;

/** The renderer: the bundle beside the CLI's (dist/bundle/), from the bundled CLI or from dist/ unbundled. */
export function htmlRenderer(): Render {
  const require = createRequire(import.meta.url);
  for (const path of ['./report-html.cjs', '../bundle/report-html.cjs']) {
    try {
      return (require(path) as { renderHtml: Render }).renderHtml;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new VeilError({ kind: 'usage', code: 'USAGE_REPORT', detail: 'the HTML renderer (dist/bundle/report-html.cjs) is missing: run npm run build' });
}
