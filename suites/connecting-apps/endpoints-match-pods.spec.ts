import { attachServiceRules, deployApp } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS, describeExpectation, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { judge } from '../../harness/judge/judge.ts';
import { MY_NGINX, myNginxDeployment } from '../../harness/apps/my-nginx.ts';
import { probeOnce } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { TIMEOUTS } from '../../harness/run/timeouts.ts';
import { endpointFacts } from '../../harness/probes/waits.ts';

/** Every mode: a pod reaches my-nginx on its ClusterIP ("curl <CLUSTER-IP>:80 from any node"). */
const EXPECT: ExpectationTable<'pod-to-clusterip'> = { rows: { 'pod-to-clusterip': ANSWERS } };

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
      expected: podIps.join(', '),
      observedEcho: epIps.join(', ') || 'no ready endpoint',
      verdict: epIps.length === podIps.length && epIps.every((ip, i) => ip === podIps[i]) && eps.length === podIps.length ? 'ok' : 'mismatch',
    });
    const byIp = new Map(app.pods.map((p) => [p.ip, p.name]));
    const wrongRefs = eps.filter((e) => byIp.get(e.address) !== e.pod);
    ctx.rec.check({
      key: 'endpoint targetRef = the pod with that IP',
      expected: app.pods.map((p) => `${p.ip}->${p.name}`).join(', '),
      observedEcho: eps.map((e) => `${e.address}->${e.pod ?? 'no targetRef'}`).join(', '),
      verdict: wrongRefs.length === 0 ? 'ok' : 'mismatch',
    });

    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const from = clients.get(ctx.workers[0]?.name ?? '') ?? [...clients.values()][0];
    if (!from) throw new Error('no client pod');
    const expectation = expectationFor(EXPECT, ctx.mode, 'pod-to-clusterip');
    const url = `http://${app.svc.clusterIP}:${MY_NGINX.servicePort}/`;
    const key = `pod on ${from.node} -> ClusterIP ${app.svc.clusterIP}:${MY_NGINX.servicePort}`;
    ctx.rec.expect(`${key}: ${describeExpectation(expectation)}`);
    const res = await ctx.step(`curl ${url} from ${from.label}`, () => probeOnce({ from, url, expectation }));
    await ctx.rec.text('echo', `${key}: response`, `${res.from} -> ${res.url}\nexit: ${res.exit}\nhttp: ${res.httpCode ?? '-'}\n${res.stderr ? `stderr: ${res.stderr}\n` : ''}\n${res.body}`);
    const check = ctx.rec.check(judge(key, expectation, { curl: res }, { clientIp: from.ip, receivingNodeAddresses: [] }));
    ctx.rec.observe(`${key}: ${check.observedEcho}`);
    await attachServiceRules(ctx, MY_NGINX.name, from.node);
  },
});
