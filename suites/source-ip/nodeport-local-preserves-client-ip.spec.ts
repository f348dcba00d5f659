import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { deployEchoPerFamily, endpointsOf, nodePortPathsFromOutside } from '../../harness/apps/families.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/** externalTrafficPolicy: Local — only nodes with an endpoint answer, without SNAT; others drop. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': ANSWERS_LOCALLY_WITH_CLIENT_IP, 'outside -> node without endpoint : nodePort': DROPS },
};

/**
 * Catches: externalTrafficPolicy Local ignored (forwarded and SNATed, or answered by a remote endpoint).
 * On a dual-stack cluster once per family: the outside client's IPv6 address must reach the
 * endpoint unchanged through the endpoint node's IPv6 InternalIP
 * (https://kubernetes.io/docs/concepts/services-networking/dual-stack/).
 */
defineCase({
  id: 'source-ip/nodeport-local-preserves-client-ip',
  title: "Type=NodePort, externalTrafficPolicy=Local (the tutorial's one replica): nodes with an endpoint answer with the client's IP, others drop",
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEchoPerFamily(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] });
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    await runSourceScenario(ctx, { endpoints: app.services.flatMap((s) => endpointsOf(app.pods, s.family)), probes: nodePortPathsFromOutside(ctx, app, outside, EXPECT) });
    for (const s of app.services) await attachServiceRules(ctx, s.name, epNode.name);
  },
});
