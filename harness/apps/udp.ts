/** UDP cases' shared steps: client pods that can run the UDP client (probes/udp.ts). */
import type { CaseContext } from '../run/fixtures.ts';
import { PodRunner } from '../probes/runners.ts';
import { podsReady } from '../probes/waits.ts';
import { clientPod } from './workloads.ts';

/**
 * A client pod of the tools image (it has Perl; the docs' curl image may not) on every node,
 * in the case's namespace, keyed by node name.
 */
export async function udpClients(ctx: CaseContext): Promise<Map<string, PodRunner>> {
  const nodes = ctx.cluster.nodes.map((n) => n.name);
  await ctx.step(`UDP client pods on ${nodes.length} node(s)`, () => ctx.apply(nodes.map((n) => clientPod(ctx.ns, n, ctx.images.tools))));
  const pods = await ctx.step('wait for the UDP client pods', () => podsReady(ctx.kube, ctx.ns, 'app=kpc-client', nodes.length));
  return new Map(pods.map((p) => [p.node, new PodRunner(ctx.kube, ctx.ns, p.name, 'client', p.ip, p.node)]));
}
