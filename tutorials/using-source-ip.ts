/**
 * "Using Source IP" (https://kubernetes.io/docs/tutorials/services/source-ip/), step by step.
 * Commands and outputs are the page's, cut to what the comparison needs. Our source-ip-app is
 * pinned to the first worker (the page lets the scheduler choose), so "the node with the
 * endpoint" is known; requests the page sends once are sent as the cases send them
 * (converge, then a judged sample, with a capture at the endpoint).
 */
import { awaitLoadBalancer, announcingNode } from '../harness/apps/lb.ts';
import { nodeRole, podRole } from '../harness/apps/roles.ts';
import { service, sourceIpApp } from '../harness/apps/workloads.ts';
import { converge } from '../harness/judge/converge.ts';
import { ANSWERS_LOCALLY_WITH_CLIENT_IP, ANSWERS_WITH_CLIENT_IP, ANSWERS_WITH_NODE_SNAT, DROPS } from '../harness/judge/expectations.ts';
import type { CaseContext } from '../harness/run/fixtures.ts';
import type { ContainerRunner } from '../harness/probes/runners.ts';
import { reportedProxyMode } from '../harness/probes/node.ts';
import { podsReady, readyEndpoints, loadBalancerAddress, type PodFact } from '../harness/probes/waits.ts';
import { deleted, done, getNodes, getPodsWide } from '../harness/tutorials/kubectl.ts';
import { clientAddresses, column, fact, rowsHold, sameColumns, sameText } from '../harness/tutorials/match.ts';
import { applyObjects, clientValues, expectationOf, getServicesText, sourceRequests } from '../harness/tutorials/steps.ts';
import { defineTutorialPage, type StepOutcome } from '../harness/tutorials/types.ts';

const URL = 'https://kubernetes.io/docs/tutorials/services/source-ip/';
const APP = { name: 'source-ip-app', labels: { app: 'source-ip-app' }, selector: 'app=source-ip-app', port: 8080 } as const;

interface State {
  pod?: PodFact;
  nodePort?: number;
  lbIp?: string;
  healthCheckNodePort?: number;
  outside?: ContainerRunner;
}

const SECTION = {
  before: { section: 'Before you begin', anchor: 'before-you-begin' },
  clusterIp: { section: 'Source IP for Services with Type=ClusterIP', anchor: 'source-ip-for-services-with-type-clusterip' },
  nodePort: { section: 'Source IP for Services with Type=NodePort', anchor: 'source-ip-for-services-with-type-nodeport' },
  lb: { section: 'Source IP for Services with Type=LoadBalancer', anchor: 'source-ip-for-services-with-type-loadbalancer' },
  cleanup: { section: 'Cleaning up', anchor: 'cleaning-up' },
} as const;

const MAY_DIFFER_OBJECT = ['the namespace (ours is the replay\'s own)', 'the image (ours is built locally)'];

function exposed(ctx: CaseContext, name: string, type: 'ClusterIP' | 'NodePort' | 'LoadBalancer') {
  // `kubectl expose deployment` copies the Deployment's labels and selector to the Service.
  return service({ ns: ctx.ns, name, selector: { ...APP.labels }, labels: { ...APP.labels }, type, ports: [{ port: 80, targetPort: APP.port }] });
}

function mustPod(s: State): PodFact {
  if (!s.pod) throw new Error('source-ip-app has no pod (the first step did not run)');
  return s.pod;
}

/** The docs' `for node in $NODES; do curl -s $node:$NODEPORT | grep -i client_address; done`, from the outside client. */
async function nodePortLoop(ctx: CaseContext, s: State, policy: 'Cluster' | 'Local'): Promise<StepOutcome> {
  const pod = mustPod(s);
  if (!s.nodePort) throw new Error('no nodePort');
  const outside = (s.outside ??= await ctx.step('start the outside client', () => ctx.outside()));
  const caseId = policy === 'Cluster' ? 'source-ip/nodeport-cluster-snat' : 'source-ip/nodeport-local-preserves-client-ip';
  const { checks, answers } = await sourceRequests(
    ctx,
    [{ ip: pod.ip, port: APP.port, node: pod.node }],
    ctx.cluster.nodes.map((n) => {
      const key = `outside -> ${nodeRole(n.name, [pod.node])} : nodePort`;
      const row = policy === 'Cluster' ? ANSWERS_WITH_NODE_SNAT : n.name === pod.node ? ANSWERS_LOCALLY_WITH_CLIENT_IP : DROPS;
      // One node after another, as the page's loop does: concurrent paths from one client would let the
      // answering path's SYNs fall into a dropping path's time window at the endpoint's capture.
      return { key, from: outside, url: `http://${n.ip}:${s.nodePort}/`, expectation: expectationOf(ctx, caseId, key, row), receivingNode: n.name, prepare: async () => undefined };
    }),
  );
  const lines = answers.flatMap((a) => (a.clientAddress ? [`client_address=${a.clientAddress}`] : []));
  return {
    ran: `for node in ${ctx.cluster.nodes.map((n) => n.ip).join(' ')}; do curl -s $node:${s.nodePort} | grep -i client_address; done   # from ${outside.label}`,
    output: lines.join('\n'),
    facts: { checks, clientIp: outside.ip, answered: answers.filter((a) => a.clientAddress).length, nodes: ctx.cluster.nodes.length },
  };
}

/** `curl <LB address>` from the outside client, judged as the LoadBalancer cases judge it. */
async function lbRequest(ctx: CaseContext, s: State, policy: 'Cluster' | 'Local'): Promise<StepOutcome> {
  const pod = mustPod(s);
  if (!s.lbIp) throw new Error('no LoadBalancer address');
  const outside = (s.outside ??= await ctx.step('start the outside client', () => ctx.outside()));
  const url = `http://${s.lbIp}:80/`;
  await ctx.step(`wait until ${url} answers`, () => awaitLoadBalancer(outside, url));
  const announcer = await ctx.step('find the node announcing the address (ARP)', () => announcingNode(ctx, outside, s.lbIp ?? ''));
  await ctx.rec.text('text', 'neighbour entry on the outside client', announcer.evidence);
  const caseId = policy === 'Cluster' ? 'loadbalancer/cluster-snat' : 'loadbalancer/local-preserves-client-ip';
  const key = 'outside -> LB VIP (announcing node)';
  const { checks, answers } = await sourceRequests(ctx, [{ ip: pod.ip, port: APP.port, node: pod.node }], [
    { key, from: outside, url, expectation: expectationOf(ctx, caseId, key, policy === 'Cluster' ? ANSWERS_WITH_NODE_SNAT : ANSWERS_LOCALLY_WITH_CLIENT_IP), receivingNode: announcer.node },
  ]);
  return {
    ran: `curl ${s.lbIp}   # from ${outside.label}; announced by ${announcer.node}`,
    output: clientValues(answers[0]?.body),
    facts: { checks, clientIp: outside.ip, announcer: announcer.node, endpointNode: pod.node },
  };
}

async function patchPolicy(ctx: CaseContext, name: string, type: 'NodePort' | 'LoadBalancer'): Promise<StepOutcome> {
  const svc = exposed(ctx, name, type);
  (svc.spec as Record<string, unknown>).externalTrafficPolicy = 'Local';
  await applyObjects(ctx, `set externalTrafficPolicy: Local on Service ${name}`, [svc]);
  const read = await ctx.kube.readService(ctx.ns, name);
  return { output: done('service', name, 'patched'), facts: { policy: read.spec?.externalTrafficPolicy } };
}

const policyIsLocal = fact<State>('the Service now has externalTrafficPolicy: Local', (f) => (f.policy === 'Local' ? true : `externalTrafficPolicy is ${String(f.policy)}`));

export const USING_SOURCE_IP = defineTutorialPage<State>({
  id: 'using-source-ip',
  title: 'Using Source IP',
  url: URL,
  needs: ['capture', 'outside-client', 'multi-node', 'loadbalancer'],
  state: () => ({}),
  steps: [
    {
      id: 'create-deployment',
      ...SECTION.before,
      command: 'kubectl create deployment source-ip-app --image=registry.k8s.io/echoserver:1.10',
      docsOutput: 'deployment.apps/source-ip-app created',
      mustAgree: [sameText('deployment.apps/source-ip-app created'), fact('one source-ip-app pod runs', (f) => (f.pods === 1 ? true : `${String(f.pods)} pods ready`))],
      mayDiffer: [...MAY_DIFFER_OBJECT, 'where the pod runs (ours is pinned to the first worker, so the node with the endpoint is known)'],
      cases: ['source-ip/clusterip-preserves-pod-ip'],
      async run(ctx, s) {
        const worker = ctx.workers[0];
        if (!worker) throw new Error('needs a worker node');
        await applyObjects(ctx, 'create Deployment source-ip-app', [sourceIpApp(ctx.ns, ctx.images.echo, [worker.name])]);
        const pods = await ctx.step('wait for the pod', () => podsReady(ctx.kube, ctx.ns, APP.selector, 1));
        s.pod = pods[0];
        return { ran: `kubectl create deployment source-ip-app --image=${ctx.images.echo}   # pinned to ${worker.name}`, output: done('deployment.apps', APP.name, 'created'), facts: { pods: pods.length } };
      },
    },
    {
      id: 'get-nodes',
      ...SECTION.clusterIp,
      command: 'kubectl get nodes',
      docsOutput: 'NAME                   STATUS   ROLES    AGE   VERSION\nkubernetes-node-6jst   Ready    <none>   2h    v1.13.0\nkubernetes-node-cx31   Ready    <none>   2h    v1.13.0\nkubernetes-node-jj1t   Ready    <none>   2h    v1.13.0',
      mustAgree: [sameColumns('NAME   STATUS   ROLES   AGE   VERSION'), column('STATUS', /^Ready$/, 'every node is Ready')],
      mayDiffer: ['node names, roles (kind labels its control plane), ages, the Kubernetes version'],
      async run(ctx) {
        return { output: getNodes(await ctx.kube.listNodes()) };
      },
    },
    {
      id: 'proxy-mode',
      ...SECTION.clusterIp,
      command: 'curl http://localhost:10249/proxyMode   # on a node',
      docsOutput: 'iptables',
      mustAgree: [
        fact('kube-proxy reports the mode this column runs', (f) => (f.reported === f.declared ? true : `reports "${String(f.reported)}", the column runs ${String(f.declared)}`)),
      ],
      mayDiffer: ['the mode itself: the page shows a node in iptables mode, the default'],
      cases: ['proxy/mode-matches'],
      async run(ctx) {
        const node = ctx.workers[0];
        if (!node?.runner) throw new Error('no docker access to a worker');
        const r = await reportedProxyMode(node.runner);
        const declared = ctx.impl.reportedMode;
        return {
          ran: `curl http://localhost:10249/proxyMode   # on ${node.name}`,
          output: r.reported,
          facts: { reported: r.reported, declared },
          ...(r.reported !== 'iptables' ? { documented: `this column runs ${r.reported}; the page shows a node in iptables mode` } : {}),
        };
      },
    },
    {
      id: 'expose-clusterip',
      ...SECTION.clusterIp,
      command: 'kubectl expose deployment source-ip-app --name=clusterip --port=80 --target-port=8080',
      docsOutput: 'service/clusterip exposed',
      mustAgree: [sameText('service/clusterip exposed'), fact('the Service has the pod as its ready endpoint', (f) => (f.endpoints === 1 ? true : `${String(f.endpoints)} ready endpoints`))],
      mayDiffer: MAY_DIFFER_OBJECT,
      async run(ctx) {
        await applyObjects(ctx, 'expose source-ip-app as Service clusterip', [exposed(ctx, 'clusterip', 'ClusterIP')]);
        const eps = await ctx.step('wait for its endpoint', () => readyEndpoints(ctx.kube, ctx.ns, 'clusterip', 1));
        return { output: done('service', 'clusterip', 'exposed'), facts: { endpoints: eps.filter((e) => e.ready).length } };
      },
    },
    {
      id: 'get-svc-clusterip',
      ...SECTION.clusterIp,
      command: 'kubectl get svc clusterip',
      docsOutput: 'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nclusterip    ClusterIP   10.0.170.92  <none>        80/TCP    51s',
      mustAgree: [
        sameColumns('NAME   TYPE   CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE'),
        column('TYPE', /^ClusterIP$/, 'TYPE ClusterIP'),
        column('EXTERNAL-IP', /^<none>$/, 'no external IP'),
        column('PORT(S)', /^80\/TCP$/, 'PORT(S) 80/TCP'),
      ],
      mayDiffer: ['the cluster IP (from the cluster\'s Service range)', 'the age'],
      async run(ctx) {
        return { output: await getServicesText(ctx, ['clusterip']) };
      },
    },
    {
      id: 'clusterip-from-pod',
      ...SECTION.clusterIp,
      command: 'kubectl run busybox -it --image=busybox:1.28 --restart=Never --rm\n# in the pod:\nip addr\nwget -qO - 10.0.170.92',
      docsOutput: '    inet 10.244.3.8/24 scope global eth0\n...\nCLIENT VALUES:\nclient_address=10.244.3.8\ncommand=GET',
      mustAgree: [rowsHold('client_address is the client pod\'s own IP, from a pod on the endpoint\'s node and from a pod on another node (echo and capture)')],
      mayDiffer: ['the addresses (pod and Service ranges)', 'the client (ours: a long-running curl pod on every node)'],
      cases: ['source-ip/clusterip-preserves-pod-ip'],
      async run(ctx, s) {
        const pod = mustPod(s);
        const svc = await ctx.kube.readService(ctx.ns, 'clusterip');
        const clients = [...(await ctx.step('client pods on every node', () => ctx.clients())).values()];
        const url = `http://${svc.spec?.clusterIP}:80/`;
        const { checks, answers } = await sourceRequests(
          ctx,
          [{ ip: pod.ip, port: APP.port, node: pod.node }],
          clients.map((from) => {
            const key = `${podRole(from.node, [pod.node])} -> ClusterIP`;
            return { key, from, url, expectation: expectationOf(ctx, 'source-ip/clusterip-preserves-pod-ip', key, ANSWERS_WITH_CLIENT_IP), receivingNode: from.node };
          }),
        );
        const output = answers.map((a) => `# ${a.probe.from.label}: ip addr says ${a.probe.from.ip}\n${clientValues(a.body)}`).join('\n');
        return { ran: `kubectl exec <client pod on each node> -- curl -s ${url}`, output, facts: { checks } };
      },
    },
    {
      id: 'expose-nodeport',
      ...SECTION.nodePort,
      command: 'kubectl expose deployment source-ip-app --name=nodeport --port=80 --target-port=8080 --type=NodePort',
      docsOutput: 'service/nodeport exposed',
      mustAgree: [sameText('service/nodeport exposed'), fact('a nodePort is allocated', (f) => (typeof f.nodePort === 'number' ? true : 'no nodePort'))],
      mayDiffer: MAY_DIFFER_OBJECT,
      async run(ctx, s) {
        await applyObjects(ctx, 'expose source-ip-app as Service nodeport (NodePort)', [exposed(ctx, 'nodeport', 'NodePort')]);
        await ctx.step('wait for its endpoint', () => readyEndpoints(ctx.kube, ctx.ns, 'nodeport', 1));
        const svc = await ctx.kube.readService(ctx.ns, 'nodeport');
        s.nodePort = svc.spec?.ports?.[0]?.nodePort;
        return { output: done('service', 'nodeport', 'exposed'), facts: { nodePort: s.nodePort } };
      },
    },
    {
      id: 'nodeport-cluster',
      ...SECTION.nodePort,
      command:
        'NODEPORT=$(kubectl get -o jsonpath="{.spec.ports[0].nodePort}" services nodeport)\nNODES=$(kubectl get nodes -o jsonpath=\'{ $.items[*].status.addresses[?(@.type=="InternalIP")].address }\')\nfor node in $NODES; do curl -s $node:$NODEPORT | grep -i client_address; done',
      docsOutput: 'client_address=10.180.1.1\nclient_address=10.240.0.5\nclient_address=10.240.0.3',
      mustAgree: [
        fact('one client_address line per node (every node answers)', (f, o) => (clientAddresses(o.output).length === f.nodes ? true : `${clientAddresses(o.output).length} lines for ${String(f.nodes)} nodes`)),
        rowsHold('"not the correct client IPs, they\'re cluster internal IPs": each is an address of the node that received the request (SNAT), never the client\'s'),
      ],
      mayDiffer: ['the addresses', 'the number of nodes'],
      cases: ['source-ip/nodeport-cluster-snat'],
      run: (ctx, s) => nodePortLoop(ctx, s, 'Cluster'),
    },
    {
      id: 'patch-nodeport-local',
      ...SECTION.nodePort,
      command: 'kubectl patch svc nodeport -p \'{"spec":{"externalTrafficPolicy":"Local"}}\'',
      docsOutput: 'service/nodeport patched',
      mustAgree: [sameText('service/nodeport patched'), policyIsLocal],
      mayDiffer: ['how the field is set (ours: server-side apply of the same Service with the field)'],
      run: (ctx) => patchPolicy(ctx, 'nodeport', 'NodePort'),
    },
    {
      id: 'nodeport-local',
      ...SECTION.nodePort,
      command: 'for node in $NODES; do curl --connect-timeout 1 -s $node:$NODEPORT | grep -i client_address; done',
      docsOutput: 'client_address=198.51.100.79',
      mustAgree: [
        fact('exactly one line: only the node with the endpoint answers', (f, o) => (clientAddresses(o.output).length === 1 ? true : `${clientAddresses(o.output).length} lines`)),
        fact("that line is the client's own address", (f, o) => (clientAddresses(o.output)[0] === f.clientIp ? true : `client_address=${clientAddresses(o.output)[0] ?? '(none)'}, the client is ${String(f.clientIp)}`)),
        rowsHold('the endpoint\'s node answers with the client IP; the others drop (echo and capture)'),
      ],
      mayDiffer: ['the client address (the page\'s is a public address; ours is the outside client on the nodes\' network)'],
      cases: ['source-ip/nodeport-local-preserves-client-ip'],
      run: (ctx, s) => nodePortLoop(ctx, s, 'Local'),
    },
    {
      id: 'expose-loadbalancer',
      ...SECTION.lb,
      command: 'kubectl expose deployment source-ip-app --name=loadbalancer --port=80 --target-port=8080 --type=LoadBalancer',
      docsOutput: 'service/loadbalancer exposed',
      mustAgree: [sameText('service/loadbalancer exposed')],
      mayDiffer: MAY_DIFFER_OBJECT,
      async run(ctx) {
        await applyObjects(ctx, 'expose source-ip-app as Service loadbalancer (LoadBalancer)', [exposed(ctx, 'loadbalancer', 'LoadBalancer')]);
        return { output: done('service', 'loadbalancer', 'exposed') };
      },
    },
    {
      id: 'get-svc-loadbalancer',
      ...SECTION.lb,
      command: 'kubectl get svc loadbalancer',
      docsOutput: 'NAME           TYPE           CLUSTER-IP    EXTERNAL-IP       PORT(S)   AGE\nloadbalancer   LoadBalancer   10.0.65.118   203.0.113.140     80/TCP    5m',
      mustAgree: [
        sameColumns('NAME   TYPE   CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE'),
        column('TYPE', /^LoadBalancer$/, 'TYPE LoadBalancer'),
        column('EXTERNAL-IP', /^\d+\.\d+\.\d+\.\d+$/, 'an external IP is assigned'),
        column('PORT(S)', /^80(:\d+)?\/TCP$/, 'port 80/TCP'),
      ],
      mayDiffer: ['the addresses (ours from MetalLB\'s pool on the nodes\' network)', 'the age', "PORT(S): kubectl prints the allocated nodePort too (80:3xxxx/TCP); the page's output leaves it out"],
      async run(ctx, s) {
        const lb = await ctx.step('wait for an address from the LB provider', () => loadBalancerAddress(ctx.kube, ctx.ns, 'loadbalancer'));
        s.lbIp = lb.lbIp;
        return { output: await getServicesText(ctx, ['loadbalancer']), documented: "kubectl prints the allocated nodePort in PORT(S) (80:3xxxx/TCP); the page's output shows 80/TCP" };
      },
    },
    {
      id: 'loadbalancer-cluster',
      ...SECTION.lb,
      command: 'curl 203.0.113.140',
      docsOutput: 'CLIENT VALUES:\nclient_address=10.240.0.5',
      mustAgree: [rowsHold("client_address is an address of the node that received the request (SNAT), not the client's")],
      mayDiffer: ['the addresses'],
      cases: ['loadbalancer/cluster-snat'],
      run: (ctx, s) => lbRequest(ctx, s, 'Cluster'),
    },
    {
      id: 'patch-loadbalancer-local',
      ...SECTION.lb,
      command: 'kubectl patch svc loadbalancer -p \'{"spec":{"externalTrafficPolicy":"Local"}}\'',
      docsOutput: 'service/loadbalancer patched',
      mustAgree: [sameText('service/loadbalancer patched'), policyIsLocal],
      mayDiffer: ['how the field is set (ours: server-side apply of the same Service with the field)'],
      run: (ctx) => patchPolicy(ctx, 'loadbalancer', 'LoadBalancer'),
    },
    {
      id: 'health-check-node-port',
      ...SECTION.lb,
      command: 'kubectl get svc loadbalancer -o yaml | grep -i healthCheckNodePort',
      docsOutput: '  healthCheckNodePort: 32122',
      mustAgree: [sameText('  healthCheckNodePort: 32122', 'a healthCheckNodePort is allocated')],
      mayDiffer: ['the port number'],
      cases: ['loadbalancer/health-check-node-port'],
      async run(ctx, s) {
        const svc = await ctx.kube.readService(ctx.ns, 'loadbalancer');
        s.healthCheckNodePort = svc.spec?.healthCheckNodePort;
        return { output: s.healthCheckNodePort ? `  healthCheckNodePort: ${s.healthCheckNodePort}` : '' };
      },
    },
    {
      id: 'get-pod-wide',
      ...SECTION.lb,
      command: 'kubectl get pod -o wide -l app=source-ip-app',
      docsOutput: 'NAME                            READY     STATUS    RESTARTS   AGE       IP             NODE\nsource-ip-app-826191075-qehz4   1/1       Running   0          20h       10.180.1.136   kubernetes-node-6jst',
      mustAgree: [sameColumns('NAME   READY   STATUS   RESTARTS   AGE   IP   NODE'), column('READY', /^1\/1$/, 'one ready container'), column('STATUS', /^Running$/, 'Running')],
      mayDiffer: ['the pod name suffix, address, node name and age'],
      async run(ctx) {
        return { output: getPodsWide(await ctx.kube.listPods(ctx.ns, APP.selector)) };
      },
    },
    {
      id: 'healthz',
      ...SECTION.lb,
      command: 'kubernetes-node-6jst $ curl localhost:32122/healthz\nkubernetes-node-jj1t $ curl localhost:32122/healthz',
      docsOutput: '1 Service Endpoints found\nNo Service Endpoints Found',
      mustAgree: [
        fact('the node with the endpoint reports one local endpoint (HTTP 200), a node without reports none (HTTP 503)', (f) => {
          const rows = f.rows as { node: string; hasEndpoint: boolean; code: string; local?: number }[];
          const bad = rows.filter((r) => (r.hasEndpoint ? r.code !== '200' || r.local !== 1 : r.code !== '503' || r.local !== 0));
          return bad.length ? bad.map((r) => `${r.node}: HTTP ${r.code}, localEndpoints=${r.local ?? 'n/a'}`).join('; ') : true;
        }),
      ],
      mayDiffer: ['node names', 'the port', "the answer's form: kube-proxy answers JSON with localEndpoints; the page shows an older plain-text answer", 'where we ask: an implementation declaring no node ports on 127.0.0.1 (nftables mode) is asked on the node\'s own address'],
      cases: ['loadbalancer/health-check-node-port'],
      async run(ctx, s) {
        const pod = mustPod(s);
        const hc = s.healthCheckNodePort;
        if (!hc) throw new Error('no healthCheckNodePort');
        const nodes = [pod.node, ...ctx.workers.map((w) => w.name).filter((n) => n !== pod.node).slice(0, 1)];
        const rows: { node: string; address: string; hasEndpoint: boolean; code: string; local?: number; body: string }[] = [];
        const notes: string[] = [];
        for (const name of nodes) {
          const runner = ctx.node(name);
          const want = name === pod.node ? '200' : '503';
          const ask = (host: string) => () => runner.run(['curl', '-s', '--max-time', '3', '-w', '\n%{http_code}', `http://${host}:${hc}/healthz`], 10_000);
          // kube-proxy syncs the health check after the patch: wait for the expected code (converge), as the case does.
          const attempt = (host: string, timeoutMs: number) =>
            ctx.step(`curl ${host}:${hc}/healthz on ${name}`, () =>
              converge(ask(host), (x) => x.stdout.trim().endsWith(want), { what: `healthz ${want} on ${name}`, timeoutMs, consecutive: 1, intervalMs: 500 }).then(
                (c) => c.last,
                () => ask(host)(),
              ),
            );
          let address = 'localhost';
          let r = await attempt('localhost', ctx.behaviour.nodePortOnLocalhost ? 30_000 : 3_000);
          if (!r.stdout.trim().endsWith(want) && !ctx.behaviour.nodePortOnLocalhost) {
            // The implementation declares that node ports are not served on 127.0.0.1 (nodePortAddresses: primary).
            address = runner.ip ?? ctx.cluster.nodes.find((x) => x.name === name)?.ip ?? address;
            notes.push(`${name}: localhost:${hc} ${r.stdout.trim().split('\n').pop() || `exit ${r.exitCode}`}; ${ctx.impl.title} serves node ports on the node's own address, not 127.0.0.1 (${ctx.impl.behaviourSources.nodePortOnLocalhost}), so asked ${address}`);
            r = await attempt(address, 30_000);
          }
          const lines = r.stdout.trim().split('\n');
          const code = lines.pop() ?? '';
          const body = lines.join('\n');
          let local: number | undefined;
          try {
            local = (JSON.parse(body) as { localEndpoints?: number }).localEndpoints;
          } catch {
            local = undefined;
          }
          rows.push({ node: name, address, hasEndpoint: name === pod.node, code, body, ...(local !== undefined ? { local } : {}) });
        }
        await ctx.rec.json('healthCheckNodePort answers', rows);
        return {
          ran: rows.map((r) => `${r.node} $ curl ${r.address}:${hc}/healthz`).join('\n'),
          output: rows.map((r) => `${r.body}   # HTTP ${r.code} on ${r.node}`).join('\n'),
          facts: { rows },
          documented: ['kube-proxy answers the health check with JSON ({"localEndpoints": N, ...}) and the HTTP status; the page shows an older plain-text answer', ...notes].join('\n'),
        };
      },
    },
    {
      id: 'loadbalancer-local',
      ...SECTION.lb,
      command: 'curl 203.0.113.140',
      docsOutput: 'CLIENT VALUES:\nclient_address=198.51.100.79',
      mustAgree: [
        rowsHold("an endpoint on the receiving node answers and sees the client's own IP (echo and capture)"),
        fact('the address is announced by the node with the endpoint', (f) => (f.announcer === f.endpointNode ? true : `announced by ${String(f.announcer)}, the endpoint is on ${String(f.endpointNode)}`)),
      ],
      mayDiffer: ['the addresses'],
      cases: ['loadbalancer/local-preserves-client-ip'],
      run: (ctx, s) => lbRequest(ctx, s, 'Local'),
    },
    {
      id: 'cleanup',
      ...SECTION.cleanup,
      command: 'kubectl delete svc -l app=source-ip-app\nkubectl delete deployment source-ip-app',
      docsOutput: 'service "clusterip" deleted\nservice "loadbalancer" deleted\nservice "nodeport" deleted\ndeployment.apps "source-ip-app" deleted',
      mustAgree: [sameText('service "clusterip" deleted\nservice "loadbalancer" deleted\nservice "nodeport" deleted\ndeployment.apps "source-ip-app" deleted', 'the three Services and the Deployment are deleted')],
      mayDiffer: [],
      async run(ctx) {
        const svcs = (await ctx.kube.core.listNamespacedService({ namespace: ctx.ns, labelSelector: APP.selector })).items.map((x) => x.metadata?.name ?? '').sort();
        const out: string[] = [];
        for (const name of svcs) {
          await ctx.kube.core.deleteNamespacedService({ namespace: ctx.ns, name });
          out.push(deleted('service', name));
        }
        await ctx.kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: APP.name, namespace: ctx.ns } });
        out.push(deleted('deployment.apps', APP.name));
        return { output: out.join('\n') };
      },
    },
  ],
});
