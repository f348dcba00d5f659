import { attachServiceRules, deployEcho } from '../../harness/apps/deploy.ts';
import { freeExternalIp } from '../../harness/apps/external-ip.ts';
import { clearRoute, routeVia } from '../../harness/apps/lb.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { EXTERNAL_CLUSTER_POLICY, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { diffRulesets } from '../../harness/probes/rules.ts';
import { defineCase } from '../../harness/run/case.ts';

const ROW = 'outside -> external IP routed via node without endpoint';
/** Traffic to an external IP arriving at a node without an endpoint is forwarded and masqueraded. */
const EXPECT: ExpectationTable<typeof ROW> = { rows: { [ROW]: EXTERNAL_CLUSTER_POLICY } };

/** Catches: externalIPs not programmed; no forwarding from a node without endpoint; external traffic not SNATed. */
defineCase({
  id: 'external-ip/routed-to-node-without-endpoint',
  title: 'ExternalIP routed to a node without an endpoint: answered, source masqueraded to that node',
  source: SOURCES.service,
  needs: ['capture', 'outside-client', 'multi-node'],
  async run(ctx) {
    const [epNode, viaNode] = ctx.workers;
    if (!epNode || !viaNode) throw new Error('needs two workers');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const externalIp = await freeExternalIp(ctx);
    const before = await ctx.step(`${ctx.impl.dataplane.tool} on ${viaNode.name} before the Service`, () => ctx.dumpDataplane(viaNode.name));
    const app = await deployEcho(ctx, [epNode.name], { name: 'my-service', externalIPs: [externalIp], ports: [{ port: 80, targetPort: 8080 }] });
    try {
      await runSourceScenario(ctx, {
        endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
        probes: [{ key: ROW, from: outside, url: `http://${externalIp}:80/`, expectation: ctx.expectation(EXPECT, ROW), receivingNode: viaNode.name, prepare: routeVia(outside, externalIp, viaNode) }],
      });
    } finally {
      await clearRoute(outside, externalIp);
    }
    const after = await ctx.step(`${ctx.impl.dataplane.tool} on ${viaNode.name} after`, () => ctx.dumpDataplane(viaNode.name));
    const diff = diffRulesets(before.text, after.text);
    const forIp = diff.added.filter((l) => l.includes(externalIp));
    await ctx.rec.text('rules-diff', `${before.tool} on ${viaNode.name}: rules added for ${externalIp}`, forIp.map((l) => `+ ${l}`).join('\n') || '(none)');
    ctx.rec.check({
      key: 'dataplane entries for the external IP on the node without endpoint',
      expected: `the proxy programs rules matching ${externalIp}`,
      observedEcho: `${forIp.length} added rule line(s) mention ${externalIp}`,
      verdict: forIp.length > 0 ? 'ok' : 'mismatch',
    });
    await attachServiceRules(ctx, 'my-service', viaNode.name, [`${externalIp}:80`]);
  },
});
