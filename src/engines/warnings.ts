// The warnings of `veil apply`: what a person must know about a run, printed
// on stderr even with -q and kept in the report, whichever engine ran (./finish.ts).

import type { ResidualScan } from '../governance/residual.js';
import type { Policy } from '../policy/load.js';
import { fullySuppressed, type KStage } from '../core/stage.js';

/** Residual findings as people read them: `email (email 40); phone (phone 40)`, never a value. */
export function findingsText(findings: ResidualScan['findings']): string {
  return Object.entries(findings)
    .map(([column, kinds]) => `${column} (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')})`)
    .join('; ');
}

export function runWarnings(r: { residual: Pick<ResidualScan, 'total' | 'findings'> | undefined; stage: KStage | undefined; rows: { in: number; removed: Record<string, number> }; policy: Policy }): string[] {
  const out: string[] = [];
  if (r.residual && r.residual.total > 0) {
    out.push(`the residual-PII check found personal data in published columns: ${findingsText(r.residual.findings)}; they were published as they are (drop, redact or hash those columns, or pass --fail-on-pii to fail such runs)`);
  }
  if (r.stage && !r.stage.enforced) out.push('the output is NOT k-anonymous: --plan-mode featurize mapped the rows to the plan\'s classes without enforcing k or l; do not release it');
  const suppressedQis = r.stage ? fullySuppressed(r.stage) : [];
  if (suppressedQis.length > 0) out.push(`k-anonymity left ${suppressedQis.join(', ')} '*' in every published row: nothing of ${suppressedQis.length > 1 ? 'them' : 'it'} is left (a smaller k, hierarchies or max_suppression keep more)`);
  const invalid = r.rows.removed.invalid ?? 0;
  if (invalid > 0) out.push(`${invalid} of ${r.rows.in} rows were removed as invalid (on_invalid: ${r.policy.onInvalid}; max_invalid ${r.policy.maxInvalid})`);
  return out;
}
