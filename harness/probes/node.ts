/** Facts read from a node: its addresses, kube-proxy's reported mode. */
import type { IpFamily } from '../../clusters/ip-family.ts';
import type { Runner } from './runners.ts';

/**
 * Every address of the given families configured on the node (any interface): "owned by the
 * node". IPv6: global scope only (a link-local address is never a connection's source toward
 * another host's global address).
 *
 * Read once per node and family in a process: a case used to read them after every scenario
 * (100 node execs per catalogue run). Not kept when the node has a `kube-ipvs0` interface,
 * whose addresses (every ClusterIP, external IP and LB VIP) change with each Service.
 */
export async function nodeAddresses(node: Runner, families: readonly IpFamily[] = ['IPv4']): Promise<string[]> {
  const out: string[] = [];
  for (const f of ['IPv4', 'IPv6'] as const) if (families.includes(f)) out.push(...(await familyAddresses(node, f)));
  return out;
}

const owned = new Map<string, Promise<{ addresses: string[]; volatile: boolean }>>();

async function familyAddresses(node: Runner, family: IpFamily): Promise<string[]> {
  const key = `${node.label}\u0000${family}`;
  let p = owned.get(key);
  if (!p) {
    const cmd = family === 'IPv4' ? ['ip', '-o', '-4', 'addr', 'show'] : ['ip', '-o', '-6', 'addr', 'show', 'scope', 'global'];
    p = node.run(cmd, 10_000).then((r) => ({ addresses: parseIpAddr(r.stdout), volatile: r.exitCode !== 0 || /\bkube-ipvs0\b/.test(r.stdout) }));
    owned.set(key, p);
  }
  try {
    const r = await p;
    if (r.volatile) owned.delete(key);
    return r.addresses;
  } catch (e) {
    owned.delete(key);
    throw e;
  }
}

/** The addresses in `ip -o addr show` output (inet and inet6 lines). */
export function parseIpAddr(stdout: string): string[] {
  return [...stdout.matchAll(/\binet6? ([0-9a-f.:]+)\//gi)].map((m) => m[1] ?? '').filter(Boolean);
}

export interface ProxyModeEvidence {
  node: string;
  reported: string;
  exitCode: number;
}

/** kube-proxy's metrics endpoint answers its mode at /proxyMode on 127.0.0.1:10249. */
export async function reportedProxyMode(node: Runner & { node?: string }): Promise<ProxyModeEvidence> {
  const r = await node.run(['curl', '-sS', '--max-time', '5', 'http://127.0.0.1:10249/proxyMode'], 15_000);
  return { node: node.node ?? node.label, reported: r.stdout.trim(), exitCode: r.exitCode };
}

export interface ConntrackEvidence {
  node: string;
  /** The conntrack arguments after `-L`, e.g. `-p udp --dport 53`. */
  filter: string[];
  /** One entry a line as conntrack prints them. */
  entries: string[];
  exitCode: number;
  stderr: string;
}

/** The node's conntrack entries matching `filter` (`conntrack -L ...`), through its node access. */
export async function conntrackEntries(node: Runner & { node?: string }, filter: string[] = []): Promise<ConntrackEvidence> {
  const r = await node.run(['conntrack', '-L', ...filter], 15_000);
  // conntrack prints its summary ("N flow entries have been shown") on stderr.
  const entries = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  return { node: node.node ?? node.label, filter, entries, exitCode: r.exitCode, stderr: r.stderr.trim() };
}
