/**
 * Written-up findings (`Implementation.findings`): which rows of a case did not hold, and whether
 * a failed case is exactly a known finding. A finding never changes a status: the case stays
 * failed. Its reason names the finding so a reviewer sees at once that it is written up, and
 * where; a failure on any other row keeps its own reason (a new deviation).
 */
import type { CaseResult } from '../../reports/model.ts';
import type { Finding } from '../implementations/types.ts';

/** The rows that did not hold, sorted, each once (a row skipped for a reason is not a failure). */
export function failedRows(c: Pick<CaseResult, 'checks'>): string[] {
  return [...new Set(c.checks.filter((k) => k.verdict === 'mismatch' || k.verdict === 'disagree').map((k) => k.key))].sort();
}

/** The finding this failed case is, exactly (same case, the same failing rows), or undefined. */
export function matchingFinding(c: Pick<CaseResult, 'id' | 'status' | 'checks'>, findings: readonly Finding[] | undefined): Finding | undefined {
  if (c.status !== 'failed') return undefined;
  const f = findings?.find((x) => x.caseId === c.id);
  if (!f) return undefined;
  return [...f.rows].sort().join('\n') === failedRows(c).join('\n') ? f : undefined;
}

/** The reason of a failed case that is a known finding: the finding first, then the case's own. */
export function findingReason(f: Finding, reason: string | undefined): string {
  return `known finding, written up in ${f.doc}: ${f.summary}${reason ? ` | ${reason}` : ''}`;
}
