import { deployEcho } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS, REJECTS, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { runSourceScenario } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/**
 * NodePort on the node's own 127.0.0.1. iptables and ipvs accept it (route_localnet); the
 * nftables mode does not, by design (KEP-3866), so nothing listens there: the kernel resets.
 */
const EXPECT: ExpectationTable<'node-localhost'> = {
  rows: { 'node-localhost': ANSWERS },
  byMode: { nftables: { 'node-localhost': REJECTS } },
};

defineCase({
  id: 'nodeport/localhost',
  title: 'A NodePort on 127.0.0.1 of a node: answered in iptables/ipvs mode, refused in nftables mode',
  source: SOURCES.virtualIps,
  needs: ['node-access'],
  async run(ctx) {
    const epNode = ctx.workers[0];
    if (!epNode) throw new Error('needs a worker node');
    const app = await deployEcho(ctx, [epNode.name], { name: 'nodeport', type: 'NodePort', ports: [{ port: 80, targetPort: 8080 }] });
    const nodePort = app.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error('the Service got no nodePort');
    // Programmed first: the node's own address must answer before localhost is judged.
    await runSourceScenario(ctx, {
      capture: false,
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.flatMap((n) => [
        { key: `node ${n.name} -> ${n.ip}:${nodePort}`, from: ctx.node(n.name), url: `http://${n.ip}:${nodePort}/`, expectation: ANSWERS, receivingNode: n.name },
        { key: `node ${n.name} -> 127.0.0.1:${nodePort}`, from: ctx.node(n.name), url: `http://127.0.0.1:${nodePort}/`, expectation: expectationFor(EXPECT, ctx.mode, 'node-localhost'), receivingNode: n.name },
      ]),
    });
  },
});
