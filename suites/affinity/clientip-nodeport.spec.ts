import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { affinityRows } from '../../harness/judge/affinity.ts';
import { defineCase } from '../../harness/run/case.ts';

/**
 * sessionAffinity: ClientIP on a NodePort (externalTrafficPolicy Cluster) with four endpoints:
 * the outside client, through the nodePort of every node, lands on one endpoint per node. The
 * receiving node decides on the client's address before it SNATs the connection.
 */
/** Catches: sessionAffinity ignored for NodePort traffic (or keyed on the SNATed source, or only programmed for the ClusterIP). */
defineCase({
  id: 'affinity/clientip-nodeport',
  title: 'sessionAffinity=ClientIP on a NodePort (4 endpoints): the outside client lands on one endpoint through every node',
  source: SOURCES.virtualIps,
  needs: ['outside-client', 'multi-node'],
  async run(ctx) {
    const w = ctx.workers.map((n) => n.name);
    const svc = serviceWith(ctx, { name: 'affinity', type: 'NodePort', ports: [{ port: 80, targetPort: 8080 }] }, { sessionAffinity: 'ClientIP' });
    const app = appOf(await deployEchoBehind(ctx, [...w, ...w], [svc]), 'affinity');
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    await affinityRows(
      ctx,
      ctx.cluster.nodes.map((n) => ({ key: `outside -> ${nodeRole(n.name, w)} : nodePort (sessionAffinity ClientIP)`, from: outside, url: `http://${n.ip}:${nodePort}/`, via: n.name })),
    );
    await attachServiceRules(ctx, 'affinity', w[0] ?? '');
  },
});
