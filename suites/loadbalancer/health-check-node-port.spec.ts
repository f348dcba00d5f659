import { deployEcho } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS } from '../../harness/judge/expectations.ts';
import { probeRows } from '../../harness/judge/scenarios.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
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

/** Catches: a health check that reports healthy without local endpoints (or the reverse), so LBs send traffic to nodes that drop it. */
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
    // kube-proxy reports local endpoints once it has synced them: each path converges on its
    // expected status, then every attempt of the sample is judged (status, JSON, Service name).
    await probeRows(
      ctx,
      ctx.cluster.nodes.map((n) => {
        const exp = withEp.has(n.name) ? EXPECT.withEndpoint : EXPECT.withoutEndpoint;
        return {
          key: `outside -> ${nodeRole(n.name, [...withEp])} : healthCheckNodePort /healthz`,
          from: outside,
          url: `http://${n.ip}:${hc}/healthz`,
          via: n.name,
          expectation: ANSWERS,
          expected: exp.text,
          converged: (c: CurlEvidence) => c.httpCode === exp.status,
        };
      }),
      (r, p) => {
        const exp = p.key.includes('without') ? EXPECT.withoutEndpoint : EXPECT.withEndpoint;
        let body: HealthBody | undefined;
        try {
          body = JSON.parse(r.body) as HealthBody;
        } catch {
          body = undefined;
        }
        const local = body?.localEndpoints;
        const ok = r.httpCode === exp.status && typeof local === 'number' && exp.localEndpoints(local) && body?.service?.name === 'loadbalancer';
        return { key: p.key, expected: exp.text, observedEcho: `${r.httpCode ?? r.exit}; localEndpoints=${local ?? 'n/a'}; service=${body?.service?.namespace ?? '?'}/${body?.service?.name ?? '?'}`, verdict: ok ? 'ok' : 'mismatch' };
      },
    );
  },
});
