/**
 * "Connecting Applications with Services"
 * (https://kubernetes.io/docs/tutorials/services/connect-applications-service/), step by step,
 * up to DNS: my-nginx (2 replicas), its Service, the EndpointSlice, the environment variables
 * (scale to 0 and back, as the page does), kube-dns and a name lookup from a pod, then a
 * request to the Service by name. The HTTPS part is left out here (suites/connecting-apps/https
 * covers it).
 */
import { MY_NGINX, myNginxDeployment, myNginxService, parseResolved, resolveCommand, startNamespaceCurl } from '../harness/apps/my-nginx.ts';
import { converge, ConvergenceError } from '../harness/judge/converge.ts';
import { ANSWERS } from '../harness/judge/expectations.ts';
import { probeRow } from '../harness/judge/scenarios.ts';
import type { ExecResult } from '../harness/probes/kube.ts';
import type { PodRunner } from '../harness/probes/runners.ts';
import { podsReady, readyEndpoints, type PodFact } from '../harness/probes/waits.ts';
import { TIMEOUTS } from '../harness/timeouts.ts';
import { age, done, getPodsWide, getServices, table } from '../harness/tutorials/kubectl.ts';
import { column, fact, rowsHold, sameColumns, sameText } from '../harness/tutorials/match.ts';
import { applyObjects, expectationOf, getServicesText } from '../harness/tutorials/steps.ts';
import { defineTutorialPage } from '../harness/tutorials/types.ts';
import type { CaseContext } from '../harness/run/fixtures.ts';

const URL = 'https://kubernetes.io/docs/tutorials/services/connect-applications-service/';
const SECTION = {
  exposing: { section: 'Exposing pods to the cluster', anchor: 'exposing-pods-to-the-cluster' },
  service: { section: 'Creating a Service', anchor: 'creating-a-service' },
  env: { section: 'Environment Variables', anchor: 'environment-variables' },
  dns: { section: 'DNS', anchor: 'dns' },
} as const;

interface State {
  pods?: PodFact[];
  clusterIP?: string;
  curl?: PodRunner;
}

async function printenv(ctx: CaseContext, pod: PodFact): Promise<string> {
  const r = await ctx.kube.exec(ctx.ns, pod.name, MY_NGINX.name, ['printenv']);
  if (r.exitCode !== 0) throw new Error(`printenv in ${pod.name} failed (${r.exitCode}): ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter((l) => /SERVICE/.test(l)).sort().join('\n');
}

const SERVICE_VARS = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBERNETES_SERVICE_PORT_HTTPS'];

export const CONNECTING_APPLICATIONS = defineTutorialPage<State>({
  id: 'connecting-applications',
  title: 'Connecting Applications with Services',
  url: URL,
  state: () => ({}),
  steps: [
    {
      id: 'apply-my-nginx',
      ...SECTION.exposing,
      command: 'kubectl apply -f ./run-my-nginx.yaml\nkubectl get pods -l run=my-nginx -o wide',
      docsOutput: 'NAME                        READY     STATUS    RESTARTS   AGE       IP            NODE\nmy-nginx-3800858182-jr4a2   1/1       Running   0          13s       10.244.3.4    kubernetes-minion-905m\nmy-nginx-3800858182-kna2y   1/1       Running   0          13s       10.244.2.5    kubernetes-minion-ljyd',
      mustAgree: [
        sameColumns('NAME   READY   STATUS   RESTARTS   AGE   IP   NODE'),
        column('STATUS', /^Running$/, 'every pod Running'),
        fact('two pods, each with its own address', (f) => (f.pods === 2 && f.ips === 2 ? true : `${String(f.pods)} pods with ${String(f.ips)} addresses`)),
      ],
      mayDiffer: ['pod names, addresses, node names and ages (the page\'s pods sit on two nodes; ours are spread where the scheduler can)', 'the image (ours is built locally)'],
      cases: ['connecting-apps/endpoints-match-pods'],
      async run(ctx, s) {
        await applyObjects(ctx, 'apply run-my-nginx.yaml', [myNginxDeployment(ctx.ns, ctx.images.nginx)]);
        s.pods = await ctx.step('wait for the pods', () => podsReady(ctx.kube, ctx.ns, MY_NGINX.selector, MY_NGINX.replicas));
        return { output: getPodsWide(await ctx.kube.listPods(ctx.ns, MY_NGINX.selector)), facts: { pods: s.pods.length, ips: new Set(s.pods.map((p) => p.ip)).size } };
      },
    },
    {
      id: 'pod-ips',
      ...SECTION.exposing,
      command: 'kubectl get pods -l run=my-nginx -o custom-columns=POD_IP:.status.podIPs',
      docsOutput: 'POD_IP\n[map[ip:10.244.3.4]]\n[map[ip:10.244.2.5]]',
      mustAgree: [sameText('POD_IP\n[map[ip:10.244.3.4]]\n[map[ip:10.244.2.5]]', 'one address per pod, in kubectl\'s custom-columns form')],
      mayDiffer: ['the addresses'],
      async run(ctx) {
        const pods = await ctx.kube.listPods(ctx.ns, MY_NGINX.selector);
        return { output: ['POD_IP', ...pods.map((p) => `[${(p.status?.podIPs ?? []).map((x) => `map[ip:${x.ip}]`).join(' ')}]`)].join('\n') };
      },
    },
    {
      id: 'printenv-before',
      ...SECTION.env,
      command: 'kubectl exec my-nginx-3800858182-jr4a2 -- printenv | grep SERVICE',
      docsOutput: 'KUBERNETES_SERVICE_HOST=10.0.0.1\nKUBERNETES_SERVICE_PORT=443\nKUBERNETES_SERVICE_PORT_HTTPS=443',
      mustAgree: [
        fact('a pod created before the Service has only the kubernetes Service\'s variables', (f) => (f.names === SERVICE_VARS.join(',') ? true : `variables: ${String(f.names)}`)),
      ],
      mayDiffer: ['the kubernetes Service address'],
      cases: ['connecting-apps/env-vars'],
      async run(ctx, s) {
        const pod = s.pods?.[0];
        if (!pod) throw new Error('no my-nginx pod');
        const out = await printenv(ctx, pod);
        return { ran: `kubectl exec ${pod.name} -- printenv | grep SERVICE`, output: out, facts: { names: out.split('\n').filter(Boolean).map((l) => l.split('=')[0]).join(',') } };
      },
    },
    {
      id: 'expose',
      ...SECTION.service,
      command: 'kubectl expose deployment/my-nginx',
      docsOutput: 'service/my-nginx exposed',
      mustAgree: [sameText('service/my-nginx exposed'), fact('both pods are its ready endpoints', (f) => (f.endpoints === 2 ? true : `${String(f.endpoints)} ready endpoints`))],
      mayDiffer: [],
      cases: ['connecting-apps/endpoints-match-pods'],
      async run(ctx, s) {
        await applyObjects(ctx, 'expose deployment/my-nginx', [myNginxService(ctx.ns)]);
        const eps = await ctx.step('wait for its endpoints', () => readyEndpoints(ctx.kube, ctx.ns, MY_NGINX.name, MY_NGINX.replicas));
        s.clusterIP = (await ctx.kube.readService(ctx.ns, MY_NGINX.name)).spec?.clusterIP;
        return { output: done('service', MY_NGINX.name, 'exposed'), facts: { endpoints: eps.filter((e) => e.ready).length } };
      },
    },
    {
      id: 'get-svc',
      ...SECTION.service,
      command: 'kubectl get svc my-nginx',
      docsOutput: 'NAME       TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)   AGE\nmy-nginx   ClusterIP   10.0.162.149   <none>        80/TCP    21s',
      mustAgree: [sameText('NAME       TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)   AGE\nmy-nginx   ClusterIP   10.0.162.149   <none>        80/TCP    21s', 'the same row: my-nginx ClusterIP <none> 80/TCP')],
      mayDiffer: ['the cluster IP', 'the age'],
      async run(ctx) {
        return { output: await getServicesText(ctx, [MY_NGINX.name]) };
      },
    },
    {
      id: 'get-endpointslices',
      ...SECTION.service,
      command: 'kubectl get endpointslices -l kubernetes.io/service-name=my-nginx',
      docsOutput: 'NAME             ADDRESSTYPE   PORTS   ENDPOINTS               AGE\nmy-nginx-7vzhx   IPv4          80      10.244.2.5,10.244.3.4   21s',
      mustAgree: [sameColumns('NAME   ADDRESSTYPE   PORTS   ENDPOINTS   AGE'), fact("the endpoints are the pods' addresses", (f) => (f.match ? true : `endpoints ${String(f.endpoints)}, pods ${String(f.pods)}`))],
      mayDiffer: ['the slice name suffix, addresses and age'],
      cases: ['connecting-apps/endpoints-match-pods'],
      async run(ctx, s) {
        const slices = (await ctx.kube.objects.list('discovery.k8s.io/v1', 'EndpointSlice', ctx.ns, undefined, undefined, undefined, undefined, `kubernetes.io/service-name=${MY_NGINX.name}`)).items as unknown as {
          metadata: { name: string; creationTimestamp?: string };
          addressType: string;
          ports?: { port?: number }[];
          endpoints?: { addresses: string[] }[];
        }[];
        const eps = slices.flatMap((x) => (x.endpoints ?? []).flatMap((e) => e.addresses)).sort();
        const pods = (s.pods ?? []).map((p) => p.ip).sort();
        return {
          output: table(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], slices.map((x) => [x.metadata.name, x.addressType, (x.ports ?? []).map((p) => String(p.port ?? '')).join(','), (x.endpoints ?? []).flatMap((e) => e.addresses).sort().join(','), age(x.metadata.creationTimestamp)])),
          facts: { endpoints: eps.join(','), pods: pods.join(','), match: eps.join(',') === pods.join(',') },
        };
      },
    },
    {
      id: 'printenv-after',
      ...SECTION.env,
      command: 'kubectl scale deployment my-nginx --replicas=0; kubectl scale deployment my-nginx --replicas=2;\nkubectl exec my-nginx-3800858182-e9ihh -- printenv | grep SERVICE',
      docsOutput: 'KUBERNETES_SERVICE_PORT=443\nMY_NGINX_SERVICE_HOST=10.0.162.149\nKUBERNETES_SERVICE_HOST=10.0.0.1\nMY_NGINX_SERVICE_PORT=80\nKUBERNETES_SERVICE_PORT_HTTPS=443',
      mustAgree: [
        fact("a pod created after the Service has MY_NGINX_SERVICE_HOST = the Service's cluster IP and MY_NGINX_SERVICE_PORT=80", (f) => (f.host === f.clusterIP && f.port === '80' ? true : `MY_NGINX_SERVICE_HOST=${String(f.host)}, MY_NGINX_SERVICE_PORT=${String(f.port)}; the cluster IP is ${String(f.clusterIP)}`)),
      ],
      mayDiffer: ['the addresses', 'the order of the variables (ours sorted)'],
      cases: ['connecting-apps/env-vars'],
      async run(ctx, s) {
        await ctx.step('scale my-nginx to 0', async () => {
          await ctx.apply([myNginxDeployment(ctx.ns, ctx.images.nginx, 0)]);
          await ctx.kube.watchUntil(`/api/v1/namespaces/${ctx.ns}/pods`, { labelSelector: MY_NGINX.selector }, (objs) => (objs.size === 0 ? true : undefined), TIMEOUTS.podsGone, 'every my-nginx pod gone');
        });
        await ctx.step('scale my-nginx back to 2', () => ctx.apply([myNginxDeployment(ctx.ns, ctx.images.nginx, MY_NGINX.replicas)]));
        s.pods = await ctx.step('wait for the new pods', () => podsReady(ctx.kube, ctx.ns, MY_NGINX.selector, MY_NGINX.replicas));
        const pod = s.pods[0];
        if (!pod) throw new Error('no my-nginx pod');
        const out = await printenv(ctx, pod);
        const get = (n: string) => out.split('\n').find((l) => l.startsWith(`${n}=`))?.slice(n.length + 1);
        return { ran: `kubectl scale deployment my-nginx --replicas=0; kubectl scale deployment my-nginx --replicas=2;\nkubectl exec ${pod.name} -- printenv | grep SERVICE`, output: out, facts: { host: get('MY_NGINX_SERVICE_HOST'), port: get('MY_NGINX_SERVICE_PORT'), clusterIP: s.clusterIP } };
      },
    },
    {
      id: 'kube-dns',
      ...SECTION.dns,
      command: 'kubectl get services kube-dns --namespace=kube-system',
      docsOutput: 'NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE\nkube-dns   ClusterIP   10.0.0.10    <none>        53/UDP,53/TCP   8m',
      mustAgree: [sameColumns('NAME   TYPE   CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE'), column('TYPE', /^ClusterIP$/, 'kube-dns is a ClusterIP Service'), column('PORT(S)', /53\/UDP/, 'it serves 53/UDP')],
      mayDiffer: ['the address and age', 'PORT(S): our cluster also lists 9153/TCP (CoreDNS metrics)'],
      cases: ['connecting-apps/dns'],
      async run(ctx) {
        const svc = await ctx.kube.readService('kube-system', 'kube-dns');
        return { output: getServices([svc]) };
      },
    },
    {
      id: 'nslookup',
      ...SECTION.dns,
      command: 'kubectl run curl --image=radial/busyboxplus:curl -i --tty --rm\n# in the pod:\nnslookup my-nginx',
      docsOutput: 'Server:    10.0.0.10\nAddress 1: 10.0.0.10\n\nName:      my-nginx\nAddress 1: 10.0.162.149',
      mustAgree: [fact("my-nginx resolves to the Service's cluster IP, and only to it", (f) => (f.resolved === f.clusterIP ? true : `resolved to ${String(f.resolved) || 'nothing'}; the cluster IP is ${String(f.clusterIP)}`))],
      mayDiffer: ['the addresses', "the resolver's output format (ours: getent, or nslookup where the image has no getent)"],
      cases: ['connecting-apps/dns'],
      async run(ctx, s) {
        s.curl = await ctx.step('start a curl pod in the namespace', () => startNamespaceCurl(ctx, { name: 'curl' }));
        const pod = s.curl;
        const cmd = resolveCommand(MY_NGINX.name);
        const ok = (r: ExecResult) => r.exitCode === 0 && parseResolved(r.stdout).includes(s.clusterIP ?? '');
        const r = await ctx.step(`resolve my-nginx in ${pod.label}`, async () => {
          try {
            return (await converge(() => pod.run(cmd, 15_000), ok, { what: 'my-nginx resolving', timeoutMs: TIMEOUTS.dnsResolves, intervalMs: 1000 })).last;
          } catch (e) {
            if (e instanceof ConvergenceError) return pod.run(cmd, 15_000);
            throw e;
          }
        });
        return { ran: `kubectl exec ${pod.pod} -- ${cmd.join(' ')}`, output: r.stdout.trim(), facts: { resolved: parseResolved(r.stdout).join(','), clusterIP: s.clusterIP } };
      },
    },
    {
      id: 'curl-by-name',
      ...SECTION.dns,
      command: 'curl my-nginx   # from the pod above',
      docsOutput: '<title>Welcome to nginx!</title>',
      mustAgree: [rowsHold('http://my-nginx answers from a pod in the namespace, every judged attempt (converge, then sample)'), fact("nginx's welcome page", (f, o) => (o.output.includes('Welcome to nginx!') ? true : `no welcome page in the answer (${String(f.body ?? '')})`))],
      mayDiffer: ['the rest of the page'],
      cases: ['connecting-apps/dns'],
      async run(ctx, s) {
        if (!s.curl) throw new Error('no curl pod');
        const pod = s.curl;
        const key = 'pod in the namespace -> Service by name';
        const check = await probeRow(ctx, { key, from: pod, url: `http://${MY_NGINX.name}/`, expectation: expectationOf(ctx, 'connecting-apps/dns', key, ANSWERS) });
        const r = await pod.run(['curl', '-s', '--max-time', '5', `http://${MY_NGINX.name}/`], 15_000);
        const title = /<title>[^<]*<\/title>/.exec(r.stdout)?.[0] ?? r.stdout.slice(0, 200);
        return { ran: `kubectl exec ${pod.pod} -- curl -s http://my-nginx/`, output: title, facts: { checks: [check], body: r.stdout.slice(0, 120) } };
      },
    },
  ],
});

