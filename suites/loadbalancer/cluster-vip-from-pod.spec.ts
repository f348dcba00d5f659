import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_WITH_CLIENT_IP, ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { loadBalancerAddress } from '../../harness/probes/waits.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'pod on the endpoint node -> LB VIP (externalTrafficPolicy Cluster)' | 'pod on a node without endpoint -> LB VIP (externalTrafficPolicy Cluster)';

/**
 * Pods reach a LoadBalancer VIP with externalTrafficPolicy Cluster from every node. The source
 * the endpoint sees follows the implementation's declared fact: kube-proxy masquerades every
 * connection to an external destination of a Cluster-policy Service (externalDestinationMasqueradedForClusterPolicy).
 */
const bySnat = (b: { externalDestinationMasqueradedForClusterPolicy: boolean }) => (b.externalDestinationMasqueradedForClusterPolicy ? ANSWERS_WITH_NODE_SNAT : ANSWERS_WITH_CLIENT_IP);
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod on the endpoint node -> LB VIP (externalTrafficPolicy Cluster)': bySnat, 'pod on a node without endpoint -> LB VIP (externalTrafficPolicy Cluster)': bySnat },
};

/** Catches: pod traffic to a Cluster-policy VIP dropped or sent out to the wire; the declared SNAT missing (or added where the implementation declares none). */
defineCase({
  id: 'loadbalancer/cluster-vip-from-pod',
  title: 'Type=LoadBalancer, externalTrafficPolicy=Cluster: pods on every node reach the VIP, with the source the implementation declares',
  source: SOURCES.service,
  needs: ['loadbalancer', 'capture', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const svc = serviceWith(ctx, { name: 'loadbalancer', type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] }, {});
    const { pods } = await deployEchoBehind(ctx, [epNode.name], [svc]);
    const lb = await ctx.step('wait for an address from the LB provider', () => loadBalancerAddress(ctx.kube, ctx.ns, 'loadbalancer'));
    await ctx.rec.json('Service status.loadBalancer', { ingress: lb.lbIngress });
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const endpointNodes = pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [...clients.values()].map((from) => {
        const key = `${podRole(from.node, endpointNodes)} -> LB VIP (externalTrafficPolicy Cluster)` as Row;
        return { key, from, url: `http://${lb.lbIp}:80/`, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node };
      }),
    });
    await attachServiceRules(ctx, 'loadbalancer', epNode.name, [`${lb.lbIp}:80`]);
  },
});
