import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { echoBehindLoadBalancer } from '../../harness/apps/lb.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

const EXPECT: ExpectationTable<'outside -> LB VIP (announcing node)'> = { rows: { 'outside -> LB VIP (announcing node)': ANSWERS_LOCALLY_WITH_CLIENT_IP } };

/** Catches: externalTrafficPolicy Local ignored for LoadBalancer traffic (SNATed, or served by a remote endpoint). */
defineCase({
  id: 'loadbalancer/local-preserves-client-ip',
  title: "Type=LoadBalancer (MetalLB L2), externalTrafficPolicy=Local: the endpoint sees the outside client's IP",
  source: SOURCES.sourceIp,
  needs: ['loadbalancer', 'capture', 'outside-client'],
  async run(ctx) {
    const { app, outside, url, announcer } = await echoBehindLoadBalancer(ctx, 'Local');
    ctx.rec.check({
      key: 'the announcing node has an endpoint',
      expected: "a node with a local endpoint (ARP answered by that node's MAC)",
      observedEcho: announcer.node,
      verdict: app.pods.some((p) => p.node === announcer.node) ? 'ok' : 'mismatch',
    });
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [{ key: 'outside -> LB VIP (announcing node)', from: outside, url, expectation: ctx.expectation(EXPECT, 'outside -> LB VIP (announcing node)'), receivingNode: announcer.node }],
    });
    await attachServiceRules(ctx, 'loadbalancer', announcer.node);
  },
});
