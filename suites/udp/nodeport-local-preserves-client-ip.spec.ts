import { attachServiceRules, deployUdpEcho } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'outside -> endpoint node : nodePort/UDP' | 'outside -> node without endpoint : nodePort/UDP';

/** externalTrafficPolicy: Local over UDP — the endpoint node answers with the client's IP; others drop. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort/UDP': ANSWERS_LOCALLY_WITH_CLIENT_IP, 'outside -> node without endpoint : nodePort/UDP': DROPS },
};

const PORT = 5302;

/** Catches: externalTrafficPolicy Local ignored or SNATed for UDP (the TCP case alone does not see a proxy that handles the policy per protocol). */
defineCase({
  id: 'udp/nodeport-local-preserves-client-ip',
  title: 'UDP NodePort, externalTrafficPolicy=Local: the endpoint node answers with the client IP, a node without endpoint drops',
  source: SOURCES.serviceProtocols,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployUdpEcho(ctx, [epNode.name], PORT, { name: 'udp-local', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 53, targetPort: PORT, protocol: 'UDP' }] });
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
    await attachServiceRules(ctx, 'udp-local', epNode.name);
  },
});
