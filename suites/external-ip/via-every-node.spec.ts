import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { freeExternalIp } from '../../harness/apps/external-ip.ts';
import { throughEveryNode } from '../../harness/apps/every-node.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> external IP routed via endpoint node' | 'outside -> external IP routed via node without endpoint';
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> external IP routed via endpoint node': EXTERNAL_CLUSTER_POLICY, 'outside -> external IP routed via node without endpoint': EXTERNAL_CLUSTER_POLICY },
};

/** Catches: externalIPs programmed on some nodes only; endpoint selection stuck on one endpoint; external traffic not SNATed. */
defineCase({
  id: 'external-ip/via-every-node',
  title: 'ExternalIP with an endpoint on each worker, routed through each node in turn: every node answers, SNATed to itself, and every endpoint serves',
  source: SOURCES.service,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const externalIp = await freeExternalIp(ctx);
    const app = await deployEcho(ctx, ctx.workers.map((w) => w.name), { name: 'my-service', externalIPs: [externalIp], ports: [{ port: 80, targetPort: 8080 }] });
    await throughEveryNode(ctx, app, outside, { table: EXPECT, row: (role) => `outside -> external IP routed via ${role}`, target: () => ({ url: `http://${externalIp}:80/`, routeVia: externalIp }) });
    await attachServiceRules(ctx, 'my-service', ctx.cluster.nodes[0]?.name ?? '', [`${externalIp}:80`]);
  },
});
