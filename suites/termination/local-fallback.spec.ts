import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { ECHO, serviceWith } from '../../harness/apps/service-spec.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { TERMINATION } from '../../harness/apps/termination.ts';
import { sourceIpApp } from '../../harness/apps/workloads.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import type { KObject } from '../../harness/probes/kube.ts';
import { endpointsUntil, podsReady, readyEndpoints, serviceFact } from '../../harness/probes/waits.ts';
import { defineCase } from '../../harness/run/case.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';

const ROW = 'outside -> endpoint node : nodePort while its only endpoint is terminating';
const BEFORE = 'outside -> endpoint node : nodePort before the delete';
type Row = typeof ROW | typeof BEFORE;
/** Long enough for a capture to start and a path to converge and be sampled inside the window; below the grace period. */
const PRESTOP_SEC = Math.min(20, TERMINATION.gracePeriodSec - 5);

/**
 * KEP-1669 (proxy terminating endpoints): externalTrafficPolicy Local, one bare echo pod (no
 * replacement) with a preStop sleep. Once it is deleted its endpoint is ready=false,
 * serving=true, terminating=true; the node has no ready endpoint, so its proxy falls back to
 * the serving-terminating one: the outside client is still answered, locally, with its own IP.
 */
const EXPECT: ExpectationTable<Row> = { rows: { [BEFORE]: ANSWERS_LOCALLY_WITH_CLIENT_IP, [ROW]: ANSWERS_LOCALLY_WITH_CLIENT_IP } };

/** Catches: no fallback to serving-terminating endpoints (fault terminating-not-served): a Local-policy node drops new connections while its only endpoint drains. */
defineCase({
  id: 'termination/local-fallback',
  title: 'externalTrafficPolicy=Local: while the only endpoint of a node terminates (preStop sleep), new connections through that node are still served by it',
  source: SOURCES.termination,
  needs: ['capture', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const tpl = (sourceIpApp(ctx.ns, ctx.images.echo, [epNode.name]) as KObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } }).spec.template;
    const containers = tpl.spec.containers.map((c) => ({ ...c, lifecycle: { preStop: { exec: { command: ['sh', '-c', `sleep ${PRESTOP_SEC}`] } } } }));
    const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'source-ip-app-0', namespace: ctx.ns, labels: tpl.metadata.labels }, spec: { ...tpl.spec, containers, terminationGracePeriodSeconds: TERMINATION.gracePeriodSec } };
    const svc = serviceWith(ctx, { name: 'local', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] }, {});
    await ctx.step(`create a bare source-ip-app pod on ${epNode.name} (preStop sleep ${PRESTOP_SEC} s, grace ${TERMINATION.gracePeriodSec} s) and NodePort Service local (Local policy)`, () => ctx.apply([pod, svc]));
    const [p] = await ctx.step('wait for the pod', () => podsReady(ctx.kube, ctx.ns, ECHO.selector, 1));
    if (!p) throw new Error('no pod');
    await ctx.step('wait for its endpoint', () => readyEndpoints(ctx.kube, ctx.ns, 'local', 1));
    const fact = serviceFact((await ctx.kube.readService(ctx.ns, 'local')) as unknown as KObject);
    const nodePort = fact.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const url = `http://${epNode.ip}:${nodePort}/`;
    const probe = (key: Row) => ({ key, from: outside, url, expectation: ctx.expectation(EXPECT, key), receivingNode: epNode.name });
    await runSourceScenario(ctx, { endpoints: [{ ip: p.ip, port: 8080, node: p.node }], probes: [probe(BEFORE)] });
    await ctx.step(`delete ${p.name}`, () => ctx.kube.core.deleteNamespacedPod({ name: p.name, namespace: ctx.ns }));
    const state = await ctx.step(`watch ${p.name}'s endpoint turn serving and terminating`, () =>
      endpointsUntil(ctx.kube, ctx.ns, 'local', (eps) => (eps.some((e) => e.pod === p.name && !e.ready && e.serving && e.terminating) ? eps : undefined), `${p.name} serving and terminating`, TIMEOUTS.terminationPhase),
    );
    await ctx.rec.json('EndpointSlice while the pod terminates', state);
    await runSourceScenario(ctx, { endpoints: [{ ip: p.ip, port: 8080, node: p.node }], probes: [probe(ROW)] });
    await attachServiceRules(ctx, 'local', epNode.name);
    await ctx.kube.core.deleteNamespacedPod({ name: p.name, namespace: ctx.ns, gracePeriodSeconds: 1 }).catch(() => undefined);
  },
});
