import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, ANSWERS_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import type { KObject } from '../../harness/probes/kube.ts';
import { defineCase } from '../../harness/run/case.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import { parseEcho } from '../../harness/probes/echo.ts';

/** The pod that answered, from the echo body. */
function servedBy(c: CurlEvidence): string | undefined {
  const e = parseEcho(c.body);
  return e.ok ? e.value.pod?.name : undefined;
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';
type Row = 'pod in a zone with endpoints -> ClusterIP (trafficDistribution PreferClose)' | 'pod on a node without zone -> ClusterIP (trafficDistribution PreferClose)';

/**
 * trafficDistribution: PreferClose (GA in 1.33): each worker is its own zone for the case, with
 * two endpoints; a pod in a zone is answered only by endpoints of its zone. The control plane
 * has no zone label: its pod may reach any endpoint.
 */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'pod in a zone with endpoints -> ClusterIP (trafficDistribution PreferClose)': ANSWERS_LOCALLY_WITH_CLIENT_IP, 'pod on a node without zone -> ClusterIP (trafficDistribution PreferClose)': ANSWERS_WITH_CLIENT_IP },
};

interface Slice {
  endpoints?: { addresses: string[]; zone?: string; hints?: { forZones?: { name: string }[] } }[];
}

/** Catches: topology hints ignored (a pod is sent to endpoints of another zone although its zone has endpoints). */
defineCase({
  id: 'topology/prefer-close',
  title: 'trafficDistribution=PreferClose, each worker its own zone with two endpoints: pods are answered only by endpoints of their own zone',
  source: SOURCES.service,
  needs: ['capture', 'node-access', 'multi-node'],
  async run(ctx) {
    const w = ctx.workers.map((n) => n.name);
    const zoneOf = new Map(w.map((n, i) => [n, `kpc-zone-${i + 1}`]));
    try {
      await ctx.step(`label the workers ${ZONE_LABEL} (${[...zoneOf].map(([n, z]) => `${n}=${z}`).join(', ')})`, async () => {
        // Through the API (any cluster; needs `patch nodes`), not kubectl inside a kind node.
        for (const [n, z] of zoneOf) await ctx.kube.labelNode(n, { [ZONE_LABEL]: z });
      });
      const svc = serviceWith(ctx, { name: 'prefer-close', ports: [{ port: 80, targetPort: 8080 }] }, { trafficDistribution: 'PreferClose' });
      const app = appOf(await deployEchoBehind(ctx, [...w, ...w], [svc]), 'prefer-close');
      const slices = await ctx.step('wait for a zone hint on every endpoint', () =>
        ctx.kube.watchUntil(
          `/apis/discovery.k8s.io/v1/namespaces/${ctx.ns}/endpointslices`,
          { labelSelector: 'kubernetes.io/service-name=prefer-close' },
          (objs) => {
            const eps = [...objs.values()].flatMap((o) => (o as KObject & Slice).endpoints ?? []);
            return eps.length === app.pods.length && eps.every((e) => e.hints?.forZones?.length) ? eps : undefined;
          },
          TIMEOUTS.endpointsReady,
          'zone hints on the EndpointSlice',
        ),
      );
      await ctx.rec.json('EndpointSlice endpoints with zones and hints', slices);
      const clients = await ctx.step('client pods on every node', () => ctx.clients());
      await runSourceScenario(ctx, {
        endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
        probes: [...clients.values()].map((from) => {
          const key: Row = zoneOf.has(from.node) ? 'pod in a zone with endpoints -> ClusterIP (trafficDistribution PreferClose)' : 'pod on a node without zone -> ClusterIP (trafficDistribution PreferClose)';
          // kube-proxy programs the Service, then again once the hints are in the slice: a path
          // converges when it is answered by its own zone 6 times in a row (by chance, with 2
          // endpoints of 4 in the zone: 1 in 64), not when it merely answers. A warm nftables
          // run at d00a5a2 judged a sample taken before the second programming (1 of 5 from
          // the other zone).
          const own = new Set(app.pods.filter((p) => zoneOf.has(from.node) && zoneOf.get(p.node) === zoneOf.get(from.node)).map((p) => p.name));
          const converge = own.size ? { converge: { until: (c: CurlEvidence) => c.exitCode === 0 && own.has(servedBy(c) ?? ''), consecutive: 6 } } : {};
          return { key, from, url: `http://${app.svc.clusterIP}:80/`, expectation: ctx.expectation(EXPECT, key), receivingNode: from.node, ...converge };
        }),
      });
      await attachServiceRules(ctx, 'prefer-close', w[0] ?? '');
    } finally {
      for (const n of zoneOf.keys()) await ctx.kube.labelNode(n, { [ZONE_LABEL]: null }).catch(() => undefined);
    }
  },
});
