import { defineCase } from '../../harness/run/case.ts';
import { proxyIdentity } from '../../harness/implementations/index.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/**
 * Catches: a cluster whose proxy is not the declared implementation, or whose nodes run
 * different proxies (half-rolled-out configuration). On an existing cluster the implementation
 * may be recognised from one node: every node is read and must agree.
 */
defineCase({
  id: 'proxy/mode-matches',
  title: "The proxy on every node reports the implementation's mode (kube-proxy: /proxyMode on :10249), all nodes alike",
  source: SOURCES.kubeProxy,
  needs: ['node-access'],
  async run(ctx) {
    const want = ctx.impl.reportedMode;
    const identity = proxyIdentity(ctx.impl);
    const how = ctx.project.implementation === 'detect' ? `recognised from the first node as ${ctx.impl.title}` : `declared: ${ctx.impl.title}`;
    ctx.rec.expect(`every node reports "${want}" (${how})`);
    const seen: { node: string; got: string }[] = [];
    for (const n of ctx.cluster.nodes) {
      if (!n.runner) continue;
      const runner = n.runner;
      const r = await ctx.step(`${identity.what} on ${n.name}`, () => identity.read(runner));
      await ctx.rec.text('text', `${n.name}: ${identity.what}`, `exit ${r.exitCode}\n${r.reported}`);
      seen.push({ node: n.name, got: r.exitCode === 0 ? r.reported : `curl exit ${r.exitCode}` });
    }
    const off = seen.filter((s) => s.got !== want);
    ctx.rec.observe(seen.map((s) => `${s.node}: "${s.got}"`).join('\n'));
    ctx.rec.check({
      key: 'every node reports the declared mode',
      expected: 'the implementation\'s mode on every node',
      observedEcho: `${seen.length - off.length}/${seen.length} report "${want}"${off.length ? `; ${off.map((s) => `${s.node}: ${s.got}`).join(', ')}` : ''}`,
      verdict: off.length === 0 && seen.length === ctx.cluster.nodes.length ? 'ok' : 'mismatch',
      samples: { total: seen.length, ok: seen.length - off.length },
    });
  },
});
