import { setTimeout as delay } from 'node:timers/promises';
import type { Check } from '../../reports/model.ts';

export class ConvergenceError extends Error {
  constructor(
    message: string,
    readonly lastError: unknown,
    /** Every attempt's value made within the budget (evidence of a path that never converged). */
    readonly attempts: readonly unknown[] = [],
  ) {
    super(message);
  }
}

export interface ConvergeOptions {
  /** What we are waiting for, in words: appears in the error. */
  what: string;
  /** Named budget from TIMEOUTS. */
  timeoutMs: number;
  /** Consecutive successes required (default 1). */
  consecutive?: number;
  /** Pause after the first failed round (default 500 ms). Attempts themselves are bounded by their own timeouts. */
  intervalMs?: number;
  /**
   * The pause doubles after every round that did not converge, up to this (default: 1000 ms, or
   * `intervalMs` when that is longer). A path that never converges (a broken proxy) made about
   * 40 execs in a 20 s budget at a fixed 500 ms, each costing the API server, the kubelet and
   * runc on a saturated machine; doubling to 1 s halves that and delays a path that converges
   * late by at most 500 ms.
   */
  maxIntervalMs?: number;
}

/**
 * `k` attempts one after the other in a single call (e.g. one exec running curl k times): what a
 * path costs the machine is mostly the exec, not the request. Same values, same order, as k
 * calls of the single attempt.
 */
export type AttemptSeries<T> = (k: number, opts?: SeriesOptions) => Promise<T[]>;

export interface SeriesOptions {
  /**
   * The series may end early (fewer than k attempts) when one of its first `stopWithin` attempts
   * is plainly not the expected outcome (e.g. a time-out where an answer is expected): the
   * caller then treats what came as convergence attempts.
   */
  stopWithin?: number;
  /** Sleep this long after attempt number `after` (1-based): the settle between the streak and the sample. */
  pauseOnce?: { after: number; ms: number };
}

/**
 * Runs `attempt` until it returns a value `ok` accepts `consecutive` times in a row, within
 * the named timeout. Returns every attempt's value (for evidence) and the last one.
 *
 * With `series`, a round asks for the attempts still missing from the streak in one call (two
 * on a fresh path, one after a success): a path that is already programmed converges in one
 * call; a failure anywhere in a round resets the streak exactly as single attempts would.
 */
export async function converge<T>(
  attempt: () => Promise<T>,
  ok: (value: T) => boolean,
  opts: ConvergeOptions,
  series?: AttemptSeries<T>,
  /** Attempts already made on this path within the budget (counted in the streak, kept as evidence). */
  prefix: readonly T[] = [],
): Promise<{ last: T; attempts: T[]; elapsedMs: number }> {
  const need = opts.consecutive ?? 1;
  const start = Date.now();
  const attempts: T[] = [...prefix];
  let streak = 0;
  for (const v of prefix) streak = ok(v) ? streak + 1 : 0;
  streak = Math.min(streak, need - 1);
  let lastError: unknown;
  let pause = opts.intervalMs ?? 500;
  const maxPause = Math.max(pause, opts.maxIntervalMs ?? 1000);
  for (;;) {
    try {
      const k = need - streak;
      const values = series && k > 1 ? await series(k) : [await attempt()];
      if (!values.length) throw new Error(`${opts.what}: a series of ${k} attempts returned none`);
      for (const value of values) {
        attempts.push(value);
        streak = ok(value) ? streak + 1 : 0;
      }
      const last = values[values.length - 1] as T;
      if (streak >= need) return { last, attempts, elapsedMs: Date.now() - start };
    } catch (e) {
      lastError = e;
      streak = 0;
    }
    if (Date.now() - start > opts.timeoutMs) {
      const tail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new ConvergenceError(
        `${opts.what}: not ${need} consecutive successes within ${opts.timeoutMs} ms (${attempts.length} attempts)${tail}`,
        lastError,
        attempts,
      );
    }
    await delay(pause);
    pause = Math.min(pause * 2, maxPause);
  }
}

/**
 * A precondition the proxy itself must meet (a new Service answering before the case's own
 * phase starts): when it never converges, that is a check row turning `mismatch`, a proxy
 * verdict with the attempts' story in the row, and the case stops there. Any other error
 * propagates unchanged (an infrastructure error).
 */
export async function mustConverge<T>(rec: { check(c: Check): unknown }, row: { key: string; expected: string }, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ConvergenceError) rec.check({ key: row.key, expected: row.expected, observedEcho: e.message, verdict: 'mismatch' });
    throw e;
  }
}
