import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { probeRows } from '../../harness/judge/scenarios.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> node : proxy health /healthz' | 'outside -> node : proxy health /livez';
const PORT = 10256;

/**
 * kube-proxy's health server (--healthz-bind-address, default 0.0.0.0:10256) on every node:
 * /healthz and /livez answer 200 with JSON carrying lastUpdated and currentTime while the
 * proxy syncs its rules; load balancers of Cluster-policy Services probe it. The times are
 * RFC 3339 where the implementation declares `healthzTimesRfc3339` (kube-proxy from v1.33.0),
 * Go's time.String() form (`2026-12-01 05:45:04.41 +0000 UTC m=+411.38`) before.
 */
const EXPECT: ExpectationTable<Row> = { rows: { 'outside -> node : proxy health /healthz': ANSWERS, 'outside -> node : proxy health /livez': ANSWERS } };

/** Go's time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST`, with its monotonic reading. */
const GO_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} [A-Z]+( m=[+-]\d+\.\d+)?$/;

interface HealthBody {
  lastUpdated?: string;
  currentTime?: string;
}

/** Catches: a proxy whose health server is down or reports unhealthy although it syncs (an LB then takes every node out of rotation), or answers without its sync times. */
defineCase({
  id: 'proxy/healthz',
  title: `kube-proxy's health server: every node answers :${PORT}/healthz and /livez with 200 and its sync times`,
  source: SOURCES.kubeProxy,
  needs: ['outside-client'],
  async run(ctx) {
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const rfc3339 = ctx.behaviour.healthzTimesRfc3339;
    const expected = `200, JSON with lastUpdated and currentTime${rfc3339 ? '' : " (in Go's time.String() form)"}`;
    // An implementation that declares /healthz only must answer /livez with 404 (not hang, not 5xx).
    const livez = ctx.behaviour.healthzServesLivez;
    const expectedFor = (path: string) => (path === '/livez' && !livez ? `404 (${ctx.impl.title} serves /healthz only)` : expected);
    const isTime = (t: unknown) => typeof t === 'string' && (rfc3339 ? !Number.isNaN(Date.parse(t)) : GO_TIME.test(t));
    await probeRows(
      ctx,
      ctx.cluster.nodes.flatMap((n) =>
        (['/healthz', '/livez'] as const).map((path) => {
          const key: Row = `outside -> node : proxy health ${path}`;
          const want = path === '/livez' && !livez ? 404 : 200;
          return { key, from: outside, url: `http://${n.ip}:${PORT}${path}`, via: n.name, expectation: ctx.expectation(EXPECT, key), expected: expectedFor(path), converged: (c: CurlEvidence) => c.httpCode === want };
        }),
      ),
      (c, p) => {
        let body: HealthBody | undefined;
        try {
          body = JSON.parse(c.body) as HealthBody;
        } catch {
          body = undefined;
        }
        const times = [body?.lastUpdated, body?.currentTime].every(isTime);
        const notServed = p.key.endsWith('/livez') && !livez;
        const ok = notServed ? c.httpCode === 404 : c.httpCode === 200 && times;
        return { key: p.key, expected: expectedFor(p.key.endsWith('/livez') ? '/livez' : '/healthz'), observedEcho: `${c.httpCode ?? c.exit}; ${body ? `lastUpdated=${body.lastUpdated ?? 'n/a'} currentTime=${body.currentTime ?? 'n/a'}` : `not JSON: ${c.body.slice(0, 80)}`}`, verdict: ok ? 'ok' : 'mismatch' };
      },
    );
  },
});
