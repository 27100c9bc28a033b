// The privacy report: assembled from parts. Each column section is what its
// transform described of itself plus the pipeline's counts; the reporter adds
// row accounting, hashes that tie the report to its files, and versions.
// It never holds key material or a cell's value.

import type { ColumnReport } from './pipeline.js';

export interface FileFacts {
  readonly path: string | null;
  readonly format: string;
  readonly delimiter?: string;
  readonly gzip: boolean;
  /** The input's encoding, converted to UTF-8 as read (utf-8, latin1, cp1252). */
  readonly encoding?: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface ReportParts {
  readonly tool: { readonly name: string; readonly version: string; readonly node: string };
  readonly command: string;
  readonly startedAt: Date;
  readonly durationSeconds: number;
  readonly policy: { readonly path: string; readonly sha256: string; readonly unlisted: string };
  readonly input: FileFacts;
  readonly output: FileFacts;
  readonly key: { readonly fingerprint: string; readonly source: string } | null;
  /** --seed was given (the seed itself is never reported: it would let anyone regenerate the noise). */
  readonly seeded: boolean;
  readonly rows: { readonly in: number; readonly out: number; readonly removed: Readonly<Record<string, number>> };
  readonly columns: readonly ColumnReport[];
  /** The engine that ran the policy: its name; DuckDB's version, threads and memory limit; what read and wrote the files. */
  readonly engine?: Record<string, unknown>;
  /** Sections of the dataset-level privacy models that ran (k-anonymity), each rendered by its model. */
  readonly privacy?: Record<string, unknown>;
  /** Declared-type violations by column and code. */
  readonly violations?: ReadonlyMap<string, Record<string, number>>;
  /** What the anonymization cost, measured on a sample (src/utility/section.ts). */
  readonly utility?: Record<string, unknown>;
  /** What the run warned of on stderr. */
  readonly warnings?: readonly string[];
}

export function buildReport(p: ReportParts): Record<string, unknown> {
  const removedTotal = Object.values(p.rows.removed).reduce((a, b) => a + b, 0);
  if (p.rows.in !== p.rows.out + removedTotal) {
    throw new Error(`row accounting does not balance: ${p.rows.in} in, ${p.rows.out} out, ${removedTotal} removed`);
  }
  const file = ({ sha256: _sha, ...rest }: FileFacts) => rest;
  return {
    tool: p.tool,
    command: p.command,
    started_at: p.startedAt.toISOString(),
    duration_seconds: Math.round(p.durationSeconds * 1000) / 1000,
    policy_sha256: p.policy.sha256,
    input_sha256: p.input.sha256,
    output_sha256: p.output.sha256,
    policy: { path: p.policy.path, unlisted: p.policy.unlisted },
    input: file(p.input),
    output: file(p.output),
    key: p.key,
    seeded: p.seeded,
    ...(p.engine && { engine: p.engine }),
    rows: { in: p.rows.in, out: p.rows.out, removed: p.rows.removed },
    columns: Object.fromEntries(
      p.columns.map((c) => [
        c.name,
        {
          transform: c.transform,
          listed: c.listed,
          params: c.params,
          values: c.transform === 'drop' ? { dropped: p.rows.in } : statsOf(c.stats),
          ...(c.stats.spans && { spans: { found: sorted(c.stats.spans.found), replaced: sorted(c.stats.spans.replaced) } }),
          ...(p.violations?.has(c.name) && { violations: p.violations.get(c.name) }),
        },
      ]),
    ),
    ...(p.privacy && { privacy: p.privacy }),
    ...(p.utility && { utility: p.utility }),
    warnings: p.warnings ?? [],
  };
}

/** Counts by kind, in one order whichever thread found them first. */
const sorted = (counts: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A column's counts, with the values k-anonymity generalized further only where it did. */
function statsOf({ generalized, missing, reformatted, spans: _spans, ...rest }: ColumnReport['stats']): Record<string, number> {
  return { ...rest, ...(missing > 0 && { missing_markers: missing }), ...(reformatted > 0 && { read_by_format: reformatted }), ...(generalized > 0 && { generalized_by_k_anonymity: generalized }) };
}
