import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { DISTRIBUTION, KUARD, kuardSpread, spreadTable } from '../../harness/apps/distribution.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

defineCase({
  id: 'distribution/all-endpoints-serve',
  title: `kuard with ${KUARD.replicas} replicas behind one ClusterIP: every replica answers`,
  source: SOURCES.virtualIps,
  async run(ctx) {
    const n = DISTRIBUTION.allServeRequests;
    const { from, pods, ev } = await kuardSpread(ctx, n);
    const pMiss = pods.length * ((pods.length - 1) / pods.length) ** n;
    await ctx.rec.text('echo', 'answers per pod', `${spreadTable(ev, pods)}\n\nN=${n}: with a uniform spread, the chance that some replica gets no request at all is <= ${pods.length}*(${pods.length - 1}/${pods.length})^${n} = ${pMiss.toExponential(2)} (false-failure probability of the "every replica answers" check).`);
    await ctx.rec.text('log', 'request loop output', ev.raw);

    ctx.rec.expect(`each of the ${pods.length} replicas answers at least once in ${n} requests, every request answered by a replica`);
    const silent = pods.filter((p) => !ev.counts[p]);
    const strangers = Object.keys(ev.counts).filter((p) => !pods.includes(p));
    ctx.rec.observe(`${Object.keys(ev.counts).length} distinct pods answered; ${ev.failures.length} request(s) unanswered`);
    for (const p of pods) {
      ctx.rec.check({ key: `replica ${p} answers`, expected: `>= 1 of ${n}`, observedEcho: String(ev.counts[p] ?? 0), verdict: ev.counts[p] ? 'ok' : 'mismatch' });
    }
    ctx.rec.check({
      key: 'every request answered by a replica',
      expected: `${n}/${n}, only from ${pods.join(', ')}`,
      observedEcho: `${n - ev.failures.length}/${n}${ev.failures.length ? `; first failures: ${ev.failures.slice(0, 5).map((f) => `#${f.i} exit ${f.exitCode}`).join(', ')}` : ''}${strangers.length ? `; answers from non-endpoints: ${strangers.join(', ')}` : ''}`,
      verdict: ev.failures.length === 0 && strangers.length === 0 && silent.length === 0 ? 'ok' : 'mismatch',
    });
    await attachServiceRules(ctx, KUARD.name, from.node);
  },
});
