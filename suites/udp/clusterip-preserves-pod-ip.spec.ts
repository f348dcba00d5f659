import { attachServiceRules, deployUdpEcho } from '../../harness/apps/deploy.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { udpClients } from '../../harness/apps/udp.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'pod on the endpoint node -> ClusterIP/UDP' | 'pod on a node without endpoint -> ClusterIP/UDP';

/** Pod -> ClusterIP over UDP: answered, no SNAT, from every node (every implementation). */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod on the endpoint node -> ClusterIP/UDP': ANSWERS_WITH_CLIENT_IP, 'pod on a node without endpoint -> ClusterIP/UDP': ANSWERS_WITH_CLIENT_IP },
};

const PORT = 5300;

/** Catches: UDP Service ports not programmed (a proxy that only writes TCP rules); SNAT of pod-to-ClusterIP traffic over UDP. */
defineCase({
  id: 'udp/clusterip-preserves-pod-ip',
  title: 'UDP ClusterIP: every datagram from a pod on every node is answered, and the endpoint sees the client pod IP',
  source: SOURCES.serviceProtocols,
  needs: ['capture', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployUdpEcho(ctx, [epNode.name], PORT, { name: 'udp-clusterip', ports: [{ port: 53, targetPort: PORT, protocol: 'UDP' }] });
    const clients = await udpClients(ctx);
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: PORT, node: p.node })),
      probes: [...clients.values()].map((from) => {
        const key = `${podRole(from.node, endpointNodes)} -> ClusterIP/UDP` as Row;
        return { key, from, url: `udp://${app.svc.clusterIP}:53`, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node };
      }),
    });
    await attachServiceRules(ctx, 'udp-clusterip', epNode.name);
  },
});
