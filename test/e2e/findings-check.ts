/**
 * The e2e stage's verdict on a column that has written-up findings (today: cilium, its
 * `findings` in harness/implementations/cilium.ts): every case passed (or was skipped with a
 * reason), except the cases of the findings, which failed on exactly their declared rows. A
 * finding that no longer fails (the implementation changed, or the case did) and any other
 * failure, error or extra failing row is a problem: the write-up in docs/ must then be checked
 * and the declaration changed with it. The report itself is not changed by any of this: the
 * findings' cases stay red there. Pure; unit-tested on a real run (test/unit/findings.test.ts).
 */
import type { Results } from '../../reports/model.ts';
import type { Finding } from '../../harness/implementations/types.ts';
import { failedRows, matchingFinding } from '../../harness/run/findings.ts';

export interface FindingsVerdict {
  /** Cases that passed, plus findings that reproduced exactly. */
  passed: number;
  skipped: number;
  problems: string[];
  summary: string;
}

export function findingsCheck(r: Pick<Results, 'cases'>, column: string, findings: readonly Finding[], required: readonly string[] = []): FindingsVerdict {
  const problems: string[] = [];
  const cases = r.cases.filter((c) => c.project === column);
  if (!cases.length) problems.push(`column ${column} ran no case`);
  for (const id of required) if (!cases.some((c) => c.id === id)) problems.push(`${column}/${id} did not run`);
  let passed = 0;
  let skipped = 0;
  let reproduced = 0;
  for (const c of cases) {
    const name = `${column}/${c.id}`;
    const finding = findings.find((f) => f.caseId === c.id);
    if (c.status === 'skipped' || c.status === 'not-supported') {
      skipped += 1;
      if (!c.reason) problems.push(`${name} ${c.status} without a reason`);
      else if (finding) problems.push(`${name} ${c.status} (${c.reason}): its finding was not looked at`);
      continue;
    }
    if (!finding) {
      if (c.status === 'passed') passed += 1;
      else problems.push(`${name} ${c.status}${c.reason ? `: ${c.reason}` : ''}${c.status === 'failed' ? ` (rows ${failedRows(c).join('; ') || 'none named'})` : ''}`);
      continue;
    }
    if (c.status === 'passed') {
      problems.push(`${name} passed: the finding (${finding.summary}) no longer reproduces; check ${finding.doc} and the declaration`);
    } else if (c.status !== 'failed') {
      problems.push(`${name} ${c.status}${c.reason ? `: ${c.reason}` : ''}: no verdict on its finding`);
    } else if (!matchingFinding(c, findings)) {
      const got = failedRows(c);
      const extra = got.filter((k) => !finding.rows.includes(k));
      const gone = finding.rows.filter((k) => !got.includes(k));
      problems.push(`${name} failed on other rows than its finding (${finding.doc}):${extra.length ? ` new ${extra.join('; ')}` : ''}${gone.length ? ` no longer ${gone.join('; ')}` : ''}`);
    } else {
      passed += 1;
      reproduced += 1;
    }
  }
  const summary = `${column}: ${passed - reproduced} passed, ${reproduced}/${findings.length} findings reproduced on exactly their rows, ${skipped} skipped, ${problems.length} problem(s)`;
  return { passed, skipped, problems, summary };
}
