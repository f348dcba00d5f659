import { deployEcho, attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_CLIENT_IP, DROPS, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/** externalTrafficPolicy: Local — only nodes with an endpoint answer, and without SNAT. */
const EXPECT: ExpectationTable<'node-with-endpoint' | 'node-without-endpoint'> = {
  rows: { 'node-with-endpoint': ANSWERS_WITH_CLIENT_IP, 'node-without-endpoint': DROPS },
};

defineCase({
  id: 'source-ip/nodeport-local-preserves-client-ip',
  title: "Type=NodePort, externalTrafficPolicy=Local: nodes with an endpoint answer with the client's IP, others drop",
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const hasEndpoint = new Set(app.pods.map((p) => p.node));
    // Nodes with an endpoint first: their answer also proves the Service is programmed.
    const nodes = [...ctx.cluster.nodes].sort((a, b) => Number(hasEndpoint.has(b.name)) - Number(hasEndpoint.has(a.name)));
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: nodes.map((n) => {
        const row = hasEndpoint.has(n.name) ? 'node-with-endpoint' : 'node-without-endpoint';
        return { key: `outside -> ${n.name}:${nodePort} (${row.replace(/-/g, ' ')})`, from: outside, url: `http://${n.ip}:${nodePort}/`, expectation: expectationFor(EXPECT, ctx.mode, row), receivingNode: n.name };
      }),
    });
    await attachServiceRules(ctx, 'nodeport', epNode.name);
  },
});
