import { deployEcho, attachServiceRules } from '../../harness/apps/deploy.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'pod on the endpoint node -> ClusterIP' | 'pod on a node without endpoint -> ClusterIP';

/** Pod -> ClusterIP: no SNAT, whichever node the client pod runs on (every implementation). */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod on the endpoint node -> ClusterIP': ANSWERS_WITH_CLIENT_IP, 'pod on a node without endpoint -> ClusterIP': ANSWERS_WITH_CLIENT_IP },
};

/** Catches: SNAT of pod-to-ClusterIP traffic (masqueradeAll, a masquerade rule matching too much). */
defineCase({
  id: 'source-ip/clusterip-preserves-pod-ip',
  title: 'Type=ClusterIP: the endpoint sees the client pod IP, from a pod on every node',
  source: SOURCES.sourceIp,
  needs: ['capture', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'clusterip', ports: [{ port: 80, targetPort: 8080 }] });
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const url = `http://${app.svc.clusterIP}:80/`;
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [...clients.values()].map((from) => {
        const key = `${podRole(from.node, endpointNodes)} -> ClusterIP` as Row;
        return { key, from, url, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node };
      }),
    });
    await attachServiceRules(ctx, 'clusterip', epNode.name);
  },
});
