import { defineCase } from '../../harness/run/case.ts';
import { reportedProxyMode } from '../../harness/probes/node.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

defineCase({
  id: 'proxy/mode-matches',
  title: "kube-proxy on every node reports the project's proxy mode (/proxyMode on :10249)",
  source: SOURCES.kubeProxy,
  needs: ['node-access'],
  async run(ctx) {
    const want = ctx.project.proxyMode === 'detect' ? ctx.mode : ctx.project.proxyMode;
    ctx.rec.expect(`every node reports "${want}"`);
    for (const n of ctx.cluster.nodes) {
      if (!n.runner) continue;
      const runner = n.runner;
      const got = await ctx.step(`curl 127.0.0.1:10249/proxyMode on ${n.name}`, () => reportedProxyMode(runner));
      await ctx.rec.text('text', `${n.name}: /proxyMode`, `exit ${got.exitCode}\n${got.reported}`);
      ctx.rec.observe(`${n.name}: "${got.reported}"`);
      ctx.rec.check({
        key: `node ${n.name}`,
        expected: want,
        observedEcho: got.exitCode === 0 ? got.reported : `curl exit ${got.exitCode}`,
        verdict: got.exitCode === 0 && got.reported === want ? 'ok' : 'mismatch',
      });
    }
  },
});
