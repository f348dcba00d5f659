import { attachServiceRules, deployUdpEcho } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { defineCase } from '../../harness/run/case.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'outside -> endpoint node : nodePort/UDP' | 'outside -> node without endpoint : nodePort/UDP';

/** externalTrafficPolicy: Cluster over UDP — every node answers, SNATed to the receiving node (as for TCP). */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort/UDP': EXTERNAL_CLUSTER_POLICY, 'outside -> node without endpoint : nodePort/UDP': EXTERNAL_CLUSTER_POLICY },
};

const PORT = 5301;

/** Catches: UDP NodePorts not programmed or not forwarded to a remote endpoint; external UDP traffic not SNATed (replies would bypass the node's conntrack). */
defineCase({
  id: 'udp/nodeport-cluster-snat',
  title: 'UDP NodePort, externalTrafficPolicy=Cluster: every node answers the outside client, and the source is SNATed to the receiving node',
  source: SOURCES.serviceProtocols,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployUdpEcho(ctx, [epNode.name], PORT, { name: 'udp-nodeport', type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 53, targetPort: PORT, protocol: 'UDP' }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: PORT, node: p.node })),
      probes: ctx.cluster.nodes.map((n) => {
        const key = `outside -> ${nodeRole(n.name, endpointNodes)} : nodePort/UDP` as Row;
        return { key, from: outside, url: `udp://${n.ip}:${nodePort}`, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name };
      }),
    });
    await attachServiceRules(ctx, 'udp-nodeport', epNode.name);
  },
});
