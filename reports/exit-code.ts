/**
 * The exit status of `npm run conformance` (and of `npm run report -- --fail-on ...`), from the
 * results alone. docs/exit-codes.md is the table people read; keep both in step.
 */
import type { CaseResult, ControlResult, Results } from './model.ts';

export const FAIL_ON = ['failures', 'regressions'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export const EXIT = {
  /** Nothing to fail on. */
  ok: 0,
  /** Proxy verdicts: failed or flaky cells / missed or inconclusive controls (failures); regressions (regressions). */
  verdict: 1,
  /** Usage or bad input, before anything ran. */
  usage: 2,
  /** No proxy verdict failed, but some cells have no clean verdict: infrastructure errors (or, with regressions, flaky cells). */
  noVerdict: 3,
} as const;

type Input = Pick<Results, 'changes'> & { cases: Pick<CaseResult, 'project' | 'id' | 'status'>[]; controls: Pick<ControlResult, 'project' | 'caseId' | 'verdict' | 'caught'>[] };

export class FailOnError extends Error {
  override name = 'FailOnError';
}

/**
 * `failures`: 1 for a failed or flaky case outside a negative control, or a control that was
 * missed or inconclusive; else 3 for an infrastructure error; else 0.
 * `regressions` (needs a baseline comparison in `results.changes`): 1 for a newly failing cell or
 * a control no longer caught; else 3 for any cell that is flaky or an infrastructure error;
 * else 0. Existing failures that the baseline had too do not count.
 */
export function exitCodeFor(results: Input, failOn: FailOn): number {
  const isControl = (c: { project: string; id: string }): boolean => results.controls.some((x) => x.project === c.project && x.caseId === c.id);
  const cells = results.cases.filter((c) => !isControl(c));
  const errors = cells.some((c) => c.status === 'error');
  if (failOn === 'regressions') {
    if (!results.changes) throw new FailOnError('--fail-on regressions needs a baseline (--baseline PATH/results.json)');
    if (results.changes.regressions > 0) return EXIT.verdict;
    return errors || cells.some((c) => c.status === 'flaky') ? EXIT.noVerdict : EXIT.ok;
  }
  const failed = cells.some((c) => c.status === 'failed' || c.status === 'flaky');
  const controlsBad = results.controls.some((c) => (c.verdict ?? (c.caught ? 'caught' : 'missed')) !== 'caught');
  if (failed || controlsBad) return EXIT.verdict;
  return errors ? EXIT.noVerdict : EXIT.ok;
}

export function parseFailOn(value: string | undefined): FailOn {
  if (value === undefined) return 'failures';
  if ((FAIL_ON as readonly string[]).includes(value)) return value as FailOn;
  throw new FailOnError(`--fail-on must be ${FAIL_ON.join(' or ')}, not "${value}"`);
}
