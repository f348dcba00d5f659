import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { throughEveryNode } from '../../harness/apps/every-node.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/** externalTrafficPolicy: Cluster with an endpoint on each worker: every node answers, SNATed, and both endpoints serve. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': EXTERNAL_CLUSTER_POLICY, 'outside -> node without endpoint : nodePort': EXTERNAL_CLUSTER_POLICY },
};

/** Catches: NodePort programmed on some nodes only; endpoint selection stuck on one endpoint; a missing endpoint; external traffic not SNATed. */
defineCase({
  id: 'nodeport/cluster-two-endpoints',
  title: 'Type=NodePort, externalTrafficPolicy=Cluster, an endpoint on each worker: every node answers, SNATed, and every endpoint serves',
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const app = await deployEcho(ctx, ctx.workers.map((w) => w.name), { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    await throughEveryNode(ctx, app, outside, { table: EXPECT, row: (role) => `outside -> ${role} : nodePort`, target: (n) => ({ url: `http://${n.ip}:${nodePort}/` }) });
    await attachServiceRules(ctx, 'nodeport', ctx.cluster.nodes[0]?.name ?? '');
  },
});
