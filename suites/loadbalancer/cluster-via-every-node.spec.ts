import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { clearRoute, echoBehindLoadBalancer, routeVia } from '../../harness/apps/lb.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { everyEndpointServed, runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> LB VIP routed via endpoint node' | 'outside -> LB VIP routed via node without endpoint';

/** externalTrafficPolicy: Cluster: whichever node receives the VIP's traffic forwards it, SNATed to itself. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> LB VIP routed via endpoint node': ANSWERS_WITH_NODE_SNAT, 'outside -> LB VIP routed via node without endpoint': ANSWERS_WITH_NODE_SNAT },
};

/** Catches: LB VIP programmed on some nodes only; no forwarding from a node without endpoint; external traffic not SNATed. */
defineCase({
  id: 'loadbalancer/cluster-via-every-node',
  title: 'Type=LoadBalancer, externalTrafficPolicy=Cluster, the VIP routed by the outside client through each node in turn: every node forwards, SNATed to itself',
  source: SOURCES.sourceIp,
  needs: ['loadbalancer', 'capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const nodes = ctx.workers.map((w) => w.name);
    const { app, lb, outside } = await echoBehindLoadBalancer(ctx, 'Cluster', nodes);
    const endpointNodes = app.pods.map((p) => p.node);
    let rows;
    try {
      rows = await runSourceScenario(ctx, {
        endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
        probes: ctx.cluster.nodes.map((n) => {
          const key = `outside -> LB VIP routed via ${nodeRole(n.name, endpointNodes)}` as Row;
          return { key, from: outside, url: `http://${lb.lbIp}:80/`, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name, prepare: routeVia(outside, lb.lbIp, n) };
        }),
      });
    } finally {
      await clearRoute(outside, lb.lbIp);
    }
    everyEndpointServed(ctx, rows, app.pods);
    await attachServiceRules(ctx, 'loadbalancer', ctx.cluster.nodes[0]?.name ?? '', [`${lb.lbIp}:80`]);
  },
});
