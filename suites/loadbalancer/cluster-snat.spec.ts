import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { echoBehindLoadBalancer } from '../../harness/apps/lb.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

const EXPECT: ExpectationTable<'outside -> LB VIP (announcing node)'> = { rows: { 'outside -> LB VIP (announcing node)': EXTERNAL_CLUSTER_POLICY } };

/** Catches: LoadBalancer traffic not SNATed with externalTrafficPolicy Cluster; the VIP not programmed. */
defineCase({
  id: 'loadbalancer/cluster-snat',
  title: 'Type=LoadBalancer (MetalLB L2), externalTrafficPolicy=Cluster: answered, source SNATed to the announcing node',
  source: SOURCES.sourceIp,
  needs: ['loadbalancer', 'capture', 'outside-client'],
  async run(ctx) {
    const { app, outside, url, announcer } = await echoBehindLoadBalancer(ctx, 'Cluster');
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [{ key: 'outside -> LB VIP (announcing node)', from: outside, url, expectation: ctx.expectation(EXPECT, 'outside -> LB VIP (announcing node)'), receivingNode: announcer.node }],
    });
    await attachServiceRules(ctx, 'loadbalancer', announcer.node);
  },
});
