import { deployEcho, attachServiceRules } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'outside -> endpoint node : nodePort' | 'outside -> node without endpoint : nodePort';

/** externalTrafficPolicy: Cluster — every node answers, and SNATs to one of its own addresses. */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside -> endpoint node : nodePort': ANSWERS_WITH_NODE_SNAT, 'outside -> node without endpoint : nodePort': ANSWERS_WITH_NODE_SNAT },
};

/** Catches: external traffic not SNATed; NodePort missing on some nodes; no forwarding to a remote endpoint. */
defineCase({
  id: 'source-ip/nodeport-cluster-snat',
  title: 'Type=NodePort, externalTrafficPolicy=Cluster (the tutorial\'s one replica): every node answers and the source is SNATed to the receiving node',
  source: SOURCES.sourceIp,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.map((n) => {
        const key = `outside -> ${nodeRole(n.name, endpointNodes)} : nodePort` as Row;
        return { key, from: outside, url: `http://${n.ip}:${nodePort}/`, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name };
      }),
    });
    await attachServiceRules(ctx, 'nodeport', epNode.name);
  },
});
