/**
 * The kuard load-balancing walk-through: kuard with 5 replicas behind one ClusterIP, many
 * requests from a pod, counted by the replica that answered. No docs page printing this output
 * was found (the distribution cases cite the Virtual IPs reference for the same reason), so the
 * commands are the walk-through's own and the "docs output" of the traffic step is the
 * reference page's statement it checks; setup steps say they have no page output.
 */
import { DISTRIBUTION, KUARD, deployKuard, requestSpread } from '../harness/apps/distribution.ts';
import type { DeployedApp } from '../harness/apps/deploy.ts';
import { deleted, done } from '../harness/tutorials/kubectl.ts';
import { fact, sameText } from '../harness/tutorials/match.ts';
import { defineTutorialPage } from '../harness/tutorials/types.ts';

const URL = 'https://kubernetes.io/docs/reference/networking/virtual-ips/';
const NO_PAGE_OUTPUT = "(the walk-through's setup; the reference page prints nothing for it)";

interface State {
  app?: DeployedApp;
}

export const KUARD_LOAD_BALANCING = defineTutorialPage<State>({
  id: 'kuard-load-balancing',
  title: 'kuard load balancing (walk-through; behaviour from Virtual IPs and Service Proxies)',
  url: URL,
  state: () => ({}),
  steps: [
    {
      id: 'create-kuard',
      section: 'iptables proxy mode',
      anchor: 'proxy-mode-iptables',
      command: `kubectl create deployment kuard --image=gcr.io/kuar-demo/kuard-amd64:blue --replicas=${KUARD.replicas} --port=8080\nkubectl expose deployment kuard --port=80 --target-port=8080`,
      docsOutput: NO_PAGE_OUTPUT,
      mustAgree: [fact(`${KUARD.replicas} replicas ready, all endpoints of the Service`, (f) => (f.endpoints === KUARD.replicas ? true : `${String(f.endpoints)} ready endpoints`))],
      mayDiffer: ['the image (ours is a small stand-in built locally that names its pod at /env/api)', 'replicas are spread over the nodes'],
      cases: ['distribution/all-endpoints-serve'],
      async run(ctx, s) {
        s.app = await deployKuard(ctx);
        return { ran: `kubectl create deployment kuard --image=${ctx.images.kuard} --replicas=${KUARD.replicas} --port=8080 (spread over the nodes)\nkubectl expose deployment kuard --port=80 --target-port=8080`, output: [done('deployment.apps', KUARD.name, 'created'), done('service', KUARD.name, 'exposed')].join('\n'), facts: { endpoints: s.app.pods.length } };
      },
    },
    {
      id: 'requests-spread',
      section: 'iptables proxy mode',
      anchor: 'proxy-mode-iptables',
      command: `kubectl exec <client pod> -- sh -c 'for i in $(seq ${DISTRIBUTION.allServePerSource}); do curl -s http://kuard/env/api | grep -o "POD_NAME\\":\\"[^\\"]*"; done | sort | uniq -c'`,
      docsOutput: '"By default, kube-proxy in iptables mode chooses a backend at random."',
      mustAgree: [
        fact(`every one of the ${KUARD.replicas} replicas answers some of the ${DISTRIBUTION.allServePerSource} requests, and every request is answered (a uniform choice misses a replica with probability <= 5*(4/5)^${DISTRIBUTION.allServePerSource} = 7.7e-6)`, (f) =>
          f.silent === '' && f.failures === 0 ? true : `${f.silent ? `no answer from ${String(f.silent)}` : ''}${f.failures ? `; ${String(f.failures)} requests unanswered` : ''}`,
        ),
      ],
      mayDiffer: ['how many answers each replica got (random)', 'the mode: nftables mode picks at random too (numgen), ipvs round-robin by default'],
      cases: ['distribution/all-endpoints-serve', 'distribution/uniform'],
      async run(ctx, s) {
        const app = s.app;
        if (!app) throw new Error('kuard is not deployed');
        const clients = await ctx.step('client pods on every node', () => ctx.clients());
        const from = [...clients.values()].find((c) => c.node === ctx.workers[0]?.name) ?? [...clients.values()][0];
        if (!from) throw new Error('no client pod');
        const url = `http://${app.svc.clusterIP}:${KUARD.servicePort}${KUARD.whoPath}`;
        const ev = await ctx.step(`${DISTRIBUTION.allServePerSource} requests from ${from.label}`, () => requestSpread(from, url, DISTRIBUTION.allServePerSource));
        await ctx.rec.text('log', 'request loop output', ev.raw);
        const pods = app.pods.map((p) => p.name);
        const lines = pods.map((p) => `${String(ev.counts[p] ?? 0).padStart(7)} ${p}`);
        return {
          ran: `kubectl exec ${from.label.split(' ')[1] ?? 'client'} -- (${DISTRIBUTION.allServePerSource} requests to ${url}, counted by the replica that answered)`,
          output: lines.join('\n'),
          facts: { silent: pods.filter((p) => !ev.counts[p]).join(', '), failures: ev.failures.length },
          ...(ctx.impl.reportedMode !== 'iptables' ? { documented: `the statement is about iptables mode; this column runs ${ctx.impl.reportedMode}` } : {}),
        };
      },
    },
    {
      id: 'cleanup',
      section: 'iptables proxy mode',
      anchor: 'proxy-mode-iptables',
      command: 'kubectl delete service kuard\nkubectl delete deployment kuard',
      docsOutput: 'service "kuard" deleted\ndeployment.apps "kuard" deleted',
      mustAgree: [sameText('service "kuard" deleted\ndeployment.apps "kuard" deleted', 'both are deleted')],
      mayDiffer: [],
      async run(ctx) {
        await ctx.kube.core.deleteNamespacedService({ namespace: ctx.ns, name: KUARD.name });
        await ctx.kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: KUARD.name, namespace: ctx.ns } });
        return { output: [deleted('service', KUARD.name), deleted('deployment.apps', KUARD.name)].join('\n') };
      },
    },
  ],
});
