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

/**
 * Judges one path's sample: each attempt must be answered by the path's one endpoint. With
 * `expiresAfterMs` (sessionAffinityConfig timeoutSeconds), the sample is cut where two attempts
 * started further apart than that less `EXPIRY_SLACK_MS`: the proxy may rightly have forgotten
 * the client there (a loaded machine once spaced a series' requests that far), so each
 * segment is judged against its own endpoint and the cut is named in the evidence. Without it,
 * one endpoint for the whole sample.
 */
export function judgeSticky(key: string, path: string, sample: readonly CurlEvidence[], expiresAfterMs?: number): JudgedAttempt[] {
  const served = sample.map(servedBy);
  const segment: number[] = [];
  let seg = 0;
  sample.forEach((c, i) => {
    const prev = sample[i - 1];
    if (prev && expiresAfterMs !== undefined && c.startedAt - prev.startedAt > expiresAfterMs - EXPIRY_SLACK_MS) seg += 1;
    segment.push(seg);
  });
  const pinnedOf = new Map<number, string | undefined>();
  for (let k = 0; k <= seg; k++) pinnedOf.set(k, modal(served.filter((_, i) => segment[i] === k)));
  return sample.map((c, i): JudgedAttempt => {
    const who = served[i];
    const pinned = pinnedOf.get(segment[i] ?? 0);
    const prev = sample[i - 1];
    const cut = i > 0 && segment[i] !== segment[i - 1] && prev ? `; ${((c.startedAt - prev.startedAt) / 1000).toFixed(1)} s after the previous request (affinity may have expired: judged afresh from here)` : '';
    const expected = 'every request of one client answered by the same endpoint';
    const check: Check = !who
      ? { key, expected, observedEcho: `not answered by an endpoint (curl exit ${c.exit}, http ${c.httpCode ?? '-'})${cut}`, verdict: 'mismatch', note: 'a request was not answered' }
      : who === pinned
        ? { key, expected, observedEcho: `answered by ${who}${cut}`, verdict: 'ok' }
        : { key, expected, observedEcho: `answered by ${who}${cut}`, verdict: 'mismatch', note: `left ${pinned} for ${who}` };
    return { path, check, ...(who ? { servedBy: who } : {}) };
  });
}

/**
 * Attempts this much closer than the affinity timeout still count as one session: the proxies
 * keep the client's last-seen time at a coarser grain (iptables' `recent` match compares whole
 * seconds), and a series' timestamps come from the client's clock, not the proxy's.
 */
export const EXPIRY_SLACK_MS = 1_000;

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
