import { setTimeout as delay } from 'node:timers/promises';
import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { judgeSticky, modal, servedBy } from '../../harness/judge/affinity.ts';
import { converge, mustConverge } from '../../harness/judge/converge.ts';
import { aggregateRow } from '../../harness/judge/sample.ts';
import { pool } from '../../harness/judge/scenarios.ts';
import { answered, curl, curlSeries, type CurlEvidence } from '../../harness/probes/curl.ts';
import type { Runner } from '../../harness/probes/runners.ts';
import { defineCase } from '../../harness/run/case.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';

/** Rounds of requests, separated by more than timeoutSeconds of silence. */
const ROUNDS = 3;
const PER_ROUND = 3;

interface Source {
  role: 'pod' | 'node';
  from: Runner;
}

/**
 * sessionAffinityConfig.clientIP.timeoutSeconds: a few requests in a row stay on one endpoint;
 * after more than timeoutSeconds without a request the affinity is gone and the next connection
 * is balanced afresh. With four endpoints and six clients, a proxy that honours the timeout
 * keeps every client on its endpoint across both silences with probability 4^-12.
 */
/** Catches: the affinity timeout ignored (the default 10800 s kept, or affinity that never expires); affinity not held between close requests. */
defineCase({
  id: 'affinity/timeout',
  title: `sessionAffinity=ClientIP with timeoutSeconds=${TIMEOUTS.affinityTimeoutSec}: requests in a row stay on one endpoint, and after a longer silence clients are balanced again`,
  source: SOURCES.virtualIps,
  needs: ['node-access', 'multi-node'],
  async run(ctx) {
    const T = TIMEOUTS.affinityTimeoutSec;
    const w = ctx.workers.map((n) => n.name);
    const svc = serviceWith(ctx, { name: 'affinity', ports: [{ port: 80, targetPort: 8080 }] }, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: T } } });
    const app = appOf(await deployEchoBehind(ctx, [...w, ...w], [svc]), 'affinity');
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const url = `http://${app.svc.clusterIP}:80/`;
    const sources: Source[] = [...[...clients.values()].map((from) => ({ role: 'pod' as const, from })), ...ctx.cluster.nodes.map((n) => ({ role: 'node' as const, from: ctx.node(n.name) }))];
    await ctx.step('every client reaches the ClusterIP (converge)', () =>
      mustConverge(ctx.rec, { key: 'every pod and node reaches the ClusterIP before the rounds', expected: `2 consecutive answers each within ${TIMEOUTS.serviceProgrammed / 1000} s` }, () =>
        pool(sources, sources.length, (s) => converge(() => curl(s.from, url), answered, { what: `${s.from.label} -> ${url} answering`, timeoutMs: TIMEOUTS.serviceProgrammed, consecutive: 2 })),
      ),
    );
    const rounds: CurlEvidence[][][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r > 0) await ctx.step(`silence: ${T} s timeoutSeconds + ${TIMEOUTS.affinityExpiryMarginMs} ms`, () => delay(T * 1000 + TIMEOUTS.affinityExpiryMarginMs));
      rounds.push(
        await ctx.step(`round ${r + 1}: ${PER_ROUND} requests in a row from each of ${sources.length} clients`, () =>
          // One exec per client and round: its requests are milliseconds apart. One exec per
          // request let a loaded machine space them more than timeoutSeconds apart (round 1 of a
          // fault run took 10 s), and the affinity then expired as it should.
          pool(sources, sources.length, (s) => curlSeries(s.from, url, PER_ROUND)),
        ),
      );
    }
    const lines: string[] = [];
    const byRole = new Map<string, { path: string; converged: boolean; attempts: ReturnType<typeof judgeSticky> }[]>();
    const pinned: (string | undefined)[][] = sources.map(() => []);
    sources.forEach((s, i) => {
      const key = `${s.role} -> ClusterIP: requests within timeoutSeconds stay on one endpoint`;
      rounds.forEach((round, r) => {
        const sample = round[i] ?? [];
        const path = `${s.from.label} -> ${url}, round ${r + 1}`;
        pinned[i]?.push(modal(sample.map(servedBy)));
        lines.push(`${path}: ${sample.map((c) => servedBy(c) ?? `exit ${c.exit}`).join(', ')}`);
        byRole.set(key, [...(byRole.get(key) ?? []), { path, converged: true, attempts: judgeSticky(key, path, sample, T * 1000) }]);
      });
    });
    await ctx.rec.text('echo', 'endpoint per request, per client and round (rounds separated by more than timeoutSeconds of silence)', lines.join('\n'));
    for (const [key, paths] of byRole) {
      const expected = `the ${PER_ROUND} requests of a client in one round answered by the same endpoint`;
      ctx.rec.expect(`${key}: ${expected}`);
      const check = aggregateRow({ key, expected, paths });
      ctx.rec.observe(`${key}: ${check.observedEcho ?? ''}`);
      ctx.rec.check(check);
    }
    const moved = sources.filter((_, i) => new Set(pinned[i]?.filter(Boolean)).size > 1);
    const journeys = sources.map((s, i) => `${s.from.label}: ${(pinned[i] ?? []).map((p) => p ?? '-').join(' -> ')}`);
    const chances = sources.length * (ROUNDS - 1);
    ctx.rec.expect(`after ${T} s of silence the affinity has expired: some of ${sources.length} clients land on another endpoint in a later round`);
    ctx.rec.observe(`${moved.length} of ${sources.length} clients changed endpoint across the silences`);
    ctx.rec.check({
      key: 'after timeoutSeconds of silence, clients are balanced again',
      expected: `at least one of ${sources.length} clients changes endpoint across ${ROUNDS - 1} silences (a correct proxy fails this with probability ${(app.pods.length ** -chances).toExponential(1)})`,
      observedEcho: journeys.join('; '),
      verdict: moved.length > 0 ? 'ok' : 'mismatch',
      ...(moved.length ? {} : { note: 'every client stayed on its endpoint: the affinity outlived timeoutSeconds' }),
    });
    await attachServiceRules(ctx, 'affinity', w[0] ?? '');
  },
});
