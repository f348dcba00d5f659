/**
 * Judging controls and faults from case results. Pure: unit-tested (test/unit/controls.test.ts).
 *
 * A control declares the case, the check rows that must turn `mismatch` and the deviation. It is
 * `caught` when every declared row pattern matches a check that mismatched; `missed` when the case
 * passed or only other rows failed; `inconclusive` when there is no proxy verdict to judge (an
 * error, a skip, the case missing, echo and wire disagreeing on the declared row, or the case
 * failing without the fault as well). Only `caught` counts; the other two fail the run.
 */
import { rowMatcher } from '../../clusters/faults/catalogue.ts';
import type { CaseResult, ControlResult, ControlVerdict, FaultCaseCell, FaultRun, FaultsSection, Status } from '../../reports/model.ts';
import { exitCodeFor } from '../../reports/exit-code.ts';

export interface ControlDecl {
  caseId: string;
  /** Substrings of check keys or `/regex/`; empty means "any row" (legacy `mustFail`). */
  rows: readonly string[];
  deviation: string;
}

export function judgeControl(
  project: string,
  description: string,
  decl: ControlDecl,
  result: Pick<CaseResult, 'status' | 'reason' | 'checks'> | undefined,
  baseline?: Pick<CaseResult, 'status'>,
): ControlResult {
  const base = { project, caseId: decl.caseId, description, expectedStatus: 'failed' as const, rows: [...decl.rows], deviation: decl.deviation };
  const out = (actualStatus: Status, verdict: ControlVerdict, reason: string, matchedRows: string[] = []): ControlResult => ({ ...base, actualStatus, verdict, caught: verdict === 'caught', matchedRows, reason });
  if (!result) return out('skipped', 'inconclusive', 'the case did not run');
  const st = result.status;
  if (st === 'error') return out(st, 'inconclusive', `infrastructure error, no proxy verdict: ${result.reason ?? 'unknown'}`);
  if (st === 'skipped' || st === 'not-supported') return out(st, 'inconclusive', `the case was ${st}: ${result.reason ?? 'no reason'}`);
  // --repeat: caught in some runs only is not a verdict on the fault.
  if (st === 'flaky') return out(st, 'inconclusive', `flaky, the runs disagree: ${result.reason ?? ''}`);
  if (baseline && baseline.status !== 'passed') return out(st, 'inconclusive', `the case is ${baseline.status} without the fault too: it cannot tell the fault apart`);
  if (st === 'passed') return out(st, 'missed', 'the case passed');
  const patterns = decl.rows.length ? decl.rows : ['/.*/'];
  const matched = new Set<string>();
  const disagreeing: string[] = [];
  const unmatched: string[] = [];
  for (const p of patterns) {
    const m = rowMatcher(p);
    const rows = result.checks.filter((c) => m(c.key));
    const bad = rows.filter((c) => c.verdict === 'mismatch');
    for (const c of bad) matched.add(c.key);
    if (bad.length) continue;
    if (rows.some((c) => c.verdict === 'disagree')) disagreeing.push(p);
    else unmatched.push(p);
  }
  const keys = [...matched];
  if (!unmatched.length && !disagreeing.length) return out(st, 'caught', `mismatch on ${keys.join('; ')}`, keys);
  if (unmatched.length) {
    const others = result.checks.filter((c) => c.verdict === 'mismatch' || c.verdict === 'disagree').map((c) => c.key);
    return out(st, 'missed', `no mismatch on row ${unmatched.join(', ')}${others.length ? `; only other rows failed: ${others.join('; ')}` : ''}`, keys);
  }
  return out(st, 'inconclusive', `echo and wire disagree on row ${disagreeing.join(', ')}`, keys);
}

/** Reduces one case result to its detection-table cell. */
export function cellOf(c: Pick<CaseResult, 'id' | 'status' | 'reason' | 'checks'>): FaultCaseCell {
  return {
    caseId: c.id,
    status: c.status,
    ...(c.reason ? { reason: c.reason } : {}),
    failedRows: c.checks.filter((x) => x.verdict === 'mismatch' || x.verdict === 'disagree').map((x) => x.key),
  };
}

/** The verdict of a fault run: caught only when every declared catch caught it. */
export function faultVerdict(controls: readonly ControlResult[], infrastructureError?: string): { verdict: ControlVerdict; reason: string } {
  if (infrastructureError) return { verdict: 'inconclusive', reason: `infrastructure error: ${infrastructureError}` };
  if (!controls.length) return { verdict: 'inconclusive', reason: 'no declared case ran' };
  const missed = controls.filter((c) => c.verdict === 'missed');
  const inconclusive = controls.filter((c) => c.verdict === 'inconclusive');
  if (missed.length) return { verdict: 'missed', reason: missed.map((c) => `${c.caseId}: ${c.reason ?? ''}`).join('; ') };
  if (inconclusive.length) return { verdict: 'inconclusive', reason: inconclusive.map((c) => `${c.caseId}: ${c.reason ?? ''}`).join('; ') };
  return { verdict: 'caught', reason: controls.map((c) => `${c.caseId}: ${c.reason ?? ''}`).join('; ') };
}

/** Score per mode and the named gaps of a set of fault runs. */
export function summarise(runs: readonly FaultRun[], modes: readonly string[]): Pick<FaultsSection, 'score' | 'gaps'> {
  const score = modes.map((mode) => {
    const mine = runs.filter((r) => r.mode === mode);
    return { mode, caught: mine.filter((r) => r.verdict === 'caught').length, total: mine.length };
  });
  const gaps: FaultsSection['gaps'] = [];
  for (const r of runs) {
    if (r.verdict === 'missed') gaps.push({ fault: r.fault, mode: r.mode, kind: 'missed', detail: r.reason });
    if (r.verdict === 'inconclusive') gaps.push({ fault: r.fault, mode: r.mode, kind: 'inconclusive', detail: r.reason });
    if (r.verdict !== 'inconclusive' && r.caughtBy.length === 0) gaps.push({ fault: r.fault, mode: r.mode, kind: 'uncaught', detail: 'no case of the catalogue failed with this fault' });
  }
  return { score, gaps };
}

/** Exit status of a fault run: 0 only when every fault was caught. */
export function faultsExitCode(section: Pick<FaultsSection, 'runs'>): number {
  return section.runs.length > 0 && section.runs.every((r) => r.verdict === 'caught') ? 0 : 1;
}

/** Exit status of a conformance run with `--fail-on failures` (reports/exit-code.ts: 1 verdicts, 3 infrastructure errors only). */
export function conformanceExitCode(r: { cases: Pick<CaseResult, 'project' | 'id' | 'status'>[]; controls: Pick<ControlResult, 'project' | 'caseId' | 'verdict' | 'caught'>[] }): number {
  return exitCodeFor(r, 'failures');
}

/**
 * The declarations of a negative control column: `catches` (case, rows, deviation), or the
 * older `mustFail` list of case ids, which accepts a mismatch on any row of the case.
 */
export function controlDecls(control: { mustFail?: readonly string[]; catches?: readonly ControlDecl[] } | undefined): ControlDecl[] {
  if (!control) return [];
  if (control.catches?.length) return control.catches.map((c) => ({ caseId: c.caseId, rows: [...c.rows], deviation: c.deviation }));
  return (control.mustFail ?? []).map((caseId) => ({ caseId, rows: [], deviation: 'any check row of the case mismatches' }));
}
