import { deployEcho, attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { loadBalancerAddress } from '../../harness/probes/waits.ts';

/**
 * A pod reaching a LoadBalancer VIP (externalTrafficPolicy: Local) from inside the cluster: the
 * proxy short-circuits pod traffic to the cluster's endpoints, as if it had gone up to the load
 * balancer and come back, so pods on nodes without an endpoint are answered too, with their own IP
 * (kubernetes#131765 was nftables mode dropping exactly this).
 */
type Row = 'pod on the endpoint node -> LB VIP' | 'pod on a node without endpoint -> LB VIP';
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod on the endpoint node -> LB VIP': ANSWERS_WITH_CLIENT_IP, 'pod on a node without endpoint -> LB VIP': ANSWERS_WITH_CLIENT_IP },
};

/** Catches: pod traffic to a LoadBalancer VIP dropped or SNATed (kubernetes#131765: nftables dropped it with Local policy). */
defineCase({
  id: 'loadbalancer/vip-from-pod',
  title: 'Type=LoadBalancer, externalTrafficPolicy=Local: pods on every node reach the VIP, keeping their pod IP',
  source: SOURCES.service,
  needs: ['loadbalancer', 'capture', 'multi-node'],
  async run(ctx) {
    const [epNode, otherNode] = ctx.workers;
    if (!epNode || !otherNode) throw new Error('needs two worker nodes');
    const endpointNodes = [epNode.name];
    const app = await deployEcho(ctx, [epNode.name], { name: 'loadbalancer', type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] });
    const lb = await ctx.step('wait for an address from the LB provider', () => loadBalancerAddress(ctx.kube, ctx.ns, 'loadbalancer'));
    await ctx.rec.json('Service status.loadBalancer', { ingress: lb.lbIngress, ipMode: lb.lbIngress?.[0]?.ipMode ?? '(unset: VIP)' });
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const url = `http://${lb.lbIp}:80/`;
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [...clients.values()].map((from) => {
        const key = `${podRole(from.node, endpointNodes)} -> LB VIP` as Row;
        return { key, from, url, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node };
      }),
    });
    await attachServiceRules(ctx, 'loadbalancer', otherNode.name);
  },
});
