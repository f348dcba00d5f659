import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { affinityRows } from '../../harness/judge/affinity.ts';
import { defineCase } from '../../harness/run/case.ts';

/**
 * sessionAffinity: ClientIP on a ClusterIP with four endpoints (two per worker): from a pod on
 * every node and from every node, ten new connections in a row land on one endpoint. Without
 * affinity the chance of that is 4^-9 per client.
 */
/** Catches: sessionAffinity ignored (every new connection balanced afresh), or affinity kept per node but not per client. */
defineCase({
  id: 'affinity/clientip-clusterip',
  title: 'sessionAffinity=ClientIP on a ClusterIP (4 endpoints): every request of a pod and of a node lands on one endpoint',
  source: SOURCES.virtualIps,
  needs: ['node-access', 'multi-node'],
  async run(ctx) {
    const w = ctx.workers.map((n) => n.name);
    const svc = serviceWith(ctx, { name: 'affinity', ports: [{ port: 80, targetPort: 8080 }] }, { sessionAffinity: 'ClientIP' });
    const app = appOf(await deployEchoBehind(ctx, [...w, ...w], [svc]), 'affinity');
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const url = `http://${app.svc.clusterIP}:80/`;
    await affinityRows(ctx, [
      ...[...clients.values()].map((from) => ({ key: 'pod -> ClusterIP (sessionAffinity ClientIP)', from, url, via: from.node })),
      ...ctx.cluster.nodes.map((n) => ({ key: 'node -> ClusterIP (sessionAffinity ClientIP)', from: ctx.node(n.name), url, via: n.name })),
    ]);
    await attachServiceRules(ctx, 'affinity', w[0] ?? '');
  },
});
