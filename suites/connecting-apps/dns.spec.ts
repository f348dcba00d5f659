import { attachServiceRules, deployApp } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ConvergenceError, converge } from '../../harness/judge/converge.ts';
import { ANSWERS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import type { ExecResult } from '../../harness/probes/kube.ts';
import { MY_NGINX, myNginxDeployment, parseResolved, resolveCommand, startNamespaceCurl } from '../../harness/apps/my-nginx.ts';
import { probeRow } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';

const ROW = 'pod in the namespace -> Service by name';
const EXPECT: ExpectationTable<typeof ROW> = { rows: { [ROW]: ANSWERS } };

/** Catches: a ClusterIP the proxy does not program (the name resolves, but nothing answers behind it). */
defineCase({
  id: 'connecting-apps/dns',
  title: 'A pod in the namespace resolves my-nginx to its ClusterIP and http://my-nginx answers',
  source: SOURCES.connectingApps,
  async run(ctx) {
    const app = await deployApp(ctx, myNginxDeployment(ctx.ns, ctx.images.nginx), MY_NGINX.selector, MY_NGINX.replicas, {
      name: MY_NGINX.name,
      selector: { ...MY_NGINX.labels },
      ports: [{ port: MY_NGINX.servicePort, targetPort: MY_NGINX.containerPort }],
    });
    const pod = await ctx.step('start a curl pod in the namespace', () => startNamespaceCurl(ctx, { name: 'curl' }));

    ctx.rec.expect(`${MY_NGINX.name} resolves to the ClusterIP ${app.svc.clusterIP}`);
    const cmd = resolveCommand(MY_NGINX.name);
    const resolved = await ctx.step(`resolve ${MY_NGINX.name} in ${pod.label}`, async () => {
      const ok = (r: ExecResult) => r.exitCode === 0 && parseResolved(r.stdout).includes(app.svc.clusterIP);
      try {
        return (await converge(() => pod.run(cmd, 15_000), ok, { what: `${MY_NGINX.name} resolving to ${app.svc.clusterIP}`, timeoutMs: TIMEOUTS.dnsResolves, intervalMs: 1000 })).last;
      } catch (e) {
        if (e instanceof ConvergenceError) return pod.run(cmd, 15_000);
        throw e;
      }
    });
    await ctx.rec.text('text', `${cmd.join(' ')} (exit ${resolved.exitCode})`, `${resolved.stdout}${resolved.stderr ? `\nstderr: ${resolved.stderr}` : ''}`);
    const addrs = parseResolved(resolved.stdout);
    ctx.rec.observe(`${MY_NGINX.name} resolved to ${addrs.join(', ') || 'nothing'} (exit ${resolved.exitCode})`);
    ctx.rec.check({
      key: 'DNS: the Service name resolves to its ClusterIP',
      proxyIndependent: true,
      expected: app.svc.clusterIP,
      observedEcho: addrs.join(', ') || `no address (exit ${resolved.exitCode})`,
      verdict: addrs.length === 1 && addrs[0] === app.svc.clusterIP ? 'ok' : 'mismatch',
    });

    await probeRow(ctx, { key: ROW, from: pod, url: `http://${MY_NGINX.name}/`, expectation: ctx.expectation(EXPECT, ROW) });
    await attachServiceRules(ctx, MY_NGINX.name, pod.node);
  },
});
