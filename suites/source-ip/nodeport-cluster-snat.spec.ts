import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { deployEchoPerFamily, endpointsOf, nodePortPathsFromOutside } from '../../harness/apps/families.ts';
import { defineCase } from '../../harness/run/case.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/** externalTrafficPolicy: Cluster — every node answers, and SNATs to one of its own addresses. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': EXTERNAL_CLUSTER_POLICY, 'outside -> node without endpoint : nodePort': EXTERNAL_CLUSTER_POLICY },
};

/**
 * Catches: external traffic not SNATed; NodePort missing on some nodes; no forwarding to a remote endpoint.
 * On a dual-stack cluster once per family: the outside client's IPv6 address to each node's IPv6
 * InternalIP, SNATed to an IPv6 address of the receiving node
 * (https://kubernetes.io/docs/concepts/services-networking/dual-stack/).
 */
defineCase({
  id: 'source-ip/nodeport-cluster-snat',
  title: 'Type=NodePort, externalTrafficPolicy=Cluster (the tutorial\'s one replica): every node answers and the source is SNATed to the receiving node',
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEchoPerFamily(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] });
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    await runSourceScenario(ctx, { endpoints: app.services.flatMap((s) => endpointsOf(app.pods, s.family)), probes: nodePortPathsFromOutside(ctx, app, outside, EXPECT) });
    for (const s of app.services) await attachServiceRules(ctx, s.name, epNode.name);
  },
});
