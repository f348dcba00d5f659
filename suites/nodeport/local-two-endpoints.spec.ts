import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { throughEveryNode } from '../../harness/apps/every-node.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
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
    const app = await deployEcho(ctx, ctx.workers.map((w) => w.name), { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    await throughEveryNode(ctx, app, outside, { table: EXPECT, row: (role) => `outside -> ${role} : nodePort`, target: (n) => ({ url: `http://${n.ip}:${nodePort}/` }) });
    await attachServiceRules(ctx, 'nodeport', app.pods[0]?.node ?? '');
  },
});
