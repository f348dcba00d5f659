/** LoadBalancer helpers: which node answers ARP for a MetalLB L2 address, health-check probes. */
import { deployEcho } from './deploy.ts';
import { converge, mustConverge } from '../judge/converge.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { answered, curl } from '../probes/curl.ts';
import type { Runner } from '../probes/runners.ts';
import { TIMEOUTS } from '../timeouts.ts';
import { loadBalancerAddress } from '../probes/waits.ts';

/** Sends requests until the LB address answers (ARP + proxy programmed), all within the LB provider's budget. */
export async function awaitLoadBalancer(from: Runner, url: string): Promise<void> {
  await converge(() => curl(from, url), answered, { what: `${url} answering from ${from.label}`, timeoutMs: TIMEOUTS.lbAddress, consecutive: 2, intervalMs: 1000 });
}

/** The MAC in `ip neigh show <address>` output (lower case), if the entry has one. */
export function neighbourMac(ipNeighOutput: string): string | undefined {
  return /lladdr ([0-9a-f:]{17})/i.exec(ipNeighOutput)?.[1]?.toLowerCase();
}

/** The outside client's neighbour entry for `ip` names a MAC (ARP answered): the LB provider announces it. */
export function neighbourResolved(ipNeighOutput: string): boolean {
  return neighbourMac(ipNeighOutput) !== undefined && !/\bFAILED\b|\bINCOMPLETE\b/.test(ipNeighOutput);
}

/**
 * The VIP answering the outside client, in two phases with two owners. First the LB provider:
 * requests until some node answers ARP for the address (MetalLB L2), within the provider's
 * budget (TIMEOUTS.lbAddress); not announced in time is an infrastructure error. Then the proxy:
 * the announced address must answer within the convergence budget, and when it does not, that
 * is a check row turning `mismatch` (a proxy verdict), not an infrastructure error. Before the
 * split, a kube-proxy that dropped the VIP's traffic on the announcing node made the case wait
 * 90 s and report "infrastructure error". Without a Docker network the client is not on the
 * nodes' L2 segment (no neighbour entry to read): one budget, as before.
 */
async function vipAnswers(ctx: CaseContext, from: Runner, url: string, ip: string): Promise<void> {
  if (!ctx.cluster.network) return awaitLoadBalancer(from, url);
  // Addresses come back from the pool case after case: a neighbour entry left by an earlier
  // Service (another node, maybe) must not stand for this one's announcement, and a host route
  // left by a case that was cut short (routeVia) would send the address to a node, not to ARP.
  await from.run(['sh', '-c', `ip route del ${ip}/32 2>/dev/null; ip neigh flush to ${ip}`], 10_000);
  await ctx.step(`wait until ${ip} is announced (ARP resolved on the outside client)`, () =>
    converge(
      async () => {
        await curl(from, url);
        return (await from.run(['ip', 'neigh', 'show', ip], 10_000)).stdout;
      },
      neighbourResolved,
      { what: `${ip} announced to ${from.label} (a neighbour entry with a MAC)`, timeoutMs: TIMEOUTS.lbAddress, intervalMs: 1000 },
    ),
  );
  await ctx.step(`wait until ${url} answers`, () =>
    mustConverge(ctx.rec, { key: 'the announced VIP answers the outside client', expected: `${url} answers ${from.label} twice in a row within the convergence budget` }, () =>
      converge(() => curl(from, url), answered, { what: `${url} answering from ${from.label} once announced`, timeoutMs: TIMEOUTS.serviceProgrammed, consecutive: 2 }),
    ),
  );
}

/**
 * MetalLB L2 announces the address from one node: the outside client's neighbour entry for the
 * address carries that node's MAC. Returns the node name (and the evidence line).
 */
export async function announcingNode(ctx: CaseContext, outside: Runner, lbIp: string): Promise<{ node: string; evidence: string }> {
  const neigh = await outside.run(['ip', 'neigh', 'show', lbIp], 10_000);
  const mac = neighbourMac(neigh.stdout);
  if (!mac) throw new Error(`no neighbour entry for ${lbIp} on the outside client: ${neigh.stdout.trim() || neigh.stderr.trim()}`);
  const macs: string[] = [];
  for (const n of ctx.cluster.nodes) {
    if (!n.runner) continue;
    const r = await n.runner.run(['sh', '-c', 'cat /sys/class/net/eth0/address'], 10_000);
    const nodeMac = r.stdout.trim().toLowerCase();
    macs.push(`${n.name}=${nodeMac}`);
    if (nodeMac === mac) return { node: n.name, evidence: `${neigh.stdout.trim()}\nnode MACs: ${macs.join(', ')}` };
  }
  throw new Error(`${lbIp} is at ${mac}, which is no node's eth0 (${macs.join(', ')})`);
}

/**
 * The Source IP tutorial's LoadBalancer setup: source-ip-app on the first worker behind a
 * LoadBalancer Service with `policy`, its address answering the outside client, and the node
 * that announces it. Service status (address, ipMode) and the ARP evidence are attached.
 */
export async function echoBehindLoadBalancer(ctx: CaseContext, policy: 'Cluster' | 'Local', endpointNodes?: string[]) {
  const epNode = ctx.workers[0];
  if (!epNode) throw new Error('needs a worker node');
  const app = await deployEcho(ctx, endpointNodes ?? [epNode.name], { name: 'loadbalancer', type: 'LoadBalancer', externalTrafficPolicy: policy, ports: [{ port: 80, targetPort: 8080 }] });
  const lb = await ctx.step('wait for an address from the LB provider', () => loadBalancerAddress(ctx.kube, ctx.ns, 'loadbalancer'));
  await ctx.rec.json('Service status.loadBalancer', { ingress: lb.lbIngress, ipMode: lb.lbIngress?.[0]?.ipMode ?? '(unset: VIP)', healthCheckNodePort: lb.healthCheckNodePort });
  const outside = await ctx.step('start the outside client', () => ctx.outside());
  const url = `http://${lb.lbIp}:80/`;
  await vipAnswers(ctx, outside, url, lb.lbIp);
  const announcer = await ctx.step('find the node announcing the address (ARP)', () => announcingNode(ctx, outside, lb.lbIp));
  await ctx.rec.text('text', 'neighbour entry on the outside client', announcer.evidence);
  return { app, lb, outside, url, announcer, epNode };
}

/**
 * A probe `prepare` step that makes the outside client send `address` through `node` (a host
 * route), so "arrives at a node without an endpoint" is chosen, not left to ARP. The route is
 * replaced for every path; `clearRoute` removes it afterwards.
 */
export function routeVia(outside: Runner, address: string, node: { name: string; ip: string }): () => Promise<void> {
  return async () => {
    const r = await outside.run(['ip', 'route', 'replace', `${address}/32`, 'via', node.ip], 10_000);
    if (r.exitCode !== 0) throw new Error(`ip route replace ${address}/32 via ${node.ip} (${node.name}) failed: ${r.stderr.trim()}`);
  };
}

export async function clearRoute(outside: Runner, address: string): Promise<void> {
  await outside.run(['ip', 'route', 'del', `${address}/32`], 10_000);
}
