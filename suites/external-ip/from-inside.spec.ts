import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { freeExternalIp } from '../../harness/apps/external-ip.ts';
import { nodeRole, podRole } from '../../harness/apps/roles.ts';
import { deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS, ANSWERS_WITH_CLIENT_IP, ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row =
  | 'pod on the endpoint node -> external IP'
  | 'pod on a node without endpoint -> external IP'
  | 'endpoint node -> external IP'
  | 'node without endpoint -> external IP';

/**
 * A Service's externalIPs reached from inside the cluster: every pod and every node is
 * answered. Pods see the source the implementation declares for external destinations with
 * policy Cluster (kube-proxy: masqueraded to the pod's node); nodes' own traffic just answers.
 */
const bySnat = (b: { externalDestinationMasqueradedForClusterPolicy: boolean }) => (b.externalDestinationMasqueradedForClusterPolicy ? ANSWERS_WITH_NODE_SNAT : ANSWERS_WITH_CLIENT_IP);
const EXPECT: ExpectationTable<Row> = {
  rows: {
    'pod on the endpoint node -> external IP': bySnat,
    'pod on a node without endpoint -> external IP': bySnat,
    'endpoint node -> external IP': ANSWERS,
    'node without endpoint -> external IP': ANSWERS,
  },
};

/** Catches: externalIPs programmed only for traffic arriving from outside (pods or nodes of the cluster sent to the wire or dropped); the declared SNAT missing. */
defineCase({
  id: 'external-ip/from-inside',
  title: 'A Service with an external IP (policy Cluster), one endpoint: pods and nodes on every node reach the external IP',
  source: SOURCES.service,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const extIp = await ctx.step('choose a free external IP on the nodes’ network', () => freeExternalIp(ctx));
    const svc = serviceWith(ctx, { name: 'external-ip', externalIPs: [extIp], ports: [{ port: 80, targetPort: 8080 }] }, {});
    const { pods } = await deployEchoBehind(ctx, [epNode.name], [svc]);
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const endpointNodes = pods.map((p) => p.node);
    const url = `http://${extIp}:80/`;
    await runSourceScenario(ctx, {
      endpoints: pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [
        ...[...clients.values()].map((from) => {
          const key = `${podRole(from.node, endpointNodes)} -> external IP` as Row;
          return { key, from, url, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node };
        }),
        ...ctx.cluster.nodes.map((n) => {
          const key = `${nodeRole(n.name, endpointNodes)} -> external IP` as Row;
          return { key, from: ctx.node(n.name), url, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name };
        }),
      ],
    });
    await attachServiceRules(ctx, 'external-ip', epNode.name, [`${extIp}:80`]);
  },
});
