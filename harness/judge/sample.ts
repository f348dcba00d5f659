/**
 * Converge, then measure. A probe path first converges (the proxy may still be programming
 * the Service: bounded, consecutive successes), then takes a fixed sample and every attempt of
 * the sample is judged. A row's verdict is a count over those attempts ("5/5 ..."); any
 * deviation after convergence fails the row. Pure aggregation lives here (unit-tested).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Check } from '../../reports/model.ts';
import { SAMPLING } from '../timeouts.ts';
import { converge, ConvergenceError, type AttemptSeries } from './converge.ts';

export interface Sampled<T> {
  /**
   * Attempts made while waiting for the path to be programmed (evidence, not judged), also
   * those of a path that never converged.
   */
  convergence: T[];
  /** False when the path never reached the expected outcome within the budget. */
  converged: boolean;
  convergeMs: number;
  /** The judged attempts. */
  sample: T[];
}

/**
 * Runs `attempt` until `ok` holds `consecutive` times in a row (bounded by `timeoutMs`), then
 * `n` more times. A path that never converges gets one more attempt (not n), so what it does
 * after the budget is shown; the path fails its row anyway (aggregateRow).
 *
 * With `series`, the first call asks for the streak and the sample at once (consecutive + n
 * attempts in one exec; it may stop after the first attempts when they are plainly off): a path
 * that is already programmed, as nearly every path is once its endpoints are ready, costs one
 * exec instead of two. The attempts and their order are those of
 * one-by-one attempts: the sample is what follows the first streak; when the streak completes
 * inside the call, the sample starts with what followed it there and is topped up; when it does
 * not, the call's attempts are convergence attempts and the rounds go on (converge.ts, batched).
 */
export async function convergeThenSample<T>(
  attempt: () => Promise<T>,
  ok: (value: T) => boolean,
  opts: { what: string; timeoutMs: number; n?: number; consecutive?: number; intervalMs?: number; series?: AttemptSeries<T>; settleMs?: number },
): Promise<Sampled<T>> {
  const start = Date.now();
  const need = opts.consecutive ?? SAMPLING.consecutive;
  const settle = opts.settleMs ?? SAMPLING.settleMs;
  const wanted = opts.n ?? SAMPLING.attempts;
  let convergence: T[] = [];
  let converged = true;
  let sample: T[] = [];
  let prefix: T[] = [];
  let done = false;
  if (opts.series && wanted > 1) {
    try {
      // May stop after fewer when one of the first `need` attempts is plainly off (a time-out
      // where an answer is expected): a path not yet programmed, or a broken one under a fault,
      // does not wait out seven time-outs before the rounds begin.
      const first = await opts.series(need + wanted, { stopWithin: need, pauseOnce: { after: need, ms: settle } });
      if (!first.length || first.length > need + wanted) throw new Error(`${opts.what}: a series of ${need + wanted} attempts returned ${first.length}`);
      let streak = 0;
      const at = first.findIndex((v) => (streak = ok(v) ? streak + 1 : 0) >= need);
      // Stopping early happens only before a streak: a short call with a streak lost attempts.
      if (at >= 0 && first.length !== need + wanted) throw new Error(`${opts.what}: a series of ${need + wanted} attempts returned ${first.length}`);
      if (at === need - 1) {
        // The streak came first: the call paused `settle` after it, so the rest is the sample.
        convergence = first.slice(0, at + 1);
        sample = first.slice(at + 1);
        done = true;
      } else if (at >= 0) {
        // The streak completed later, with no pause after it: what followed is convergence
        // evidence, and the sample is taken whole after the settle.
        convergence = first;
        done = true;
        await delay(settle);
      } else prefix = first;
    } catch {
      // A failed call is a failed round: the rounds below retry within the budget, as converge does.
    }
  }
  if (!done) {
    try {
      const r = await converge(attempt, ok, { what: opts.what, timeoutMs: Math.max(0, opts.timeoutMs - (Date.now() - start)), consecutive: need, intervalMs: opts.intervalMs ?? 500 }, opts.series, prefix);
      convergence = r.attempts;
      await delay(settle);
    } catch (e) {
      if (!(e instanceof ConvergenceError)) throw e;
      converged = false;
      // Attempts came from `attempt` or `series`, so they are T.
      convergence = e.attempts as T[];
    }
  }
  const convergeMs = Date.now() - start;
  // A path that never converged fails its row whatever comes next (aggregateRow): one attempt
  // shows what it does after the budget, instead of n that each wait out their time-out.
  const n = converged ? wanted - sample.length : Math.min(wanted, 1);
  if (opts.series && n > 1) {
    const more = await opts.series(n);
    if (more.length !== n) throw new Error(`${opts.what}: the sample asked for ${n} attempts and got ${more.length}`);
    sample = sample.concat(more);
  } else {
    for (let i = 0; i < n; i++) sample.push(await attempt());
  }
  return { convergence, converged, convergeMs, sample };
}

/** One judged attempt of a path. */
export interface JudgedAttempt {
  /** The concrete path, e.g. `outside 172.18.0.9 -> kpc-worker2 172.18.0.3:31234`. */
  path: string;
  check: Check;
  /** Which endpoint answered (pod name), when one did. */
  servedBy?: string;
}

/** Paths of one row with their judged attempts and whether each converged. */
export interface RowAttempts {
  key: string;
  expected: string;
  paths: { path: string; converged: boolean; attempts: JudgedAttempt[] }[];
}

/** `a ×3, b ×2`, most frequent first. */
export function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([v, n]) => `${v} ×${n}`)
    .join(', ');
}

/**
 * A row's check from every judged attempt of its paths: `ok` only when every path converged
 * and every attempt held; `disagree` when the only failures are echo/wire disagreements;
 * otherwise `mismatch`. The
 * note names each failing path with its count ("intermittent: 2 of 5" when the same path
 * sometimes held).
 */
export function aggregateRow(row: RowAttempts): Check {
  const all = row.paths.flatMap((p) => p.attempts);
  const good = all.filter((a) => a.check.verdict === 'ok').length;
  const multi = row.paths.length > 1;
  const perPath = (p: RowAttempts['paths'][number], field: 'observedEcho' | 'observedWire'): string | undefined => {
    const seen = p.attempts.map((a) => a.check[field]).filter((x): x is string => x !== undefined);
    if (!seen.length) return undefined;
    const body = tally(seen);
    return multi ? `${p.path}: ${body}` : body;
  };
  const echo = row.paths.map((p) => perPath(p, 'observedEcho')).filter(Boolean).join('\n');
  const wire = row.paths.map((p) => perPath(p, 'observedWire')).filter(Boolean).join('\n');
  const notes: string[] = [];
  for (const p of row.paths) {
    const bad = p.attempts.filter((a) => a.check.verdict !== 'ok');
    const where = multi ? `${p.path}: ` : '';
    if (!p.converged) notes.push(`${where}never reached the expected outcome while converging`);
    if (bad.length && bad.length < p.attempts.length) notes.push(`${where}intermittent: ${bad.length} of ${p.attempts.length}`);
    else if (bad.length) notes.push(`${where}${bad.length} of ${p.attempts.length} deviate`);
    const reasons = [...new Set(bad.map((a) => a.check.note).filter(Boolean))];
    if (reasons.length) notes.push(`${where}${reasons.join('; ')}`);
  }
  // Not programmed within the convergence budget is a deviation of its own, even when the
  // attempts after the budget hold.
  const unconverged = row.paths.some((p) => !p.converged);
  const verdict: Check['verdict'] = unconverged ? 'mismatch' : good === all.length && all.length > 0 ? 'ok' : all.every((a) => a.check.verdict === 'ok' || a.check.verdict === 'disagree') && all.length > 0 ? 'disagree' : 'mismatch';
  const served = all.map((a) => a.servedBy).filter((x): x is string => Boolean(x));
  const servedBy: Record<string, number> = {};
  for (const s of served) servedBy[s] = (servedBy[s] ?? 0) + 1;
  return {
    key: row.key,
    expected: row.expected,
    ...(echo ? { observedEcho: `${good}/${all.length} as expected; ${echo}` } : { observedEcho: `${good}/${all.length} as expected` }),
    ...(wire ? { observedWire: wire } : {}),
    verdict,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    samples: { total: all.length, ok: good },
    ...(served.length ? { servedBy } : {}),
  };
}
