import { SOURCES } from '../../harness/apps/sources.ts';
import { serviceWith } from '../../harness/apps/service-spec.ts';
import { REJECTS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { probeRows } from '../../harness/judge/scenarios.ts';
import type { KObject } from '../../harness/probes/kube.ts';
import { serviceFact } from '../../harness/probes/waits.ts';
import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';

type Row = 'pod -> ClusterIP of a Service without endpoints' | 'node -> ClusterIP of a Service without endpoints' | 'outside -> nodePort of a Service without endpoints';

/**
 * A Service whose selector matches no pod: the proxy refuses new connections at once (ICMP
 * reject / TCP reset), so clients fail fast instead of waiting for a time-out. The probe waits
 * TIMEOUTS.dropProbeSec: a silent drop shows as a time-out and fails the row.
 */
const EXPECT: ExpectationTable<Row> = {
  rows: {
    'pod -> ClusterIP of a Service without endpoints': REJECTS,
    'node -> ClusterIP of a Service without endpoints': REJECTS,
    'outside -> nodePort of a Service without endpoints': REJECTS,
  },
};

/** Catches: a Service without endpoints dropped silently (clients hang until their time-out) or left unprogrammed (traffic leaks to the default route). */
defineCase({
  id: 'service/no-endpoints-rejected',
  title: 'Type=NodePort whose selector matches no pod: pods, nodes and the outside client are refused promptly (not timed out)',
  source: SOURCES.virtualIps,
  needs: ['node-access', 'outside-client'],
  async run(ctx) {
    const svc = serviceWith(ctx, { name: 'no-endpoints', type: 'NodePort', selector: { app: 'nobody-here' }, ports: [{ port: 80, targetPort: 8080 }] }, {});
    await ctx.step('create Service no-endpoints (selector app=nobody-here matches no pod)', () => ctx.apply([svc]));
    const fact = serviceFact((await ctx.kube.readService(ctx.ns, 'no-endpoints')) as unknown as KObject);
    await ctx.rec.json('Service no-endpoints', fact);
    const nodePort = fact.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const [clients, outside] = await Promise.all([ctx.step('client pods on every node', () => ctx.clients()), ctx.step('start the outside client', () => ctx.outside())]);
    const url = `http://${fact.clusterIP}:80/`;
    const row = (key: Row) => ({ key, expectation: ctx.expectation(EXPECT, key) });
    await probeRows(ctx, [
      ...[...clients.values()].map((from) => ({ ...row('pod -> ClusterIP of a Service without endpoints'), from, url })),
      ...ctx.cluster.nodes.map((n) => ({ ...row('node -> ClusterIP of a Service without endpoints'), from: ctx.node(n.name), url, via: n.name })),
      ...ctx.cluster.nodes.map((n) => ({ ...row('outside -> nodePort of a Service without endpoints'), from: outside, url: `http://${n.ip}:${nodePort}/`, via: n.name })),
    ]);
    await attachServiceRules(ctx, 'no-endpoints', ctx.workers[0]?.name ?? '');
  },
});
