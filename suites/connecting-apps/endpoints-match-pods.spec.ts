import { attachServiceRules, deployApp } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { MY_NGINX, myNginxDeployment } from '../../harness/apps/my-nginx.ts';
import { probeRows } from '../../harness/judge/scenarios.ts';
import { podRole } from '../../harness/apps/roles.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';
import { endpointFacts } from '../../harness/probes/waits.ts';

/** Every mode: a pod reaches my-nginx on its ClusterIP ("curl <CLUSTER-IP>:80 from any node"). */
type Row = 'pod on the endpoint node -> ClusterIP' | 'pod on a node without endpoint -> ClusterIP';
const EXPECT: ExpectationTable<Row> = { rows: { 'pod on the endpoint node -> ClusterIP': ANSWERS, 'pod on a node without endpoint -> ClusterIP': ANSWERS } };

/** Catches: a ClusterIP not programmed, or not reachable from a pod on some node. */
defineCase({
  id: 'connecting-apps/endpoints-match-pods',
  title: 'my-nginx (2 replicas): the EndpointSlice addresses are the pod IPs, and the ClusterIP answers',
  source: SOURCES.connectingApps,
  async run(ctx) {
    const app = await deployApp(ctx, myNginxDeployment(ctx.ns, ctx.images.nginx), MY_NGINX.selector, MY_NGINX.replicas, {
      name: MY_NGINX.name,
      selector: { ...MY_NGINX.labels },
      ports: [{ port: MY_NGINX.servicePort, targetPort: MY_NGINX.containerPort }],
    });
    const slices = await ctx.step(`read the EndpointSlices of ${MY_NGINX.name}`, () =>
      ctx.kube.watchUntil(
        `/apis/discovery.k8s.io/v1/namespaces/${ctx.ns}/endpointslices`,
        { labelSelector: `kubernetes.io/service-name=${MY_NGINX.name}` },
        (objs) => (objs.size ? [...objs.values()] : undefined),
        TIMEOUTS.endpointsReady,
        `EndpointSlices of ${ctx.ns}/${MY_NGINX.name}`,
      ),
    );
    await ctx.rec.json('EndpointSlices (kubectl get endpointslices -l kubernetes.io/service-name=my-nginx -o json)', slices);
    const eps = endpointFacts(slices);
    const podIps = app.pods.map((p) => p.ip).sort();
    const epIps = eps.filter((e) => e.ready).map((e) => e.address).sort();
    ctx.rec.expect(`ready endpoint addresses = pod IPs (${podIps.join(', ')}), each endpoint's targetRef names the pod with that IP`);
    ctx.rec.observe(`ready endpoint addresses: ${epIps.join(', ') || 'none'}; all endpoints: ${eps.map((e) => `${e.address}->${e.pod ?? '?'}`).join(', ')}`);
    ctx.rec.check({
      key: 'EndpointSlice addresses = pod IPs',
      proxyIndependent: true,
      expected: podIps.join(', '),
      observedEcho: epIps.join(', ') || 'no ready endpoint',
      verdict: epIps.length === podIps.length && epIps.every((ip, i) => ip === podIps[i]) && eps.length === podIps.length ? 'ok' : 'mismatch',
    });
    const byIp = new Map(app.pods.map((p) => [p.ip, p.name]));
    const wrongRefs = eps.filter((e) => byIp.get(e.address) !== e.pod);
    ctx.rec.check({
      key: 'endpoint targetRef = the pod with that IP',
      proxyIndependent: true,
      expected: app.pods.map((p) => `${p.ip}->${p.name}`).join(', '),
      observedEcho: eps.map((e) => `${e.address}->${e.pod ?? 'no targetRef'}`).join(', '),
      verdict: wrongRefs.length === 0 ? 'ok' : 'mismatch',
    });

    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const url = `http://${app.svc.clusterIP}:${MY_NGINX.servicePort}/`;
    const endpointNodes = app.pods.map((p) => p.node);
    // nginx does not say which pod answered: this case judges reachability from every node.
    await probeRows(
      ctx,
      [...clients.values()].map((from) => {
        const key = `${podRole(from.node, endpointNodes)} -> ClusterIP` as Row;
        return { key, from, url, expectation: ctx.expectation(EXPECT, key) };
      }),
    );
    const from = [...clients.values()][0];
    if (!from) throw new Error('no client pod');
    await attachServiceRules(ctx, MY_NGINX.name, from.node);
  },
});
