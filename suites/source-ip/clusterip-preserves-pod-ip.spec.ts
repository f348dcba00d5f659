import { deployEcho, attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_CLIENT_IP, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/** Pod -> ClusterIP: no SNAT, whichever node the client pod runs on (every mode). */
const EXPECT: ExpectationTable<'pod-same-node' | 'pod-other-node'> = {
  rows: { 'pod-same-node': ANSWERS_WITH_CLIENT_IP, 'pod-other-node': ANSWERS_WITH_CLIENT_IP },
};

defineCase({
  id: 'source-ip/clusterip-preserves-pod-ip',
  title: 'Type=ClusterIP: the endpoint sees the client pod IP',
  source: SOURCES.sourceIp,
  needs: ['capture', 'multi-node'],
  async run(ctx) {
    const [epNode, otherNode] = ctx.workers;
    if (!epNode || !otherNode) throw new Error('needs two worker nodes');
    const app = await deployEcho(ctx, [epNode.name], { name: 'clusterip', ports: [{ port: 80, targetPort: 8080 }] });
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const url = `http://${app.svc.clusterIP}:80/`;
    const probe = (key: 'pod-same-node' | 'pod-other-node', node: string) => {
      const from = clients.get(node);
      if (!from) throw new Error(`no client pod on ${node}`);
      return { key: `pod on ${node} (${key === 'pod-same-node' ? 'endpoint node' : 'other node'}) -> ClusterIP`, from, url, expectation: expectationFor(EXPECT, ctx.mode, key), receivingNode: node };
    };
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [probe('pod-same-node', epNode.name), probe('pod-other-node', otherNode.name)],
    });
    await attachServiceRules(ctx, 'clusterip', epNode.name);
  },
});
