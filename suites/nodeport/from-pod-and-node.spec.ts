import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS, ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Target = 'endpoint node' | 'node without endpoint';
type Row = `pod -> ${Target} : nodePort` | `node -> ${Target} : nodePort`;

/**
 * A NodePort (policy Cluster) is a port of every node for clients inside the cluster too: a
 * pod on every node and every node itself reach <node IP>:<nodePort> of every node. Pods'
 * connections reach the endpoint from the addressed node (SNAT, as for outside clients).
 */
const EXPECT: ExpectationTable<Row> = {
  rows: {
    'pod -> endpoint node : nodePort': ANSWERS_WITH_NODE_SNAT,
    'pod -> node without endpoint : nodePort': ANSWERS_WITH_NODE_SNAT,
    'node -> endpoint node : nodePort': ANSWERS,
    'node -> node without endpoint : nodePort': ANSWERS,
  },
};

/** Catches: NodePorts served only to traffic from outside the cluster (pods or nodes refused, dropped, or answered without SNAT). */
defineCase({
  id: 'nodeport/from-pod-and-node',
  title: 'Type=NodePort (policy Cluster), one endpoint: pods on every node and every node reach the nodePort of every node',
  source: SOURCES.service,
  needs: ['capture', 'node-access', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const clients = [...(await ctx.step('client pods on every node', () => ctx.clients())).values()];
    const endpointNodes = app.pods.map((p) => p.node);
    const probe = (who: 'pod' | 'node', from: (typeof clients)[number] | ReturnType<typeof ctx.node>, target: (typeof ctx.cluster.nodes)[number]) => {
      const key: Row = `${who} -> ${nodeRole(target.name, endpointNodes)} : nodePort`;
      return { key, from, url: `http://${target.ip}:${nodePort}/`, expectation: ctx.expectation(EXPECT, key), receivingNode: target.name };
    };
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.flatMap((target) => [...clients.map((c) => probe('pod', c, target)), ...ctx.cluster.nodes.map((n) => probe('node', ctx.node(n.name), target))]),
    });
    await attachServiceRules(ctx, 'nodeport', epNode.name);
  },
});
