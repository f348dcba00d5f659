/**
 * "Explore Termination Behavior for Pods And Their Endpoints"
 * (https://kubernetes.io/docs/tutorials/services/pods-and-endpoint-termination-flow/), step by
 * step: nginx with a long grace period and a preStop sleep, one pod deleted while its endpoint
 * is watched. Our grace period and preStop sleep are the cases' (harness/apps/termination.ts:
 * 30 s and 10 s; the page has 120 s and a 180 s sleep, cut short by the grace period), so the
 * replay stays short; the terminating phase the page shows is the same.
 */
import { TERMINATION, TERMINATION_APP, TERMINATION_SERVICE, terminationDeployment, deleteAndWatch, describeConditions, oldEndpointPhases, releaseTerminationApp, timelineText, type TerminationTimeline } from '../harness/apps/termination.ts';
import { service } from '../harness/apps/workloads.ts';
import { podsReady, readyEndpoints, type PodFact } from '../harness/probes/waits.ts';
import { done, deleted, getPodsWide, table, age } from '../harness/tutorials/kubectl.ts';
import { column, fact, parseTable, sameColumns, sameText } from '../harness/tutorials/match.ts';
import { applyObjects } from '../harness/tutorials/steps.ts';
import { defineTutorialPage } from '../harness/tutorials/types.ts';
import type { CaseContext } from '../harness/run/fixtures.ts';

const URL = 'https://kubernetes.io/docs/tutorials/services/pods-and-endpoint-termination-flow/';
const SECTION = { section: 'Example flow with endpoint termination', anchor: 'example-flow-with-endpoint-termination' } as const;
const TERMINATING = describeConditions({ ready: false, serving: true, terminating: true });

interface State {
  old?: PodFact;
  timeline?: Promise<TerminationTimeline>;
  replacement?: PodFact;
}

async function endpointSliceTable(ctx: CaseContext): Promise<{ text: string; endpoints: string[] }> {
  const slices = (await ctx.kube.objects.list('discovery.k8s.io/v1', 'EndpointSlice', ctx.ns, undefined, undefined, undefined, undefined, `kubernetes.io/service-name=${TERMINATION_APP.service}`)).items as unknown as {
    metadata: { name: string; creationTimestamp?: string };
    addressType: string;
    ports?: { port?: number }[];
    endpoints?: { addresses: string[] }[];
  }[];
  const endpoints = slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses));
  return {
    text: table(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], slices.map((s) => [s.metadata.name, s.addressType, (s.ports ?? []).map((p) => String(p.port ?? '')).join(','), (s.endpoints ?? []).flatMap((e) => e.addresses).join(',') || '<unset>', age(s.metadata.creationTimestamp)])),
    endpoints,
  };
}

export const POD_AND_ENDPOINT_TERMINATION = defineTutorialPage<State>({
  id: 'pods-and-endpoint-termination',
  title: 'Explore Termination Behavior for Pods And Their Endpoints',
  url: URL,
  state: () => ({}),
  steps: [
    {
      id: 'apply-deployment',
      ...SECTION,
      command: 'kubectl apply -f pod-with-graceful-termination.yaml\nkubectl apply -f explore-graceful-termination-nginx.yaml',
      docsOutput: 'deployment.apps/nginx-deployment created\nservice/nginx-service created',
      mustAgree: [sameText('deployment.apps/nginx-deployment created\nservice/nginx-service created'), fact('one pod is ready and is the Service\'s endpoint', (f) => (f.ready === 1 ? true : `${String(f.ready)} ready endpoints`))],
      mayDiffer: ['the grace period and preStop sleep (the page: 120 s grace and a 180 s sleep; ours: 30 s and 10 s, so nginx stops when the sleep ends instead of being killed)', 'the image (ours is built locally)'],
      cases: ['termination/terminating-endpoint-conditions'],
      async run(ctx, s) {
        const dep = terminationDeployment(ctx.ns, ctx.images.nginx);
        const svc = service({ ns: ctx.ns, ...TERMINATION_SERVICE });
        await applyObjects(ctx, 'apply nginx-deployment and nginx-service', [dep, svc]);
        const [pod] = await ctx.step('wait for the pod', () => podsReady(ctx.kube, ctx.ns, TERMINATION_APP.selector, 1));
        const eps = await ctx.step('wait for its endpoint', () => readyEndpoints(ctx.kube, ctx.ns, TERMINATION_APP.service, 1));
        s.old = pod;
        return {
          ran: `kubectl apply -f <nginx-deployment: terminationGracePeriodSeconds ${TERMINATION.gracePeriodSec}, preStop sleep ${TERMINATION.preStopSleepSec}> -f <nginx-service>`,
          output: [done('deployment.apps', TERMINATION_APP.name, 'created'), done('service', TERMINATION_APP.service, 'created')].join('\n'),
          facts: { ready: eps.filter((e) => e.ready && e.address === pod?.ip).length },
        };
      },
    },
    {
      id: 'get-pods',
      ...SECTION,
      command: 'kubectl get pods',
      docsOutput: 'NAME                                READY   STATUS    RESTARTS   AGE\nnginx-deployment-7768647bf9-b4b9s   1/1     Running   0          8s',
      mustAgree: [sameColumns('NAME   READY   STATUS   RESTARTS   AGE'), column('STATUS', /^Running$/, 'one pod Running'), column('READY', /^1\/1$/, '1/1 ready')],
      mayDiffer: ['the pod name suffix and age'],
      async run(ctx) {
        const wide = parseTable(getPodsWide(await ctx.kube.listPods(ctx.ns, TERMINATION_APP.selector)));
        return { output: table(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], wide.rows.map((r) => [r.NAME ?? '', r.READY ?? '', r.STATUS ?? '', r.RESTARTS ?? '', r.AGE ?? ''])) };
      },
    },
    {
      id: 'get-endpointslice',
      ...SECTION,
      command: 'kubectl get endpointslice',
      docsOutput: 'NAME                  ADDRESSTYPE   PORTS   ENDPOINTS     AGE\nnginx-service-6tjbr   IPv4          80      10.12.1.199   22m',
      mustAgree: [sameColumns('NAME   ADDRESSTYPE   PORTS   ENDPOINTS   AGE'), fact("the pod's address is the one endpoint", (f) => (f.match ? true : `endpoints ${String(f.endpoints)}, the pod is ${String(f.pod)}`))],
      mayDiffer: ['the slice name suffix, addresses and age'],
      cases: ['termination/terminating-endpoint-conditions'],
      async run(ctx, s) {
        const t = await endpointSliceTable(ctx);
        return { output: t.text, facts: { endpoints: t.endpoints.join(','), pod: s.old?.ip, match: t.endpoints.length === 1 && t.endpoints[0] === s.old?.ip } };
      },
    },
    {
      id: 'delete-pod',
      ...SECTION,
      command: 'kubectl delete pod nginx-deployment-7768647bf9-b4b9s',
      docsOutput: 'pod "nginx-deployment-7768647bf9-b4b9s" deleted',
      mustAgree: [sameText('pod "nginx-deployment-7768647bf9-b4b9s" deleted')],
      mayDiffer: ['the pod name'],
      async run(ctx, s) {
        const old = s.old;
        if (!old) throw new Error('no nginx pod (an earlier step did not run)');
        let deleting!: () => void;
        const requested = new Promise<void>((resolve) => (deleting = resolve));
        // The watch runs on: the next steps look while the old endpoint terminates; the last one awaits its end.
        s.timeline = deleteAndWatch(ctx, TERMINATION_APP.service, old, async () => deleting());
        s.timeline.catch(() => undefined);
        await requested;
        // Not just any ready pod: the delete may not have reached the API server yet, and the old
        // pod (no deletionTimestamp, still ready) would pass for its own replacement.
        const [replacement] = await ctx.step('wait for the replacement pod to be ready', () => podsReady(ctx.kube, ctx.ns, TERMINATION_APP.selector, 1, undefined, [old.name]));
        s.replacement = replacement;
        return { output: deleted('pod', old.name) };
      },
    },
    {
      id: 'get-pods-terminating',
      ...SECTION,
      command: 'kubectl get pods',
      docsOutput: 'NAME                                READY   STATUS        RESTARTS   AGE\nnginx-deployment-7768647bf9-b4b9s   1/1     Terminating   0          4m1s\nnginx-deployment-7768647bf9-rkxlw   1/1     Running       0          8s',
      mustAgree: [
        sameColumns('NAME   READY   STATUS   RESTARTS   AGE'),
        fact('the deleted pod is Terminating (still 1/1 ready, in its preStop sleep) while its replacement is Running', (f) =>
          f.oldStatus === 'Terminating' && f.newStatus === 'Running' ? true : `the deleted pod is ${String(f.oldStatus)}, the replacement ${String(f.newStatus)}`,
        ),
      ],
      mayDiffer: ['pod names and ages'],
      cases: ['termination/terminating-endpoint-conditions'],
      async run(ctx, s) {
        const wide = parseTable(getPodsWide(await ctx.kube.listPods(ctx.ns, TERMINATION_APP.selector)));
        const rows = wide.rows.map((r) => [r.NAME ?? '', r.READY ?? '', r.STATUS ?? '', r.RESTARTS ?? '', r.AGE ?? '']);
        return {
          output: table(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], rows),
          facts: { oldStatus: wide.rows.find((r) => r.NAME === s.old?.name)?.STATUS ?? 'gone', newStatus: wide.rows.find((r) => r.NAME === s.replacement?.name)?.STATUS ?? 'absent' },
        };
      },
    },
    {
      id: 'endpointslice-conditions',
      ...SECTION,
      command: 'kubectl get endpointslice -o json nginx-service-6tjbr',
      docsOutput: '"addresses": ["10.12.1.201"],\n"conditions": { "ready": false, "serving": true, "terminating": true },\n...\n"addresses": ["10.12.1.202"],\n"conditions": { "ready": true, "serving": true, "terminating": false },',
      mustAgree: [
        fact(`the deleted pod's endpoint shows ${TERMINATING} while the replacement's is ready=true serving=true terminating=false`, (f) => (f.terminating && f.replacementReady ? true : `states of the deleted pod's endpoint: ${String(f.states)}`)),
      ],
      mayDiffer: ['addresses and the slice name', 'the moment we look (ours: the first change the watch saw with both endpoints so)'],
      cases: ['termination/terminating-endpoint-conditions'],
      async run(ctx, s) {
        if (!s.timeline || !s.old) throw new Error('the delete step did not run');
        const tl = await ctx.step("watch the old endpoint until it has left the EndpointSlice", () => s.timeline as Promise<TerminationTimeline>);
        await ctx.rec.text('log', 'EndpointSlice condition timeline', timelineText(tl));
        const ph = oldEndpointPhases(tl);
        const snap = ph.replacementReady ?? ph.terminating;
        const output = (snap?.endpoints ?? [])
          .map((e) => `"addresses": ["${e.address}"],\n"conditions": { "ready": ${e.ready}, "serving": ${e.serving}, "terminating": ${e.terminating} },   # ${e.pod === s.old?.name ? 'the deleted pod' : 'the replacement'}`)
          .join('\n...\n');
        return {
          ran: `watch the EndpointSlice of nginx-service (t=+${((snap?.atMs ?? 0) / 1000).toFixed(2)} s after the delete shown)`,
          output,
          facts: { terminating: Boolean(ph.terminating), replacementReady: Boolean(ph.replacementReady), states: ph.states.join(' -> ') },
        };
      },
    },
    {
      id: 'cleanup',
      section: 'Cleaning up',
      anchor: 'cleaning-up',
      command: 'kubectl delete deployment nginx-deployment\nkubectl delete service nginx-service',
      docsOutput: 'deployment.apps "nginx-deployment" deleted\nservice "nginx-service" deleted',
      mustAgree: [sameText('deployment.apps "nginx-deployment" deleted\nservice "nginx-service" deleted', 'both are deleted')],
      mayDiffer: [],
      async run(ctx) {
        // Scale to 0 and shorten the grace first, so the namespace does not sit through another preStop sleep.
        await ctx.step('release: scale to 0 and shorten the remaining grace', () => releaseTerminationApp(ctx));
        await ctx.kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: TERMINATION_APP.name, namespace: ctx.ns } });
        await ctx.kube.core.deleteNamespacedService({ namespace: ctx.ns, name: TERMINATION_APP.service });
        return { output: [deleted('deployment.apps', TERMINATION_APP.name), deleted('service', TERMINATION_APP.service)].join('\n') };
      },
    },
  ],
});
