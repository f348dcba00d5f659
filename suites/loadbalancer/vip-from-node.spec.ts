import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { loadBalancerAddress } from '../../harness/probes/waits.ts';
import { defineCase } from '../../harness/run/case.ts';

type Policy = 'Cluster' | 'Local';
type Row = `${'endpoint node' | 'node without endpoint'} -> LB VIP (externalTrafficPolicy ${Policy})`;

/**
 * Every node reaches a LoadBalancer VIP of the cluster, with either policy: traffic from inside
 * the cluster is not subject to externalTrafficPolicy Local (the proxy sends a node's own
 * traffic to the cluster-wide endpoints, masqueraded), so a node without an endpoint is answered
 * too, where the implementation declares it (`nodeTrafficToLocalPolicyVipServed`: kube-proxy's
 * nftables mode dropped it before v1.33.6, kubernetes#133969).
 */
const EXPECT: ExpectationTable<Row> = {
  rows: {
    'endpoint node -> LB VIP (externalTrafficPolicy Cluster)': ANSWERS,
    'node without endpoint -> LB VIP (externalTrafficPolicy Cluster)': ANSWERS,
    'endpoint node -> LB VIP (externalTrafficPolicy Local)': ANSWERS,
    'node without endpoint -> LB VIP (externalTrafficPolicy Local)': (b) => (b.nodeTrafficToLocalPolicyVipServed ? ANSWERS : DROPS),
  },
};

/** Catches: a node's own traffic to a LoadBalancer VIP dropped or sent out to the wire (worst with Local policy on a node without endpoint, the kubernetes#131765 family). */
defineCase({
  id: 'loadbalancer/vip-from-node',
  title: 'Type=LoadBalancer with externalTrafficPolicy Cluster and Local, one endpoint: every node reaches both VIPs',
  source: SOURCES.service,
  needs: ['loadbalancer', 'capture', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const policies: Policy[] = ['Cluster', 'Local'];
    const name = (p: Policy) => `lb-${p.toLowerCase()}`;
    const svcs = policies.map((p) => serviceWith(ctx, { name: name(p), type: 'LoadBalancer', externalTrafficPolicy: p, ports: [{ port: 80, targetPort: 8080 }] }, {}));
    const { pods } = await deployEchoBehind(ctx, [epNode.name], svcs);
    const vips = await ctx.step('wait for an address for each LoadBalancer Service', () => Promise.all(policies.map((p) => loadBalancerAddress(ctx.kube, ctx.ns, name(p)))));
    await ctx.rec.json('Service status.loadBalancer', Object.fromEntries(policies.map((p, i) => [name(p), vips[i]?.lbIngress])));
    const endpointNodes = pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: policies.flatMap((p, i) =>
        ctx.cluster.nodes.map((n) => {
          const key: Row = `${nodeRole(n.name, endpointNodes)} -> LB VIP (externalTrafficPolicy ${p})`;
          return { key, from: ctx.node(n.name), url: `http://${vips[i]?.lbIp}:80/`, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name };
        }),
      ),
    });
    const other = ctx.cluster.nodes.find((n) => !endpointNodes.includes(n.name));
    await attachServiceRules(ctx, name('Local'), other?.name ?? epNode.name, vips.map((v) => `${v.lbIp}:80`));
  },
});
