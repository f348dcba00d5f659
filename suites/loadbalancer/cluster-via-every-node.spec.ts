import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { echoBehindLoadBalancer } from '../../harness/apps/lb.ts';
import { throughEveryNode } from '../../harness/apps/every-node.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> LB VIP routed via endpoint node' | 'outside -> LB VIP routed via node without endpoint';

/** externalTrafficPolicy: Cluster: whichever node receives the VIP's traffic forwards it, SNATed to itself. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> LB VIP routed via endpoint node': EXTERNAL_CLUSTER_POLICY, 'outside -> LB VIP routed via node without endpoint': EXTERNAL_CLUSTER_POLICY },
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
    await throughEveryNode(ctx, app, outside, { table: EXPECT, row: (role) => `outside -> LB VIP routed via ${role}`, target: () => ({ url: `http://${lb.lbIp}:80/`, routeVia: lb.lbIp }) });
    await attachServiceRules(ctx, 'loadbalancer', ctx.cluster.nodes[0]?.name ?? '', [`${lb.lbIp}:80`]);
  },
});
