import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { endpointsOf, familyKey, familyServiceName, familyServiceSpec } from '../../harness/apps/families.ts';
import { urlHost } from '../../clusters/ip-family.ts';
import { ECHO, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { sourceIpApp } from '../../harness/apps/workloads.ts';
import { ANSWERS_WITH_CLIENT_IP, ANSWERS_WITH_NODE_SNAT, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import type { KObject } from '../../harness/probes/kube.ts';
import { asFamily, PodRunner } from '../../harness/probes/runners.ts';
import { podsReady, readyEndpoints, serviceFact } from '../../harness/probes/waits.ts';
import { defineCase } from '../../harness/run/case.ts';

const ROW = 'endpoint pod -> its own ClusterIP (hairpin)';

/**
 * Hairpin: the only endpoint of a Service connects to that Service and reaches itself. The
 * reply must come back through the proxy, so kube-proxy masquerades such connections to an
 * address of the node (hairpinMasqueraded); the docs' "a Pod fails to reach itself via the
 * Service IP" is what happens without it.
 */
const EXPECT: ExpectationTable<typeof ROW> = {
  rows: { [ROW]: (b) => (b.hairpinMasqueraded ? ANSWERS_WITH_NODE_SNAT : ANSWERS_WITH_CLIENT_IP) },
};

/**
 * Catches: hairpin connections not masqueraded (the reply bypasses the proxy's reverse NAT and the pod cannot reach itself) or dropped.
 * On a dual-stack cluster once per family: the pod through its IPv6 Service, masqueraded to an
 * IPv6 address of its node (https://kubernetes.io/docs/concepts/services-networking/dual-stack/).
 */
defineCase({
  id: 'source-ip/hairpin',
  title: 'The only endpoint of a ClusterIP reaches itself through the Service (hairpin), with the source the implementation declares',
  source: SOURCES.debugService,
  needs: ['capture'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const families = ctx.ipFamilies;
    // source-ip-app plus a curl container in the same pod (same network namespace).
    const dep = sourceIpApp(ctx.ns, ctx.images.echo, [epNode.name]) as KObject & { spec: { template: { spec: { containers: unknown[] } } } };
    dep.spec.template.spec.containers.push({ name: 'client', image: ctx.images.curl, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'] });
    const names = families.map((f) => familyServiceName('hairpin', f, families));
    const svcs = families.map((f, i) => serviceWith(ctx, { name: names[i] ?? 'hairpin', ports: [{ port: 80, targetPort: 8080 }] }, familyServiceSpec(f, families)));
    await ctx.step(`deploy source-ip-app with a curl container, and Service ${names.join(', ')}`, () => ctx.apply([dep, ...svcs]));
    const [pod] = await ctx.step('wait for the pod', () => podsReady(ctx.kube, ctx.ns, ECHO.selector, 1));
    if (!pod) throw new Error('no pod');
    const self = new PodRunner(ctx.kube, ctx.ns, pod.name, 'client', pod.ip, pod.node, pod.ips);
    const probes = [];
    for (const [i, family] of families.entries()) {
      const name = names[i] ?? 'hairpin';
      await ctx.step(`wait for its endpoint${families.length > 1 ? ` in ${name}` : ''}`, () => readyEndpoints(ctx.kube, ctx.ns, name, 1));
      const fact = serviceFact((await ctx.kube.readService(ctx.ns, name)) as unknown as KObject);
      await ctx.rec.json(`Service ${name} and its pod`, { service: fact, pod });
      probes.push({ key: familyKey(ROW, family, families), from: asFamily(self, family), url: `http://${urlHost(fact.clusterIP)}:80/`, expectation: ctx.expectation(EXPECT, ROW), receivingNode: pod.node });
    }
    await runSourceScenario(ctx, { endpoints: families.flatMap((f) => endpointsOf([pod], f)), probes });
    for (const name of names) await attachServiceRules(ctx, name, pod.node);
  },
});
