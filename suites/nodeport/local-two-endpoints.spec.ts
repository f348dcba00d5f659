import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { everyEndpointServed, runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/**
 * externalTrafficPolicy: Local with an endpoint on each worker: a node with an endpoint answers
 * only through its own endpoint, with the client's IP; the control plane (no endpoint) drops.
 */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': ANSWERS_LOCALLY_WITH_CLIENT_IP, 'outside -> node without endpoint : nodePort': DROPS },
};

/** Catches: Local policy ignored (a remote endpoint answers, or the source is SNATed); a node without endpoint forwarding. */
defineCase({
  id: 'nodeport/local-two-endpoints',
  title: "Type=NodePort, externalTrafficPolicy=Local, an endpoint on each worker: each endpoint node answers through its own endpoint with the client's IP; a node without endpoint drops",
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const nodes = ctx.workers.map((w) => w.name);
    const app = await deployEcho(ctx, nodes, { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const endpointNodes = app.pods.map((p) => p.node);
    const rows = await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.map((n) => {
        const key = `outside -> ${nodeRole(n.name, endpointNodes)} : nodePort` as Row;
        return { key, from: outside, url: `http://${n.ip}:${nodePort}/`, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name };
      }),
    });
    everyEndpointServed(ctx, rows, app.pods);
    await attachServiceRules(ctx, 'nodeport', nodes[0] ?? '');
  },
});
