/**
 * Session affinity (ClientIP): every request of one client lands on one endpoint. A path
 * converges (answers), then its sample is judged attempt by attempt against the endpoint that
 * served most of the sample: an attempt served by another endpoint, or not answered, deviates.
 * Rows aggregate like every other row ("10/10 as expected", "intermittent: k of n").
 */
import type { Check } from '../../reports/model.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { parseEcho } from '../probes/echo.ts';
import { answered, curl, type CurlEvidence } from '../probes/curl.ts';
import type { Runner } from '../probes/runners.ts';
import { SAMPLING, TIMEOUTS } from '../timeouts.ts';
import { aggregateRow, convergeThenSample, type JudgedAttempt } from './sample.ts';
import { attemptsText, curlAttemptSeries, pathLabel, pool } from './scenarios.ts';

export interface AffinityPath {
  /** Row key naming roles, e.g. `pod -> ClusterIP (sessionAffinity ClientIP)`. */
  key: string;
  from: Runner;
  url: string;
  /** The node whose proxy decides (for evidence). */
  via: string;
}

/** Which endpoint pod answered a request, from the echo reply. */
export function servedBy(c: CurlEvidence): string | undefined {
  if (!answered(c)) return undefined;
  const e = parseEcho(c.body);
  return e.ok ? e.value.pod?.name : undefined;
}

/** The most frequent value (ties: the first seen). */
export function modal(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

/** Judges one path's sample: each attempt must be answered by the path's one endpoint. */
export function judgeSticky(key: string, path: string, sample: readonly CurlEvidence[]): JudgedAttempt[] {
  const served = sample.map(servedBy);
  const pinned = modal(served);
  return sample.map((c, i): JudgedAttempt => {
    const who = served[i];
    const expected = 'every request of one client answered by the same endpoint';
    const check: Check = !who
      ? { key, expected, observedEcho: `not answered by an endpoint (curl exit ${c.exit}, http ${c.httpCode ?? '-'})`, verdict: 'mismatch', note: 'a request was not answered' }
      : who === pinned
        ? { key, expected, observedEcho: `answered by ${who}`, verdict: 'ok' }
        : { key, expected, observedEcho: `answered by ${who}`, verdict: 'mismatch', note: `left ${pinned} for ${who}` };
    return { path, check, ...(who ? { servedBy: who } : {}) };
  });
}

/**
 * Every path converged and sampled (`n` attempts, default twice the sample size: 10 requests
 * over k endpoints all land on one by chance with probability k^-9), then one check per row.
 */
export async function affinityRows(ctx: CaseContext, paths: readonly AffinityPath[], n: number = SAMPLING.attempts * 2): Promise<Check[]> {
  const sampled = await ctx.step(`${paths.length} path(s): converge, then ${n} requests each, all judged against the path's one endpoint`, () =>
    pool(paths, SAMPLING.concurrency, async (p) => ({
      p,
      s: await convergeThenSample(() => curl(p.from, p.url), answered, { what: `${p.from.label} -> ${p.url} answering`, timeoutMs: TIMEOUTS.serviceProgrammed, n, series: curlAttemptSeries(p.from, p.url, {}, [0]) }),
    })),
  );
  const rows = new Map<string, { path: string; converged: boolean; attempts: JudgedAttempt[] }[]>();
  for (const { p, s } of sampled) {
    const path = pathLabel({ from: p.from, url: p.url, receivingNode: p.via });
    await ctx.rec.text('echo', `${p.key}: ${path}`, attemptsText(s, path));
    rows.set(p.key, [...(rows.get(p.key) ?? []), { path, converged: s.converged, attempts: judgeSticky(p.key, path, s.sample) }]);
  }
  const checks: Check[] = [];
  for (const [key, ps] of rows) {
    const expected = 'every request of one client answered by the same endpoint';
    ctx.rec.expect(`${key}: ${expected}`);
    const check = aggregateRow({ key, expected, paths: ps });
    ctx.rec.observe(`${key}: ${check.observedEcho ?? ''}`);
    checks.push(ctx.rec.check(check));
  }
  return checks;
}
