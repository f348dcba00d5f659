import { appOf, deployEchoBehind, serviceWith } from '../../harness/apps/service-spec.ts';
import { parseResolved, resolveCommand, startNamespaceCurl } from '../../harness/apps/my-nginx.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { ConvergenceError, converge } from '../../harness/judge/converge.ts';
import type { ExecResult } from '../../harness/probes/kube.ts';
import { defineCase } from '../../harness/run/case.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';

/** A headless Service (clusterIP: None): its name resolves to the ready pods' own IPs, no virtual IP. */
defineCase({
  id: 'connecting-apps/headless',
  title: 'A headless Service (clusterIP: None) over two pods: its name resolves to exactly the two pod IPs',
  source: SOURCES.dnsForServices,
  tags: ['control-plane'],
  needs: ['multi-node'],
  async run(ctx) {
    const w = ctx.workers.map((n) => n.name);
    const svc = serviceWith(ctx, { name: 'headless', ports: [{ port: 80, targetPort: 8080 }] }, { clusterIP: 'None' });
    const app = appOf(await deployEchoBehind(ctx, w, [svc]), 'headless');
    const want = app.pods.map((p) => p.ip).sort();
    const pod = await ctx.step('start a curl pod in the namespace', () => startNamespaceCurl(ctx, { name: 'curl' }));
    const cmd = resolveCommand('headless');
    const same = (r: ExecResult) => JSON.stringify(parseResolved(r.stdout).sort()) === JSON.stringify(want);
    const resolved = await ctx.step(`resolve headless in ${pod.label}`, async () => {
      try {
        return (await converge(() => pod.run(cmd, 15_000), same, { what: `headless resolving to ${want.join(', ')}`, timeoutMs: TIMEOUTS.dnsResolves, intervalMs: 1000 })).last;
      } catch (e) {
        if (e instanceof ConvergenceError) return pod.run(cmd, 15_000);
        throw e;
      }
    });
    await ctx.rec.text('text', `${cmd.join(' ')} (exit ${resolved.exitCode})`, resolved.stdout + (resolved.stderr ? `\nstderr: ${resolved.stderr}` : ''));
    const got = parseResolved(resolved.stdout).sort();
    ctx.rec.expect(`headless resolves to the pod IPs ${want.join(', ')} and has no ClusterIP`);
    ctx.rec.observe(`clusterIP=${app.svc.clusterIP}; resolved to ${got.join(', ') || 'nothing'}`);
    ctx.rec.check({
      key: 'DNS: a headless Service name resolves to its ready pod IPs',
      proxyIndependent: true,
      expected: `${want.join(', ')} (clusterIP None)`,
      observedEcho: `${got.join(', ') || 'nothing'} (clusterIP ${app.svc.clusterIP})`,
      verdict: app.svc.clusterIP === 'None' && JSON.stringify(got) === JSON.stringify(want) ? 'ok' : 'mismatch',
    });
  },
});
