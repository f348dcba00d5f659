import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { DISTRIBUTION, KUARD, kuardSpreadFromEverywhere, spreadLog, spreadTable, totalCounts } from '../../harness/apps/distribution.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { chiSquarePower, uniformityVerdict } from '../../harness/judge/stats.ts';

/** Imbalances the evidence states the test's power against (Cohen's w, see harness/judge/stats.ts). */
const POWER_AGAINST = [
  { what: 'one of 5 endpoints at 1.5x its share (w = 0.25)', w: 0.25 },
  { what: 'one of 5 endpoints never chosen (w = 0.5)', w: 0.5 },
] as const;

/** Catches: a skewed selection (a wrong probability chain, a vmap with a missing slot, one endpoint favoured). */
defineCase({
  id: 'distribution/uniform',
  title: `kuard with ${KUARD.replicas} replicas: new connections from every pod and node spread uniformly (chi-square, false-failure probability ${DISTRIBUTION.alpha})`,
  source: SOURCES.virtualIps,
  // Long request loops from every pod and node: 3 minutes was not enough under load (2 cores,
  // 4 workers, load average 35: a test time-out, no verdict, nftables at 804f07d).
  timeoutMs: 360_000,
  async run(ctx) {
    const { app, pods, spreads } = await kuardSpreadFromEverywhere(ctx, Math.ceil(DISTRIBUTION.uniformRequests / 6));
    const n = spreads.reduce((a, s) => a + s.ev.sent, 0);
    const all = totalCounts(spreads);
    const counts = pods.map((p) => all[p] ?? 0);
    const answered = counts.reduce((a, b) => a + b, 0);
    const v = answered > 0 ? uniformityVerdict(counts, DISTRIBUTION.alpha) : undefined;
    const power = POWER_AGAINST.map((x) => `${x.what}: ${(chiSquarePower(pods.length, answered || n, x.w, DISTRIBUTION.alpha) * 100).toFixed(1)}%`);
    await ctx.rec.text(
      'echo',
      'answers per pod and the chi-square test',
      `${spreads.map((s) => `[${s.role}]\n${spreadTable(s.ev, pods)}`).join('\n\n')}\n\nall sources: ${pods.map((p, i) => `${p}=${counts[i]}`).join(', ')}\n` +
        `N = ${n} requests, ${answered} answered by a replica, k = ${pods.length} replicas, df = ${pods.length - 1}\n` +
        `alpha = ${DISTRIBUTION.alpha}: a uniformly balancing proxy fails this test with probability ${DISTRIBUTION.alpha} (false failure)\n` +
        `${v ? `critical value ${v.critical.toFixed(3)}; ${v.summary}` : 'no answers: no test'}\n` +
        `power of the test at this N: ${power.join('; ')}`,
    );
    await ctx.rec.text('log', 'request loop output', spreads.map((s) => spreadLog(s.ev)).join('\n'));
    ctx.rec.expect(`chi-square over the ${pods.length} replicas <= the critical value at alpha = ${DISTRIBUTION.alpha}${v ? ` (${v.critical.toFixed(2)}, df ${v.df})` : ''}; every request answered`);
    ctx.rec.observe(v ? v.summary : 'no request was answered by a replica');
    ctx.rec.check({
      key: 'spread of new connections from every pod and node over the replicas',
      expected: `χ² <= ${v ? v.critical.toFixed(2) : 'critical value'} (df ${pods.length - 1}, α = ${DISTRIBUTION.alpha})`,
      observedEcho: v ? `χ² = ${v.statistic.toFixed(2)}, p = ${v.pValue.toPrecision(3)}; counts ${counts.join(', ')} of ${n}` : 'no answers',
      verdict: v?.uniform ? 'ok' : 'mismatch',
    });
    const strangers = Object.keys(all).filter((p) => !pods.includes(p));
    ctx.rec.check({
      key: 'every request answered by a replica',
      expected: `${n}/${n}`,
      observedEcho: `${answered}/${n}${strangers.length ? `; answers from non-endpoints: ${strangers.join(', ')}` : ''}`,
      verdict: answered === n ? 'ok' : 'mismatch',
      samples: { total: n, ok: answered },
    });
    await attachServiceRules(ctx, KUARD.name, app.pods[0]?.node ?? '');
  },
});
