import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { pickFreeAddress } from '../../harness/apps/addresses.ts';
import { defineCase } from '../../harness/run/case.ts';
import { dockerNetworkAddresses } from '../../harness/run/cluster-under-test.ts';
import { ANSWERS_WITH_NODE_SNAT, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { dumpRuleset } from '../../harness/probes/node.ts';
import { diffRulesets } from '../../harness/probes/rules.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/** Traffic to an external IP arriving at a node without an endpoint is forwarded and masqueraded. */
const EXPECT: ExpectationTable<'outside-via-node-without-endpoint'> = { rows: { 'outside-via-node-without-endpoint': ANSWERS_WITH_NODE_SNAT } };

defineCase({
  id: 'external-ip/routed-to-node-without-endpoint',
  title: 'ExternalIP routed to a node without an endpoint: answered, source masqueraded to that node',
  source: SOURCES.service,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const [epNode, viaNode] = ctx.workers;
    const network = ctx.cluster.network;
    if (!epNode || !viaNode || !network) throw new Error('needs two workers on a Docker network');
    const viaRunner = ctx.node(viaNode.name);
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    // Free on the Docker network and not claimed by any Service of the cluster.
    const services = (await ctx.kube.core.listServiceForAllNamespaces()).items;
    const claimed = services.flatMap((s) => [...(s.spec?.externalIPs ?? []), ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '')]).filter(Boolean);
    const externalIp = pickFreeAddress(network.subnet, [...(await dockerNetworkAddresses(network.name)), ...claimed]);
    ctx.rec.observe(`external IP chosen from ${network.subnet}: ${externalIp}; routed by the outside client via ${viaNode.name} (${viaNode.ip})`);
    const before = await ctx.step(`ruleset on ${viaNode.name} before the Service`, () => dumpRuleset(viaRunner, ctx.mode));
    const app = await deployEcho(ctx, [epNode.name], { name: 'my-service', externalIPs: [externalIp], ports: [{ port: 80, targetPort: 8080 }] });
    await ctx.step(`route ${externalIp} via ${viaNode.name} on the outside client`, async () => {
      const r = await outside.run(['ip', 'route', 'replace', `${externalIp}/32`, 'via', viaNode.ip], 10_000);
      if (r.exitCode !== 0) throw new Error(`ip route replace failed: ${r.stderr}`);
    });
    try {
      await runSourceScenario(ctx, {
        endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
        probes: [{ key: `outside -> ${externalIp}:80 via ${viaNode.name} (no endpoint there)`, from: outside, url: `http://${externalIp}:80/`, expectation: expectationFor(EXPECT, ctx.mode, 'outside-via-node-without-endpoint'), receivingNode: viaNode.name }],
      });
    } finally {
      await outside.run(['ip', 'route', 'del', `${externalIp}/32`], 10_000);
    }
    const after = await ctx.step(`ruleset on ${viaNode.name} after`, () => dumpRuleset(viaRunner, ctx.mode));
    const diff = diffRulesets(before.text, after.text);
    const forIp = diff.added.filter((l) => l.includes(externalIp));
    await ctx.rec.text('rules-diff', `${before.tool} on ${viaNode.name}: rules added for ${externalIp}`, forIp.map((l) => `+ ${l}`).join('\n') || '(none)');
    ctx.rec.check({
      key: `rules for ${externalIp} on ${viaNode.name}`,
      expected: `the proxy programs rules matching ${externalIp}`,
      observedEcho: `${forIp.length} added rule line(s) mention ${externalIp}`,
      verdict: forIp.length > 0 ? 'ok' : 'mismatch',
    });
    await attachServiceRules(ctx, 'my-service', viaNode.name);
  },
});
