/** Facts read from a node: its addresses, kube-proxy's reported mode. */
import type { IpFamily } from '../../clusters/ip-family.ts';
import type { Runner } from './runners.ts';

/**
 * Every address of the given families configured on the node (any interface): "owned by the
 * node". IPv6: global scope only (a link-local address is never a connection's source toward
 * another host's global address).
 */
export async function nodeAddresses(node: Runner, families: readonly IpFamily[] = ['IPv4']): Promise<string[]> {
  const out: string[] = [];
  if (families.includes('IPv4')) out.push(...parseIpAddr((await node.run(['ip', '-o', '-4', 'addr', 'show'], 10_000)).stdout));
  if (families.includes('IPv6')) out.push(...parseIpAddr((await node.run(['ip', '-o', '-6', 'addr', 'show', 'scope', 'global'], 10_000)).stdout));
  return out;
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
