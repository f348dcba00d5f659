/**
 * The external-IP walk-through, from the Service page's "External IPs" section: a Service with
 * `externalIPs`, reached on that address and the Service port through any node. The page shows
 * a manifest and states where clients reach it, and prints no command output; so the commands
 * are the walk-through's own and the "docs output" of a step is the page's statement it checks.
 * The external IP is a free address on the nodes' network, routed by the outside client
 * through each node in turn (as the external-ip cases do).
 */
import { deployEcho, type DeployedApp } from '../harness/apps/deploy.ts';
import { freeExternalIp } from '../harness/apps/external-ip.ts';
import { throughEveryNode } from '../harness/apps/every-node.ts';
import { ANSWERS_WITH_NODE_SNAT } from '../harness/judge/expectations.ts';
import type { Check } from '../reports/model.ts';
import { deleted, done } from '../harness/tutorials/kubectl.ts';
import { column, fact, rowsHold, sameColumns, sameText } from '../harness/tutorials/match.ts';
import { getServicesText } from '../harness/tutorials/steps.ts';
import { defineTutorialPage } from '../harness/tutorials/types.ts';

const URL = 'https://kubernetes.io/docs/concepts/services-networking/service/';
const SECTION = { section: 'External IPs', anchor: 'external-ips' } as const;

interface State {
  app?: DeployedApp;
  externalIp?: string;
}

export const EXTERNAL_IP = defineTutorialPage<State>({
  id: 'external-ip',
  title: 'External IPs (walk-through of the Service page section)',
  url: URL,
  needs: ['capture', 'outside-client', 'multi-node'],
  state: () => ({}),
  steps: [
    {
      id: 'apply-my-service',
      ...SECTION,
      command: 'kubectl apply -f my-service.yaml   # spec.externalIPs: [198.51.100.32], port 80 -> the app',
      docsOutput: '(no output on the page: it shows the manifest)',
      mustAgree: [sameText('service/my-service created', "kubectl's answer: service/my-service created"), fact('the Service has an endpoint on every worker', (f) => (f.endpoints === f.workers ? true : `${String(f.endpoints)} endpoints for ${String(f.workers)} workers`))],
      mayDiffer: ['the external IP (ours: a free address on the nodes\' network)', 'the app (ours: source-ip-app on 8080, one replica per worker)'],
      cases: ['external-ip/via-every-node'],
      async run(ctx, s) {
        s.externalIp = await freeExternalIp(ctx);
        s.app = await deployEcho(ctx, ctx.workers.map((w) => w.name), { name: 'my-service', externalIPs: [s.externalIp], ports: [{ port: 80, targetPort: 8080 }] });
        return { ran: `kubectl apply -f my-service.yaml   # spec.externalIPs: [${s.externalIp}], port 80 -> source-ip-app:8080`, output: done('service', 'my-service', 'created'), facts: { endpoints: s.app.pods.length, workers: ctx.workers.length } };
      },
    },
    {
      id: 'get-svc',
      ...SECTION,
      command: 'kubectl get svc my-service',
      docsOutput: '(no output on the page: it shows the manifest, externalIPs 198.51.100.32 and port 80)',
      mustAgree: [sameColumns('NAME   TYPE   CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE'), column('EXTERNAL-IP', /^\d+\.\d+\.\d+\.\d+$/, 'EXTERNAL-IP shows the external IP'), column('PORT(S)', /^80\/TCP$/, 'PORT(S) 80/TCP')],
      mayDiffer: ['addresses and age'],
      async run(ctx) {
        return { output: await getServicesText(ctx, ['my-service']) };
      },
    },
    {
      id: 'reach-external-ip',
      ...SECTION,
      command: 'curl http://198.51.100.32:80/   # from outside, routed to a node',
      docsOutput: '"my-service" can be accessed by clients on "198.51.100.32:80"',
      mustAgree: [rowsHold('the external IP answers on the Service port through every node (SNAT to the receiving node, as with externalTrafficPolicy Cluster)')],
      mayDiffer: ['the address', 'the answering replica'],
      cases: ['external-ip/via-every-node', 'external-ip/routed-to-node-without-endpoint'],
      async run(ctx, s) {
        if (!s.app || !s.externalIp) throw new Error('my-service is not applied');
        const ip = s.externalIp;
        const outside = await ctx.step('start the outside client', () => ctx.outside());
        const table = { rows: { 'outside -> external IP routed via endpoint node': ANSWERS_WITH_NODE_SNAT, 'outside -> external IP routed via node without endpoint': ANSWERS_WITH_NODE_SNAT } };
        const rows: Check[] = await throughEveryNode(ctx, s.app, outside, { table, row: (role) => `outside -> external IP routed via ${role}` as const, target: () => ({ url: `http://${ip}:80/`, routeVia: ip }) });
        return {
          ran: `curl http://${ip}:80/   # from ${outside.label}, routed through each node in turn`,
          output: rows.map((r) => `${r.key}: ${r.observedEcho ?? ''}`).join('\n'),
          facts: { checks: rows },
        };
      },
    },
    {
      id: 'cleanup',
      ...SECTION,
      command: 'kubectl delete service my-service',
      docsOutput: 'service "my-service" deleted',
      mustAgree: [sameText('service "my-service" deleted')],
      mayDiffer: [],
      async run(ctx) {
        await ctx.kube.core.deleteNamespacedService({ namespace: ctx.ns, name: 'my-service' });
        return { output: deleted('service', 'my-service') };
      },
    },
  ],
});
