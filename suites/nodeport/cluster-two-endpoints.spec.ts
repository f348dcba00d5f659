import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { everyEndpointServed, runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/** externalTrafficPolicy: Cluster with an endpoint on each worker: every node answers, SNATed, and both endpoints serve. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': ANSWERS_WITH_NODE_SNAT, 'outside -> node without endpoint : nodePort': ANSWERS_WITH_NODE_SNAT },
};

/** Catches: NodePort programmed on some nodes only; endpoint selection stuck on one endpoint; a missing endpoint; external traffic not SNATed. */
defineCase({
  id: 'nodeport/cluster-two-endpoints',
  title: 'Type=NodePort, externalTrafficPolicy=Cluster, an endpoint on each worker: every node answers, SNATed, and every endpoint serves',
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const nodes = ctx.workers.map((w) => w.name);
    const app = await deployEcho(ctx, nodes, { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] });
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
    await attachServiceRules(ctx, 'nodeport', ctx.cluster.nodes[0]?.name ?? nodes[0] ?? '');
  },
});
