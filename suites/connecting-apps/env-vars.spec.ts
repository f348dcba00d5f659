import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { MY_NGINX, myNginxDeployment, myNginxService } from '../../harness/apps/my-nginx.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';
import { podsReady, serviceFact, type PodFact } from '../../harness/probes/waits.ts';
import type { KObject } from '../../harness/probes/kube.ts';
import type { CaseContext } from '../../harness/run/fixtures.ts';

/** The variables the kubelet injects for Service my-nginx (docker-links style names). */
const HOST_VAR = 'MY_NGINX_SERVICE_HOST';
const PORT_VAR = 'MY_NGINX_SERVICE_PORT';

async function envOf(ctx: CaseContext, pod: PodFact): Promise<Map<string, string>> {
  const r = await ctx.kube.exec(ctx.ns, pod.name, MY_NGINX.name, ['printenv']);
  if (r.exitCode !== 0) throw new Error(`printenv in ${pod.name} failed (${r.exitCode}): ${r.stderr.trim()}`);
  await ctx.rec.text('text', `printenv in ${pod.name}`, r.stdout.split('\n').filter((l) => l.startsWith('MY_NGINX_') || l.startsWith('KUBERNETES_SERVICE_')).join('\n') || '(no MY_NGINX_* or KUBERNETES_SERVICE_* variables)');
  return new Map(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

defineCase({
  id: 'connecting-apps/env-vars',
  title: 'Pods created after Service my-nginx get MY_NGINX_SERVICE_HOST/PORT (scale to 0 and back, as the tutorial does)',
  source: SOURCES.connectingApps,
  tags: ['control-plane'],
  async run(ctx) {
    await ctx.step(`deploy ${MY_NGINX.name} (${MY_NGINX.replicas} replicas) before its Service`, () => ctx.apply([myNginxDeployment(ctx.ns, ctx.images.nginx)]));
    const before = await ctx.step('wait for the pods', () => podsReady(ctx.kube, ctx.ns, MY_NGINX.selector, MY_NGINX.replicas));
    const first = before[0];
    if (!first) throw new Error('no my-nginx pod');
    const envBefore = await ctx.step(`printenv in ${first.name} (created before the Service)`, () => envOf(ctx, first));
    ctx.rec.expect(`a pod created before the Service has no ${HOST_VAR}`);
    ctx.rec.check({
      key: `pod created before the Service: ${HOST_VAR}`,
      expected: 'unset',
      observedEcho: envBefore.get(HOST_VAR) ?? 'unset',
      verdict: envBefore.has(HOST_VAR) ? 'mismatch' : 'ok',
    });

    await ctx.step(`create Service ${MY_NGINX.name}`, () => ctx.apply([myNginxService(ctx.ns)]));
    const svc = serviceFact((await ctx.kube.readService(ctx.ns, MY_NGINX.name)) as unknown as KObject);
    await ctx.rec.json(`Service ${MY_NGINX.name}`, svc);

    await ctx.step(`scale ${MY_NGINX.name} to 0`, async () => {
      await ctx.apply([myNginxDeployment(ctx.ns, ctx.images.nginx, 0)]);
      await ctx.kube.watchUntil(`/api/v1/namespaces/${ctx.ns}/pods`, { labelSelector: MY_NGINX.selector }, (objs) => (objs.size === 0 ? true : undefined), TIMEOUTS.podsGone, `every ${MY_NGINX.name} pod gone`);
    });
    await ctx.step(`scale ${MY_NGINX.name} back to ${MY_NGINX.replicas}`, () => ctx.apply([myNginxDeployment(ctx.ns, ctx.images.nginx, MY_NGINX.replicas)]));
    const after = await ctx.step('wait for the new pods', () => podsReady(ctx.kube, ctx.ns, MY_NGINX.selector, MY_NGINX.replicas));

    const wantPort = String(MY_NGINX.servicePort);
    ctx.rec.expect(`every pod created after the Service: ${HOST_VAR}=${svc.clusterIP}, ${PORT_VAR}=${wantPort}`);
    const hosts: string[] = [];
    const ports: string[] = [];
    for (const pod of after) {
      const env = await ctx.step(`printenv in ${pod.name} (created after the Service)`, () => envOf(ctx, pod));
      const host = env.get(HOST_VAR);
      const port = env.get(PORT_VAR);
      ctx.rec.observe(`${pod.name}: ${HOST_VAR}=${host ?? 'unset'} ${PORT_VAR}=${port ?? 'unset'}`);
      hosts.push(`${pod.name}: ${host ?? 'unset'}`);
      ports.push(`${pod.name}: ${port ?? 'unset'}`);
    }
    const badHost = after.length - hosts.filter((h) => h.endsWith(`: ${svc.clusterIP}`)).length;
    const badPort = after.length - ports.filter((p) => p.endsWith(`: ${wantPort}`)).length;
    ctx.rec.check({ key: `pods created after the Service: ${HOST_VAR}`, expected: `${svc.clusterIP} in every pod`, observedEcho: hosts.join('; '), verdict: badHost === 0 && after.length > 0 ? 'ok' : 'mismatch', samples: { total: after.length, ok: after.length - badHost } });
    ctx.rec.check({ key: `pods created after the Service: ${PORT_VAR}`, expected: `${wantPort} in every pod`, observedEcho: ports.join('; '), verdict: badPort === 0 && after.length > 0 ? 'ok' : 'mismatch', samples: { total: after.length, ok: after.length - badPort } });
    const node = after[0]?.node;
    if (node) await attachServiceRules(ctx, MY_NGINX.name, node);
  },
});
