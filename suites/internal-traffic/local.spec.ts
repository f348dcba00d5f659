import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, DROPS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'pod on the endpoint node -> ClusterIP (internalTrafficPolicy Local)' | 'pod on a node without endpoint -> ClusterIP (internalTrafficPolicy Local)';

/**
 * internalTrafficPolicy: Local, an endpoint on each worker: a pod reaches only the endpoint on
 * its own node, with its pod IP; a pod on a node without an endpoint (the control plane) gets
 * no answer (the docs: "the traffic is dropped").
 */
const EXPECT: ExpectationTable<Row> = {
  rows: {
    'pod on the endpoint node -> ClusterIP (internalTrafficPolicy Local)': ANSWERS_LOCALLY_WITH_CLIENT_IP,
    'pod on a node without endpoint -> ClusterIP (internalTrafficPolicy Local)': DROPS,
  },
};

/** Catches: internalTrafficPolicy ignored (a remote endpoint answers, or a node without endpoint forwards to another node). */
defineCase({
  id: 'internal-traffic/local',
  title: 'internalTrafficPolicy=Local, an endpoint on each worker: pods reach only their own node’s endpoint; a pod on a node without endpoint gets no answer',
  source: SOURCES.trafficPolicy,
  needs: ['capture', 'multi-node'],
  async run(ctx) {
    const w = ctx.workers.map((n) => n.name);
    const svc = serviceWith(ctx, { name: 'internal-local', ports: [{ port: 80, targetPort: 8080 }] }, { internalTrafficPolicy: 'Local' });
    const app = appOf(await deployEchoBehind(ctx, w, [svc]), 'internal-local');
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: [...clients.values()].map((from) => {
        const key = `${podRole(from.node, endpointNodes)} -> ClusterIP (internalTrafficPolicy Local)` as Row;
        return { key, from, url: `http://${app.svc.clusterIP}:80/`, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node };
      }),
    });
    const without = ctx.cluster.nodes.find((n) => !endpointNodes.includes(n.name));
    await attachServiceRules(ctx, 'internal-local', without?.name ?? w[0] ?? '');
  },
});
