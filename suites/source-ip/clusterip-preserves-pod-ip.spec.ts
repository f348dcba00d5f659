import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { deployEchoPerFamily, endpointsOf, familyKey } from '../../harness/apps/families.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { urlHost } from '../../clusters/ip-family.ts';
import { asFamily } from '../../harness/probes/runners.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'pod on the endpoint node -> ClusterIP' | 'pod on a node without endpoint -> ClusterIP';

/** Pod -> ClusterIP: no SNAT, whichever node the client pod runs on (every implementation). */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod on the endpoint node -> ClusterIP': ANSWERS_WITH_CLIENT_IP, 'pod on a node without endpoint -> ClusterIP': ANSWERS_WITH_CLIENT_IP },
};

/**
 * Catches: SNAT of pod-to-ClusterIP traffic (masqueradeAll, a masquerade rule matching too much).
 * On a dual-stack cluster once per family: an IPv4 and an IPv6 Service, the client pods' address
 * of that family expected (https://kubernetes.io/docs/concepts/services-networking/dual-stack/).
 */
defineCase({
  id: 'source-ip/clusterip-preserves-pod-ip',
  title: 'Type=ClusterIP: the endpoint sees the client pod IP, from a pod on every node',
  source: SOURCES.sourceIp,
  needs: ['capture', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEchoPerFamily(ctx, [epNode.name], { name: 'clusterip', ports: [{ port: 80, targetPort: 8080 }] });
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.services.flatMap((s) => endpointsOf(app.pods, s.family)),
      probes: app.services.flatMap((s) =>
        [...clients.values()].map((client) => {
          const row = `${podRole(client.node, endpointNodes)} -> ClusterIP` as Row;
          const url = `http://${urlHost(s.svc.clusterIP)}:80/`;
          return { key: familyKey(row, s.family, ctx.ipFamilies), from: asFamily(client, s.family), url, expectation: ctx.expectation(EXPECT, row), receivingNode: client.node };
        }),
      ),
    });
    for (const s of app.services) await attachServiceRules(ctx, s.name, epNode.name);
  },
});
