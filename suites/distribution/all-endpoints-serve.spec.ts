import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { DISTRIBUTION, KUARD, kuardSpreadFromEverywhere, spreadLog, spreadTable } from '../../harness/apps/distribution.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/**
 * Catches: endpoint selection stuck on one endpoint; an endpoint missing from some node's
 * rules; answers from something that is not an endpoint.
 */
defineCase({
  id: 'distribution/all-endpoints-serve',
  title: `kuard with ${KUARD.replicas} replicas behind one ClusterIP: every replica answers, from a pod on every node and from every node`,
  source: SOURCES.virtualIps,
  // Long request loops from every pod and node: 3 minutes was not enough under load (2 cores,
  // 4 workers, load average 35: a test time-out, no verdict, nftables at 804f07d).
  timeoutMs: 360_000,
  async run(ctx) {
    const n = DISTRIBUTION.allServePerSource;
    const { app, pods, spreads } = await kuardSpreadFromEverywhere(ctx, n);
    const pMiss = pods.length * ((pods.length - 1) / pods.length) ** n;
    await ctx.rec.text(
      'echo',
      'answers per pod, per source',
      `${spreads.map((s) => `[${s.role}]\n${spreadTable(s.ev, pods)}`).join('\n\n')}\n\nN=${n} per source: with a uniform spread, the chance that some replica gets no request from one source is <= ${pods.length}*(${pods.length - 1}/${pods.length})^${n} = ${pMiss.toExponential(2)} (false-failure probability per source).`,
    );
    await ctx.rec.text('log', 'request loop output', spreads.map((s) => spreadLog(s.ev)).join('\n'));
    ctx.rec.expect(`from every source, each of the ${pods.length} replicas answers at least once in ${n} requests, and every request is answered by a replica`);
    const byRole = new Map<string, typeof spreads>();
    for (const s of spreads) byRole.set(s.role, [...(byRole.get(s.role) ?? []), s]);
    for (const [role, group] of byRole) {
      const problems = group.flatMap((s) => {
        const silent = pods.filter((p) => !s.ev.counts[p]);
        const strangers = Object.keys(s.ev.counts).filter((p) => !pods.includes(p));
        const out: string[] = [];
        if (silent.length) out.push(`${s.ev.from}: no answer from ${silent.join(', ')}`);
        if (s.ev.failures.length) out.push(`${s.ev.from}: ${s.ev.failures.length}/${n} unanswered (first: ${s.ev.failures.slice(0, 3).map((f) => `#${f.i} exit ${f.exitCode}`).join(', ')})`);
        if (strangers.length) out.push(`${s.ev.from}: answers from non-endpoints ${strangers.join(', ')}`);
        return out;
      });
      const total = group.length * n;
      const ok = group.reduce((a, s) => a + Object.entries(s.ev.counts).filter(([p]) => pods.includes(p)).reduce((x, [, c]) => x + c, 0), 0);
      ctx.rec.observe(`${role}: ${problems.length ? problems.join('; ') : 'every replica answered from every source'}`);
      ctx.rec.check({
        key: `${role}: every replica answers`,
        expected: `${pods.length}/${pods.length} replicas answer, ${n}/${n} requests answered, from each of ${group.length} source(s)`,
        observedEcho: group.map((s) => `${s.ev.from}: ${pods.map((p) => s.ev.counts[p] ?? 0).join('/')}`).join('; '),
        verdict: problems.length ? 'mismatch' : 'ok',
        samples: { total, ok },
        ...(problems.length ? { note: problems.join('; ') } : {}),
      });
    }
    await attachServiceRules(ctx, KUARD.name, app.pods[0]?.node ?? '');
  },
});
