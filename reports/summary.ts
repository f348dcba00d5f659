/**
 * The few lines `npm run conformance` and `npm run report` print at the end: one per project,
 * then where the report is.
 */
import { countStatuses, type Results, type Status } from './model.ts';
import { changesLine } from './changes.ts';
import { columnsOf, projectTotals } from './view-model.ts';

function countsText(t: Record<Status, number>): string {
  const parts = [`${t.passed} passed`, `${t.failed} failed`];
  if (t.flaky) parts.push(`${t.flaky} flaky`);
  if (t.error) parts.push(`${t.error} infrastructure errors (no verdict)`);
  if (t.skipped) parts.push(`${t.skipped} skipped`);
  if (t['not-supported']) parts.push(`${t['not-supported']} not supported`);
  return parts.join(', ');
}

/**
 * One line per project, e.g. `iptables  14 passed, 1 failed, 2 skipped`, with the skip reason
 * of a project that could not run and the catch count of a negative control, then
 * with a baseline, one line of what changed since (changesLine()), then `report: <reportPath>`.
 */
export function summaryLines(results: Pick<Results, 'projects' | 'cases' | 'controls' | 'changes'>, reportPath: string): string[] {
  const columns = columnsOf(results);
  const totals = projectTotals(results);
  const label = (p: (typeof columns)[number]): string => `${p.name}${p.control ? ' (control)' : ''}:`;
  const width = Math.max(0, ...columns.map((p) => label(p).length));
  const lines = columns.map((p) => {
    let line = `${label(p).padEnd(width)} ${countsText(totals.get(p.name) ?? countStatuses([]))}`;
    if (p.skippedReason) line += ` (${p.skippedReason})`;
    if (p.control) {
      const controls = results.controls.filter((c) => c.project === p.name);
      line += ` - ${controls.filter((c) => c.caught).length}/${controls.length} injected faults caught`;
    }
    return line;
  });
  return [...lines, ...(results.changes ? [changesLine(results.changes)] : []), `report: ${reportPath}`];
}
