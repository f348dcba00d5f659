import { deployEcho } from '../../harness/apps/deploy.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

const NODE_PORT = 30000;
type Row = 'outside -> endpoint node : fixed nodePort' | 'outside -> node without endpoint : fixed nodePort';
const EXPECT: ExpectationTable<Row> = { rows: { 'outside -> endpoint node : fixed nodePort': ANSWERS, 'outside -> node without endpoint : fixed nodePort': ANSWERS } };

/** Catches: a requested nodePort not honoured; a NodePort programmed on some nodes only. */
defineCase({
  id: 'nodeport/fixed-port',
  title: `Type=NodePort with a chosen nodePort (${NODE_PORT}) answers on every node`,
  source: SOURCES.service,
  needs: ['outside-client'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'fixed-nodeport', type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: NODE_PORT }] });
    ctx.rec.check({
      key: 'allocated nodePort',
      expected: String(NODE_PORT),
      observedEcho: String(app.svc.ports[0]?.nodePort ?? 'none'),
      verdict: app.svc.ports[0]?.nodePort === NODE_PORT ? 'ok' : 'mismatch',
    });
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    const endpointNodes = app.pods.map((p) => p.node);
    await runSourceScenario(ctx, {
      capture: false,
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.map((n) => {
        const key = `outside -> ${nodeRole(n.name, endpointNodes)} : fixed nodePort` as Row;
        return { key, from: outside, url: `http://${n.ip}:${NODE_PORT}/`, expectation: ctx.expectation(EXPECT, key), receivingNode: n.name };
      }),
    });
  },
});
