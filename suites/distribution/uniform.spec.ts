import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { DISTRIBUTION, KUARD, kuardSpread, spreadTable } from '../../harness/apps/distribution.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { chiSquarePower, uniformityVerdict } from '../../harness/judge/stats.ts';

/** Imbalances the evidence states the test's power against (Cohen's w, see harness/judge/stats.ts). */
const POWER_AGAINST = [
  { what: 'one of 5 endpoints at 1.5x its share (w = 0.25)', w: 0.25 },
  { what: 'one of 5 endpoints never chosen (w = 0.5)', w: 0.5 },
] as const;

defineCase({
  id: 'distribution/uniform',
  title: `kuard with ${KUARD.replicas} replicas: new connections spread uniformly (chi-square, false-failure probability ${DISTRIBUTION.alpha})`,
  source: SOURCES.virtualIps,
  async run(ctx) {
    const n = DISTRIBUTION.uniformRequests;
    const { from, pods, ev } = await kuardSpread(ctx, n);
    const counts = pods.map((p) => ev.counts[p] ?? 0);
    const answered = counts.reduce((a, b) => a + b, 0);
    const v = answered > 0 ? uniformityVerdict(counts, DISTRIBUTION.alpha) : undefined;
    const power = POWER_AGAINST.map((x) => `${x.what}: ${(chiSquarePower(pods.length, answered || n, x.w, DISTRIBUTION.alpha) * 100).toFixed(1)}%`);
    await ctx.rec.text(
      'echo',
      'answers per pod and the chi-square test',
      `${spreadTable(ev, pods)}\n\nN = ${n} requests, ${answered} answered by a replica, k = ${pods.length} replicas, df = ${pods.length - 1}\n` +
        `alpha = ${DISTRIBUTION.alpha}: a uniformly balancing proxy fails this test with probability ${DISTRIBUTION.alpha} (false failure)\n` +
        `${v ? `critical value ${v.critical.toFixed(3)}; ${v.summary}` : 'no answers: no test'}\n` +
        `power of the test at this N: ${power.join('; ')}`,
    );
    await ctx.rec.text('log', 'request loop output', ev.raw);

    ctx.rec.expect(`chi-square over the ${pods.length} replicas <= the critical value at alpha = ${DISTRIBUTION.alpha}${v ? ` (${v.critical.toFixed(2)}, df ${v.df})` : ''}; every request answered`);
    ctx.rec.observe(v ? v.summary : 'no request was answered by a replica');
    ctx.rec.check({
      key: `spread of ${n} connections over ${pods.length} replicas`,
      expected: `χ² <= ${v ? v.critical.toFixed(2) : 'critical value'} (df ${pods.length - 1}, α = ${DISTRIBUTION.alpha})`,
      observedEcho: v ? `χ² = ${v.statistic.toFixed(2)}, p = ${v.pValue.toPrecision(3)}; counts ${counts.join(', ')}` : 'no answers',
      verdict: v?.uniform ? 'ok' : 'mismatch',
    });
    const strangers = Object.keys(ev.counts).filter((p) => !pods.includes(p));
    ctx.rec.check({
      key: 'every request answered by a replica',
      expected: `${n}/${n}`,
      observedEcho: `${answered}/${n}${ev.failures.length ? `; first failures: ${ev.failures.slice(0, 5).map((f) => `#${f.i} exit ${f.exitCode}`).join(', ')}` : ''}${strangers.length ? `; answers from non-endpoints: ${strangers.join(', ')}` : ''}`,
      verdict: answered === n ? 'ok' : 'mismatch',
    });
    await attachServiceRules(ctx, KUARD.name, from.node);
  },
});
