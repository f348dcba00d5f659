/**
 * `--repeat N`: Playwright runs each selected case N times (`--repeat-each`); here the N
 * results of one (project, case) become one cell. Flake detection, not retries: a cell whose
 * runs reached different proxy verdicts is `flaky`, lists every run's outcome, and never counts
 * as passed. Runs without a verdict (an infrastructure error, a skip) stay what they are.
 * Pure: unit-tested (test/unit/repeats.test.ts).
 */
import type { CaseResult, RunOutcome, Status } from '../../reports/model.ts';

type RunStatus = RunOutcome['status'];

/** The outcome of one run, for `CaseResult.runs`. */
export function runOutcome(c: CaseResult, run: number): RunOutcome {
  const status: RunStatus = c.status === 'flaky' ? 'failed' : c.status;
  const dir = c.evidence.find((e) => e.path)?.path;
  return {
    run,
    status,
    ...(c.reason ? { reason: c.reason } : {}),
    durationMs: c.durationMs,
    failedRows: c.checks.filter((k) => k.verdict === 'mismatch' || k.verdict === 'disagree').map((k) => k.key),
    ...(dir ? { evidenceDir: dir.slice(0, dir.lastIndexOf('/')) } : {}),
  };
}

/**
 * The status of a cell from its runs. Proxy verdicts decide: passed and failed runs together are
 * `flaky`; only failed runs (errors or skips aside) are `failed`. Every run passed: `passed`.
 * Passed runs with an errored run are an `error` (a run could not look; it is not counted as
 * passed); with no verdict at all, `error` if a run errored, else not-supported, else skipped.
 */
export function combinedStatus(statuses: readonly RunStatus[]): Status {
  const passed = statuses.includes('passed');
  const failed = statuses.includes('failed');
  if (passed && failed) return 'flaky';
  if (failed) return 'failed';
  if (statuses.includes('error')) return 'error';
  if (passed) return statuses.every((s) => s === 'passed') ? 'passed' : 'skipped';
  return statuses.includes('not-supported') ? 'not-supported' : 'skipped';
}

function count(statuses: readonly RunStatus[]): string {
  const order: RunStatus[] = ['passed', 'failed', 'error', 'skipped', 'not-supported'];
  return order
    .map((s) => [s, statuses.filter((x) => x === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === 'error' ? 'infrastructure error' : s}`)
    .join(', ');
}

/**
 * One cell from the repeated runs of one (project, case), in run order. The shown details
 * (checks, steps, evidence, observed) are those of the run that explains the status: the first
 * failed run of a flaky or failed cell, the first errored run of an error, else the first run.
 */
export function combineRuns(runs: readonly CaseResult[]): CaseResult {
  const first = runs[0];
  if (!first) throw new Error('combineRuns: no runs');
  if (runs.length === 1) return first;
  const outcomes = runs.map((c, i) => runOutcome(c, i + 1));
  const statuses = outcomes.map((o) => o.status);
  const status = combinedStatus(statuses);
  const wanted: RunStatus = status === 'flaky' || status === 'failed' ? 'failed' : status === 'error' ? 'error' : status === 'passed' ? 'passed' : statuses[0] ?? 'skipped';
  const shownIndex = Math.max(0, statuses.indexOf(wanted));
  const shown = runs[shownIndex] as CaseResult;
  const summary = `${runs.length} runs: ${count(statuses)}`;
  const why = shown.reason ? `; run ${shownIndex + 1}: ${shown.reason}` : '';
  const reason = status === 'passed' ? undefined : status === 'flaky' ? `flaky: ${summary}${why}` : `${summary}${why}`;
  return {
    ...shown,
    status,
    ...(reason ? { reason } : {}),
    durationMs: runs.reduce((s, c) => s + c.durationMs, 0),
    attempts: Math.max(...runs.map((c) => c.attempts ?? 1)),
    runs: outcomes,
    shownRun: shownIndex + 1,
  };
}

/** Groups cells by (project, case id) and combines each group's runs in `run` order. */
export function groupRepeats(cells: readonly { cell: CaseResult; run: number }[]): CaseResult[] {
  const groups = new Map<string, { cell: CaseResult; run: number }[]>();
  for (const x of cells) {
    const k = `${x.cell.project}\u0000${x.cell.id}`;
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  return [...groups.values()].map((g) => combineRuns([...g].sort((a, b) => a.run - b.run).map((x) => x.cell)));
}
