import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { echoBehindLoadBalancer } from '../../harness/apps/lb.ts';
import { secondClientAddress, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { EXTERNAL_CLUSTER_POLICY, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'outside (in loadBalancerSourceRanges) -> LB VIP (announcing node)' | 'outside (not in loadBalancerSourceRanges) -> LB VIP (announcing node)';

/**
 * loadBalancerSourceRanges: only the listed client addresses reach the VIP. The outside client
 * keeps its own address in the list and sends from a second address of the same network
 * (`ip addr add`, curl --interface): that one is dropped before it reaches an endpoint.
 */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'outside (in loadBalancerSourceRanges) -> LB VIP (announcing node)': EXTERNAL_CLUSTER_POLICY, 'outside (not in loadBalancerSourceRanges) -> LB VIP (announcing node)': DROPS },
};

/** Catches: loadBalancerSourceRanges ignored (any client reaches the VIP), or applied so that the listed client is refused too. */
defineCase({
  id: 'loadbalancer/source-ranges',
  title: 'Type=LoadBalancer with loadBalancerSourceRanges = the outside client /32: it is answered; the same client from another address is dropped',
  source: SOURCES.serviceApi,
  needs: ['loadbalancer', 'capture', 'outside-client'],
  async run(ctx) {
    const { app, lb, outside, announcer, url } = await echoBehindLoadBalancer(ctx, 'Cluster');
    const allowed = `${outside.ip}/32`;
    const svc = serviceWith(ctx, { name: 'loadbalancer', type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, targetPort: 8080 }] }, { loadBalancerSourceRanges: [allowed] });
    await ctx.step(`restrict the Service to loadBalancerSourceRanges [${allowed}]`, () => ctx.apply([svc]));
    const { ip: other, prefix } = await ctx.step('choose a second address for the outside client', () => secondClientAddress(ctx));
    const added = await outside.run(['ip', 'addr', 'add', `${other}/${prefix}`, 'dev', 'eth0'], 10_000);
    if (added.exitCode !== 0) throw new Error(`ip addr add ${other}/${prefix} on the outside client failed: ${added.stderr.trim()}`);
    try {
      await runSourceScenario(ctx, {
        endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
        probes: [
          { key: 'outside (in loadBalancerSourceRanges) -> LB VIP (announcing node)', from: outside, url, expectation: ctx.expectation(EXPECT, 'outside (in loadBalancerSourceRanges) -> LB VIP (announcing node)'), receivingNode: announcer.node },
          {
            key: 'outside (not in loadBalancerSourceRanges) -> LB VIP (announcing node)',
            from: outside,
            url,
            clientIp: other,
            curlArgs: ['--interface', other],
            expectation: ctx.expectation(EXPECT, 'outside (not in loadBalancerSourceRanges) -> LB VIP (announcing node)'),
            receivingNode: announcer.node,
          },
        ],
      });
    } finally {
      await outside.run(['ip', 'addr', 'del', `${other}/${prefix}`, 'dev', 'eth0'], 10_000);
    }
    await attachServiceRules(ctx, 'loadbalancer', announcer.node, [`${lb.lbIp}:80`]);
  },
});
