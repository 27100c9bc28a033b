// `veil scan`: what each column of a file holds (personal data, role, type),
// from a sample of rows, and optionally a draft policy. Prints at most a
// short masked example of any value.

import { VeilError } from '../core/errors.js';
import { cellText } from '../lib/cell.js';
import { ColumnScan, draftPolicy, type ColumnFinding } from '../governance/scan.js';
import { firstLineOf, openInput, stageFile } from '../io/files.js';
import { kindOfPath, sniffDelimiter } from '../io/formats.js';
import { readRows } from '../io/read.js';
import { resolveSettings, stdinKind, type Streams } from './apply.js';

export interface ScanFlags {
  readonly sample?: string;
  readonly json?: boolean;
  readonly policyOut?: string;
  readonly delimiter?: string;
  readonly inputFormat?: string;
  readonly encoding?: string;
  readonly preset?: string;
}

/** How scan and init read their input: apply's settings, and without --delimiter (and a .tsv name) the delimiter its header line uses; `given`: the one the settings alone say. */
export async function draftSettings(input: string | undefined, f: { readonly delimiter?: string; readonly inputFormat?: string; readonly encoding?: string }) {
  const s = resolveSettings(input, { policy: '', inputFormat: f.inputFormat, delimiter: f.delimiter, encoding: f.encoding }, await stdinKind(input));
  const sniff = f.delimiter === undefined && s.inputFormat === 'csv' && s.inputPath !== undefined && kindOfPath(s.inputPath).delimiter !== '\t';
  const delimiter = (sniff ? sniffDelimiter(firstLineOf(s.inputPath!, s.inputGzip, s.inputEncoding) ?? '') : undefined) ?? s.delimiter;
  return { ...s, delimiter, given: s.delimiter };
}

export async function runScan(input: string | undefined, f: ScanFlags, io: Streams): Promise<number> {
  const { inputPath: path, inputFormat: format, inputGzip: gzip, inputEncoding, delimiter, given } = await draftSettings(input, f);
  if (f.sample !== undefined && !/^\d+$/.test(f.sample)) throw new VeilError({ kind: 'usage', code: 'USAGE', detail: '--sample takes a number of rows (0: all)' });
  const limit = f.sample === undefined ? 10_000 : Number(f.sample) || Infinity;

  const source = await openInput(path, gzip, inputEncoding);
  let scans: ColumnScan[] = [];
  let sampled = 0;
  let malformed = 0;
  try {
    // A record of the wrong number of fields is counted and left out: the scan describes the rest.
    outer: for await (const batch of readRows(format, delimiter, source.stream, () => void malformed++)) {
      for (const event of batch) {
        if ('header' in event) {
          scans = event.header.map((h) => new ColumnScan(h));
          continue;
        }
        if (sampled >= limit) break outer;
        sampled++;
        scans.forEach((s, i) => s.add(cellText(event.row[i])));
      }
    }
  } finally {
    source.close();
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
    const staged = await stageFile(f.policyOut, draftPolicy(findings, path ?? 'stdin', sampled, f.preset as 'hipaa-safe-harbor' | undefined, format === 'csv' ? delimiter : undefined, inputEncoding, malformed > 0));
    await staged.commit();
  }
  return 0;
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
