// `veil scan`: what each column of a file holds (personal data, role, type),
// from a sample of rows, and optionally a draft policy. Prints at most a
// short masked example of any value.

import { VeilError } from '../lib/errors.js';
import { cellText } from '../lib/cell.js';
import { ColumnScan, draftPolicy, type ColumnFinding } from '../policy/scan.js';
import { parseDocument, stringify } from 'yaml';
import type { Registry } from '../detect/index.js';
import { firstLineOf, READ_LIMITS, readBoundedSync, stageFile } from '../io/files.js';
import { readFailure } from '../policy/file.js';
import { recognizersFile } from '../policy/recognizers.js';
import { kindOfPath, sniffDelimiter } from '../io/formats.js';
import { resolveInput, type InputFlags, type InputSettings } from '../io/settings.js';
import { openRows } from '../engines/rows.js';
import { stdinKind, type Streams } from '../engines/request.js';

export interface ScanFlags {
  readonly sample?: string;
  readonly json?: boolean;
  readonly policyOut?: string;
  readonly delimiter?: string;
  readonly inputFormat?: string;
  readonly encoding?: string;
  readonly preset?: string;
  readonly recognizers?: string;
}

/** How scan and init read their input (io/settings.ts), and without --delimiter (and a .tsv name) the delimiter its header line uses; `given`: the one the settings alone say. */
export async function draftSettings(input: string | undefined, f: InputFlags): Promise<InputSettings & { readonly given: string }> {
  const s = resolveInput(input, f, {}, await stdinKind(input));
  const sniff = !s.delimiterSaid && s.format === 'csv' && !s.glob && s.path !== undefined && kindOfPath(s.path).delimiter !== '\t';
  const delimiter = (sniff ? sniffDelimiter(firstLineOf(s.path!, s.gzip, s.encoding) ?? '') : undefined) ?? s.delimiter;
  return { ...s, delimiter, given: s.delimiter };
}

export async function runScan(input: string | undefined, f: ScanFlags, io: Streams): Promise<number> {
  const s = await draftSettings(input, f);
  const { path, format, encoding: inputEncoding, delimiter, given } = s;
  const declared = f.recognizers === undefined ? undefined : readRecognizersFile(f.recognizers);
  if (f.sample !== undefined && !/^\d+$/.test(f.sample)) throw new VeilError({ kind: 'usage', code: 'USAGE', detail: '--sample takes a number of rows (0: all)' });
  const limit = f.sample === undefined ? 10_000 : Number(f.sample) || Infinity;

  let scans: ColumnScan[] = [];
  let sampled = 0;
  let malformed = 0;
  // A record of the wrong number of fields is counted and left out: the scan describes the rest.
  const source = await openRows(s, { onMalformed: () => void malformed++, limit });
  try {
    outer: for await (const batch of source.events) {
      for (const event of batch) {
        if ('header' in event) {
          scans = event.header.map((h) => new ColumnScan(h, declared?.registry));
          continue;
        }
        if (sampled >= limit) break outer;
        sampled++;
        scans.forEach((s, i) => s.add(cellText(event.row[i])));
      }
    }
  } finally {
    await source.close();
  }
  const findings = scans.map((s) => s.finish());
  if (f.json) io.stdout.write(`${JSON.stringify({ rows_sampled: sampled, columns: findings }, null, 2)}\n`);
  else io.stdout.write(table(findings, `${path ?? '<stdin>'}${format === 'csv' && delimiter !== given ? ` (delimiter ${JSON.stringify(delimiter)}, read from its header)` : ''}`, sampled));
  if (malformed > 0) io.stderr.write(`veil scan: warning: ${malformed} records have the wrong number of fields and were left out; veil apply stops at them unless the policy says on_invalid: drop or quarantine\n`);
  const formulas = findings.filter((c) => c.formulas > 0).map((c) => `${c.name} (${c.formulas})`);
  if (formulas.length > 0) {
    io.stderr.write(`veil scan: warning: values a spreadsheet would run as formulas (=, +, -, @ first): ${formulas.join(', ')}; write CSV with veil apply --escape-formulas\n`);
  }
  if (f.policyOut !== undefined) {
    const draft = draftPolicy(findings, path ?? 'stdin', sampled, f.preset as 'hipaa-safe-harbor' | undefined, format === 'csv' ? delimiter : undefined, inputEncoding, malformed > 0);
    // The declared kinds go with the draft, so that apply's scrub and residual check know them too.
    const staged = await stageFile(f.policyOut, declared ? `${draft}# The recognizers of ${f.recognizers}:\n${declared.yaml}` : draft);
    await staged.commit();
  }
  return 0;
}

/** A recognizers file: its registry, and its recognizers: section as YAML for a draft. */
function readRecognizersFile(path: string): { registry: Registry; yaml: string } {
  let text: string;
  try {
    text = readBoundedSync(path, READ_LIMITS.policy).toString('utf8');
  } catch (e) {
    throw new VeilError({ kind: 'usage', code: 'USAGE', detail: `--recognizers ${path}: ${readFailure(e)}` });
  }
  const registry = recognizersFile(text);
  const doc = parseDocument(text);
  return { registry, yaml: stringify({ recognizers: doc.get('recognizers') }) };
}

function table(findings: readonly ColumnFinding[], source: string, sampled: number): string {
  const rowsOut = findings.map((c) => [
    c.name,
    c.kinds.length ? c.kinds.map((k) => `${k.kind} (${Math.round(k.share * 100)}%)`).join(', ') : '-',
    c.role.replace('_', ' '),
    c.type,
    String(c.distinct),
    c.example ?? '',
  ]);
  const head = ['column', 'holds', 'role', 'type', 'distinct', 'example (masked)'];
  const widths = head.map((h, i) => rowsOut.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return `veil scan: ${source}, ${sampled} rows sampled\n${[head, ...rowsOut].map(line).join('\n')}\n`;
}
