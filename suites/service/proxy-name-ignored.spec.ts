import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { probeRows } from '../../harness/judge/scenarios.ts';
import { servedBy } from '../../harness/judge/affinity.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import { defineCase } from '../../harness/run/case.ts';

const LABEL = 'service.kubernetes.io/service-proxy-name';
type Row = 'pod -> ClusterIP of the unlabelled Service' | 'pod -> ClusterIP of a Service for another proxy';

/**
 * A Service labelled service.kubernetes.io/service-proxy-name=<another proxy> belongs to that
 * proxy: this one leaves it alone. An unlabelled Service over the same pods shows that the
 * endpoints answer; through the labelled Service's ClusterIP no endpoint may answer (where the
 * packets go instead is not the proxy's business), and no node's dataplane mentions it.
 */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod -> ClusterIP of the unlabelled Service': ANSWERS, 'pod -> ClusterIP of a Service for another proxy': DROPS },
};

/** Catches: a proxy that programs Services labelled for another proxy (service-proxy-name ignored). */
defineCase({
  id: 'service/proxy-name-ignored',
  title: `A Service labelled ${LABEL}=another-proxy: no endpoint answers through its ClusterIP and no node programs it, while an unlabelled twin answers`,
  source: SOURCES.wellKnownLabels,
  needs: ['node-access'],
  async run(ctx) {
    const w = ctx.workers[0]?.name ?? '';
    const plain = serviceWith(ctx, { name: 'plain', ports: [{ port: 80, targetPort: 8080 }] }, {});
    const foreign = serviceWith(ctx, { name: 'other-proxy', labels: { app: 'other-proxy', [LABEL]: 'another-proxy' }, ports: [{ port: 80, targetPort: 8080 }] }, {});
    const deployed = await deployEchoBehind(ctx, [w], [plain, foreign]);
    const app = appOf(deployed, 'plain');
    const other = appOf(deployed, 'other-proxy');
    const clients = [...(await ctx.step('client pods on every node', () => ctx.clients())).values()];
    // The unlabelled twin first: once it answers everywhere, this proxy has synced both Services.
    await probeRows(ctx, clients.map((from) => ({ key: 'pod -> ClusterIP of the unlabelled Service', from, url: `http://${app.svc.clusterIP}:80/`, expectation: ctx.expectation(EXPECT, 'pod -> ClusterIP of the unlabelled Service') })));
    const endpoint = (c: CurlEvidence) => servedBy(c);
    const key: Row = 'pod -> ClusterIP of a Service for another proxy';
    const expected = 'no endpoint answers (the Service is not this proxy’s)';
    await probeRows(
      ctx,
      clients.map((from) => ({ key, from, url: `http://${other.svc.clusterIP}:80/`, expectation: ctx.expectation(EXPECT, key), expected, converged: (c: CurlEvidence) => !endpoint(c) })),
      (c, p) => {
        const who = endpoint(c);
        return who
          ? { key: p.key, expected, observedEcho: `answered by endpoint ${who}`, verdict: 'mismatch', note: 'the proxy forwarded a Service labelled for another proxy' }
          : { key: p.key, expected, observedEcho: `no endpoint answered (curl exit ${c.exit}, http ${c.httpCode ?? '-'})`, verdict: 'ok' };
      },
    );
    const seen: string[] = [];
    let foreignRules = 0;
    let plainRules = 0;
    for (const n of ctx.cluster.nodes) {
      const dump = await ctx.step(`dump ${ctx.impl.dataplane.tool} on ${n.name}`, () => ctx.dumpDataplane(n.name));
      const mine = ctx.impl.dataplane.serviceRules(dump.text, { namespace: ctx.ns, name: 'other-proxy' });
      const twin = ctx.impl.dataplane.serviceRules(dump.text, { namespace: ctx.ns, name: 'plain' });
      const mentionsIp = dump.text.includes(other.svc.clusterIP);
      if (mine || mentionsIp) foreignRules++;
      if (twin) plainRules++;
      seen.push(`${n.name}: ${mine ? 'rules for other-proxy' : 'no rules for other-proxy'}${mentionsIp ? `, mentions ${other.svc.clusterIP}` : ''}; ${twin ? 'rules for plain' : 'NO rules for plain'}`);
      await ctx.rec.text('rules', `${dump.tool} on ${n.name}: rules of other-proxy and plain`, `# other-proxy\n${mine || '(none)'}\n# plain\n${twin || '(none)'}`);
    }
    ctx.rec.expect('no node has dataplane entries for the Service labelled for another proxy (and every node has them for its unlabelled twin)');
    ctx.rec.observe(seen.join('; '));
    ctx.rec.check({
      key: 'dataplane entries for the Service labelled for another proxy, on every node',
      expected: `none on ${ctx.cluster.nodes.length} nodes (the unlabelled twin's entries present on each, so the dump is read right)`,
      observedEcho: seen.join('\n'),
      verdict: foreignRules === 0 && plainRules === ctx.cluster.nodes.length ? 'ok' : 'mismatch',
      ...(foreignRules ? { note: `${foreignRules} node(s) program the Service` } : plainRules < ctx.cluster.nodes.length ? { note: 'the unlabelled twin is missing from some dump: cannot read the dataplane' } : {}),
    });
  },
});
