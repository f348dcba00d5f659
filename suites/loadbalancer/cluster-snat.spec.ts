import { attachServiceRules, deployEcho } from '../../harness/apps.ts';
import { defineCase } from '../../harness/case.ts';
import { ANSWERS_WITH_NODE_SNAT, expectationFor, type ExpectationTable } from '../../harness/expectations.ts';
import { announcingNode, awaitLoadBalancer } from '../../harness/lb.ts';
import { runSourceScenario } from '../../harness/scenarios.ts';
import { SOURCES } from '../../harness/sources.ts';
import { loadBalancerAddress } from '../../harness/waits.ts';

const EXPECT: ExpectationTable<'outside-to-lb'> = { rows: { 'outside-to-lb': ANSWERS_WITH_NODE_SNAT } };

defineCase({
  id: 'loadbalancer/cluster-snat',
  title: 'Type=LoadBalancer (MetalLB L2), externalTrafficPolicy=Cluster: answered, source SNATed to the announcing node',
  source: SOURCES.sourceIp,
  needs: ['loadbalancer', 'capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'loadbalancer', type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] });
    const lb = await ctx.step('wait for an address from the LB provider', () => loadBalancerAddress(ctx.kube, ctx.ns, 'loadbalancer'));
    await ctx.rec.json('Service status.loadBalancer', { ingress: lb.lbIngress, ipMode: lb.lbIngress?.[0]?.ipMode ?? '(unset: VIP)' });
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const url = `http://${lb.lbIp}:80/`;
    await ctx.step(`wait until ${url} answers`, () => awaitLoadBalancer(outside, url));
    const announcer = await ctx.step('find the node announcing the address (ARP)', () => announcingNode(ctx, outside, lb.lbIp));
    await ctx.rec.text('text', 'neighbour entry on the outside client', announcer.evidence);
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [{ key: `outside -> ${lb.lbIp}:80 (announced by ${announcer.node})`, from: outside, url, expectation: expectationFor(EXPECT, ctx.mode, 'outside-to-lb'), receivingNode: announcer.node }],
    });
    await attachServiceRules(ctx, 'loadbalancer', announcer.node);
  },
});
