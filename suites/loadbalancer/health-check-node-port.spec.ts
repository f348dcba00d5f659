import { deployEcho } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ConvergenceError, converge } from '../../harness/judge/converge.ts';
import { curl, type CurlEvidence } from '../../harness/probes/curl.ts';
import { TIMEOUTS } from '../../harness/run/timeouts.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { loadBalancerAddress } from '../../harness/probes/waits.ts';

/** kube-proxy's health check server: 200 with local endpoints, 503 without, JSON either way. */
const EXPECT = {
  withEndpoint: { status: 200, localEndpoints: (n: number) => n >= 1, text: '200, JSON localEndpoints >= 1' },
  withoutEndpoint: { status: 503, localEndpoints: (n: number) => n === 0, text: '503, JSON localEndpoints = 0' },
} as const;

interface HealthBody {
  service?: { namespace?: string; name?: string };
  localEndpoints?: number;
  serviceProxyHealthy?: boolean;
}

defineCase({
  id: 'loadbalancer/health-check-node-port',
  title: 'externalTrafficPolicy=Local: healthCheckNodePort answers 200 on nodes with endpoints and 503 elsewhere',
  source: SOURCES.service,
  needs: ['loadbalancer', 'outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'loadbalancer', type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] });
    const lb = await ctx.step('wait for an address from the LB provider', () => loadBalancerAddress(ctx.kube, ctx.ns, 'loadbalancer'));
    const hc = lb.healthCheckNodePort;
    await ctx.rec.json('Service status.loadBalancer and healthCheckNodePort', { ingress: lb.lbIngress, ipMode: lb.lbIngress?.[0]?.ipMode ?? '(unset: VIP)', healthCheckNodePort: hc });
    if (!hc) throw new Error('the Service has no healthCheckNodePort');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const withEp = new Set(app.pods.map((p) => p.node));
    for (const n of ctx.cluster.nodes) {
      const exp = withEp.has(n.name) ? EXPECT.withEndpoint : EXPECT.withoutEndpoint;
      const url = `http://${n.ip}:${hc}/healthz`;
      // kube-proxy reports local endpoints once it has synced them: converge on the expected
      // status (a proxy that never reports it fails after the named budget).
      const r = await ctx.step(`GET ${url} (${n.name}) until ${exp.status}`, async (): Promise<CurlEvidence> => {
        try {
          return (await converge(() => curl(outside, url), (x) => x.httpCode === exp.status, { what: `${url} answering ${exp.status}`, timeoutMs: TIMEOUTS.serviceProgrammed, consecutive: 2 })).last;
        } catch (e) {
          if (e instanceof ConvergenceError) return curl(outside, url);
          throw e;
        }
      });
      await ctx.rec.text('echo', `${n.name}: /healthz`, `exit: ${r.exit}\nhttp: ${r.httpCode ?? '-'}\n\n${r.body}`);
      let body: HealthBody | undefined;
      try {
        body = JSON.parse(r.body) as HealthBody;
      } catch {
        body = undefined;
      }
      const local = body?.localEndpoints;
      const ok = r.httpCode === exp.status && typeof local === 'number' && exp.localEndpoints(local) && body?.service?.name === 'loadbalancer';
      ctx.rec.expect(`${n.name}: ${exp.text}`);
      ctx.rec.observe(`${n.name}: ${r.httpCode ?? r.exit}, localEndpoints=${local ?? 'n/a'}`);
      ctx.rec.check({ key: `outside -> ${n.name}:${hc}/healthz`, expected: exp.text, observedEcho: `${r.httpCode ?? r.exit}; localEndpoints=${local ?? 'n/a'}; service=${body?.service?.namespace ?? '?'}/${body?.service?.name ?? '?'}`, verdict: ok ? 'ok' : 'mismatch' });
    }
  },
});
