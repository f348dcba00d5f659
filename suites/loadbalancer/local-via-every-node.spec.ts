import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { echoBehindLoadBalancer } from '../../harness/apps/lb.ts';
import { throughEveryNode } from '../../harness/apps/every-node.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> LB VIP routed via endpoint node' | 'outside -> LB VIP routed via node without endpoint';

/**
 * externalTrafficPolicy: Local: a node with an endpoint answers through it with the client's IP;
 * a node without one does not forward (the VIP's traffic is dropped there).
 */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> LB VIP routed via endpoint node': ANSWERS_LOCALLY_WITH_CLIENT_IP, 'outside -> LB VIP routed via node without endpoint': DROPS },
};

/** Catches: Local policy ignored for LoadBalancer traffic (forwarded from a node without endpoint, SNATed, or served remotely). */
defineCase({
  id: 'loadbalancer/local-via-every-node',
  title: "Type=LoadBalancer, externalTrafficPolicy=Local, the VIP routed through each node in turn: endpoint nodes answer locally with the client's IP, a node without endpoint drops",
  source: SOURCES.sourceIp,
  needs: ['loadbalancer', 'capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const nodes = ctx.workers.map((w) => w.name);
    const { app, lb, outside } = await echoBehindLoadBalancer(ctx, 'Local', nodes);
    await throughEveryNode(ctx, app, outside, { table: EXPECT, row: (role) => `outside -> LB VIP routed via ${role}`, target: () => ({ url: `http://${lb.lbIp}:80/`, routeVia: lb.lbIp }) });
    await attachServiceRules(ctx, 'loadbalancer', nodes[0] ?? '', [`${lb.lbIp}:80`]);
  },
});
