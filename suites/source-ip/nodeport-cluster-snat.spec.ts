import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { deployEchoPerFamily, endpointsOf, familyKey } from '../../harness/apps/families.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { addressOf, urlHost } from '../../clusters/ip-family.ts';
import { asFamily } from '../../harness/probes/runners.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/** externalTrafficPolicy: Cluster — every node answers, and SNATs to one of its own addresses. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': ANSWERS_WITH_NODE_SNAT, 'outside -> node without endpoint : nodePort': ANSWERS_WITH_NODE_SNAT },
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
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.services.flatMap((s) => endpointsOf(app.pods, s.family)),
      probes: app.services.flatMap((s) => {
        const nodePort = s.svc.ports[0]?.nodePort;
        if (!nodePort) throw new Error(`Service ${s.name} got no nodePort`);
        return ctx.cluster.nodes.map((n) => {
          const row = `outside -> ${nodeRole(n.name, endpointNodes)} : nodePort` as Row;
          const nodeIp = addressOf(n.ips, s.family);
          if (!nodeIp) throw new Error(`node ${n.name} has no ${s.family} InternalIP (${n.ips.join(', ')})`);
          return { key: familyKey(row, s.family, ctx.ipFamilies), from: asFamily(outside, s.family), url: `http://${urlHost(nodeIp)}:${nodePort}/`, expectation: ctx.expectation(EXPECT, row), receivingNode: n.name };
        });
      }),
    });
    for (const s of app.services) await attachServiceRules(ctx, s.name, epNode.name);
  },
});
