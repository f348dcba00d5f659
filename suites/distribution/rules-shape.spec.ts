import { defineCase } from '../../harness/run/case.ts';
import { DISTRIBUTION, KUARD, deployKuard, dnatPairs, dnatText, requestSpread, spreadTable, type SpreadEvidence } from '../../harness/apps/distribution.ts';
import type { BalancingShape, RulesetEvidence } from '../../harness/probes/dataplane.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';
import { converge, ConvergenceError } from '../../harness/judge/converge.ts';

/**
 * How the implementation declares it spreads one ClusterIP over n endpoints (kube-proxy v1.34:
 * iptables chains rules with --probability 1/n, 1/(n-1), ..., 1/2 and a last rule without;
 * nftables jumps through `numgen random mod n` into a vmap of n entries; ipvs holds n real
 * servers). Catches: a missing endpoint in the rules; a skewed probability chain.
 */
defineCase({
  id: 'distribution/rules-shape',
  title: `The proxy rules of a ${KUARD.replicas}-endpoint ClusterIP have the mode's balancing shape, and a SYN leaves the node DNAT'ed to a pod`,
  source: SOURCES.virtualIps,
  needs: ['node-access', 'capture', 'balancing-shape'],
  async run(ctx) {
    const app = await deployKuard(ctx);
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const from = clients.get(ctx.workers[0]?.name ?? '') ?? [...clients.values()][0];
    if (!from) throw new Error('no client pod');
    const vip = `${app.svc.clusterIP}:${KUARD.servicePort}`;
    const n = app.pods.length;
    const shapeOf = ctx.impl.dataplane.balancing;
    if (!shapeOf) throw new Error(`${ctx.impl.title} declares no balancing shape`);
    const want = shapeOf.expected(n);
    const wantTargets = app.pods.map((p) => `${p.ip}:${KUARD.port}`).sort();
    const svc = { namespace: ctx.ns, name: KUARD.name, port: '', addresses: [vip], vip };

    // kube-proxy programs the Service after the EndpointSlice is ready: converge on the shape.
    let last: { dump: RulesetEvidence; shape: BalancingShape } | undefined;
    const attempt = async () => {
      const dump = await ctx.dumpDataplane(from.node);
      last = { dump, shape: shapeOf.observe(dump.text, svc) };
      return last;
    };
    const matches = (x: { shape: BalancingShape }) => x.shape.shape === want && x.shape.targets.join(',') === wantTargets.join(',');
    await ctx.step(`dump ${ctx.impl.dataplane.tool} on ${from.node} until ${ctx.ns}/${KUARD.name} has ${n} endpoints`, async () => {
      try {
        await converge(attempt, matches, { what: `rules of ${ctx.ns}/${KUARD.name} on ${from.node}`, timeoutMs: TIMEOUTS.serviceProgrammed, intervalMs: 1000 });
      } catch (e) {
        if (!(e instanceof ConvergenceError)) throw e;
      }
    });
    if (!last) throw new Error(`could not dump the ruleset of ${from.node}`);
    const seen = last;
    const excerpt = ctx.impl.dataplane.serviceRules(seen.dump.text, svc);
    await ctx.rec.text('rules', `${seen.dump.tool} on ${from.node}: rules of ${ctx.ns}/${KUARD.name}`, excerpt || `(no rules mention ${ctx.ns}/${KUARD.name})`);
    ctx.rec.expect(`${ctx.impl.title}: ${want}, leading to ${wantTargets.join(', ')}`);
    ctx.rec.observe(`${seen.shape.shape}, leading to ${seen.shape.targets.join(', ') || 'nothing'}`);
    ctx.rec.check({ key: 'the declared balancing shape in the rules of a worker', expected: want, observedEcho: seen.shape.shape, verdict: seen.shape.shape === want ? 'ok' : 'mismatch' });
    ctx.rec.check({
      key: 'rule targets = the kuard pods',
      expected: wantTargets.join(', '),
      observedEcho: seen.shape.targets.join(', ') || 'none',
      verdict: seen.shape.targets.join(',') === wantTargets.join(',') ? 'ok' : 'mismatch',
    });

    // The wire: the SYN to the ClusterIP, and the same connection's SYN after DNAT.
    const filter = `tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and ((dst host ${app.svc.clusterIP} and dst port ${KUARD.servicePort}) or dst port ${KUARD.port})`;
    const cap = await ctx.step(`start tcpdump on ${from.node}`, () => ctx.capture(from.node, filter, `syn-${from.node}`));
    const url = `http://${vip}${KUARD.whoPath}`;
    let spread: SpreadEvidence | undefined;
    try {
      spread = await ctx.step(`${DISTRIBUTION.captureRequests} requests from ${from.label} to ${url}`, () => requestSpread(from, url, DISTRIBUTION.captureRequests));
    } finally {
      const ev = await ctx.step('stop tcpdump and decode', () => cap.stop());
      const podByIp = new Map(app.pods.map((p) => [p.ip, p.name]));
      const endpoints = app.pods.map((p) => ({ ip: p.ip, port: KUARD.port }));
      const dn = dnatPairs(ev.packets, app.svc.clusterIP, KUARD.servicePort, endpoints);
      await ctx.rec.pcap(`capture on ${from.node}`, ev, [...dn.pairs.flatMap((p) => (p.after ? [p.before, p.after] : [p.before]))]);
      await ctx.rec.text('text', 'SYN before and after DNAT', dnatText(dn, podByIp));
      if (spread) await ctx.rec.text('echo', 'answers per pod', spreadTable(spread, app.pods.map((p) => p.name)));
      const paired = dn.pairs.filter((p) => p.after);
      ctx.rec.expect(`each SYN ${from.ip} -> ${vip} is seen again, same source ip:port, going to a kuard pod IP:${KUARD.port}`);
      ctx.rec.observe(`${paired.length}/${dn.pairs.length} SYN(s) to ${vip} seen DNAT'ed to ${[...new Set(paired.map((p) => podByIp.get(p.after?.dst ?? '') ?? '?'))].join(', ') || 'no pod'}`);
      ctx.rec.check({
        key: "SYN from a pod to the ClusterIP leaves the node DNAT'ed to a pod",
        expected: `every captured SYN to ${vip} (>= 1) reappears with dst = a kuard pod IP:${KUARD.port}`,
        observedEcho: spread ? `${spread.sent - spread.failures.length}/${spread.sent} requests answered` : 'the requests did not run',
        observedWire: `${paired.length}/${dn.pairs.length} SYN(s) DNAT'ed${paired.length ? ` to ${[...new Set(paired.map((p) => `${p.after?.dst}:${p.after?.dstPort}`))].join(', ')}` : ''}`,
        verdict: dn.pairs.length > 0 && paired.length === dn.pairs.length ? 'ok' : 'mismatch',
      });
    }
  },
});
