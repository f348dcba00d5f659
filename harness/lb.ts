/** LoadBalancer helpers: which node answers ARP for a MetalLB L2 address, health-check probes. */
import { converge } from './converge.ts';
import type { CaseContext } from './fixtures.ts';
import { answered, curl } from './probes/curl.ts';
import type { Runner } from './runners.ts';
import { TIMEOUTS } from './timeouts.ts';

/** Sends requests until the LB address answers (ARP + proxy programmed). */
export async function awaitLoadBalancer(from: Runner, url: string): Promise<void> {
  await converge(() => curl(from, url), answered, { what: `${url} answering from ${from.label}`, timeoutMs: TIMEOUTS.lbAddress, consecutive: 2, intervalMs: 1000 });
}

/**
 * MetalLB L2 announces the address from one node: the outside client's neighbour entry for the
 * address carries that node's MAC. Returns the node name (and the evidence line).
 */
export async function announcingNode(ctx: CaseContext, outside: Runner, lbIp: string): Promise<{ node: string; evidence: string }> {
  const neigh = await outside.run(['ip', 'neigh', 'show', lbIp], 10_000);
  const mac = /lladdr ([0-9a-f:]{17})/i.exec(neigh.stdout)?.[1]?.toLowerCase();
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
