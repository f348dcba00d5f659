import { deployEcho } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS, REJECTS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

type Row = 'node -> its own address : nodePort' | 'node -> 127.0.0.1 : nodePort';

/**
 * NodePort on the node's own 127.0.0.1: answered where the implementation declares
 * `nodePortOnLocalhost` (kube-proxy iptables, via route_localnet); refused elsewhere (nftables
 * by design, KEP-3866; ipvs, disabled upstream in kubernetes PR #101023): nothing listens there.
 */
const EXPECT: ExpectationTable<Row> = {
  rows: { 'node -> its own address : nodePort': ANSWERS, 'node -> 127.0.0.1 : nodePort': (b) => (b.nodePortOnLocalhost ? ANSWERS : REJECTS) },
};

/** Catches: localhost NodePorts answered where the implementation declares them off (or missing where declared on). */
defineCase({
  id: 'nodeport/localhost',
  title: "A NodePort on a node's 127.0.0.1: answered or refused as the implementation declares (iptables: answered; nftables, ipvs: refused)",
  source: SOURCES.virtualIps,
  needs: ['node-access'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    ctx.rec.expect(`declared: nodePortOnLocalhost = ${ctx.behaviour.nodePortOnLocalhost} (${ctx.impl.behaviourSources.nodePortOnLocalhost})`);
    await runSourceScenario(ctx, {
      capture: false,
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.flatMap((n) => [
        { key: 'node -> its own address : nodePort', from: ctx.node(n.name), url: `http://${n.ip}:${nodePort}/`, expectation: ctx.expectation(EXPECT, 'node -> its own address : nodePort'), receivingNode: n.name },
        { key: 'node -> 127.0.0.1 : nodePort', from: ctx.node(n.name), url: `http://127.0.0.1:${nodePort}/`, expectation: ctx.expectation(EXPECT, 'node -> 127.0.0.1 : nodePort'), receivingNode: n.name },
      ]),
    });
  },
});
