/** Facts read from a node: its addresses, its ruleset, kube-proxy's reported mode. */
import type { ProxyMode } from '../run/projects.ts';
import { MODE_BEHAVIOUR } from '../run/projects.ts';
import type { Runner } from './runners.ts';

export interface RulesetEvidence {
  node: string;
  tool: string;
  text: string;
  takenAt: number;
}

/** Dumps the NAT-relevant ruleset the given mode programs (iptables-save or nft). */
export async function dumpRuleset(node: Runner & { node?: string }, mode: ProxyMode): Promise<RulesetEvidence> {
  const how = MODE_BEHAVIOUR[mode].rulesDump;
  const cmd = how === 'nft' ? ['nft', 'list', 'table', 'ip', 'kube-proxy'] : ['iptables-save'];
  const r = await node.run(cmd, 20_000);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} on ${node.label} failed (${r.exitCode}): ${r.stderr.trim()}`);
  let text = r.stdout;
  if (how === 'ipvsadm+iptables-save') {
    const ipvs = await node.run(['ipvsadm', '-Ln'], 20_000);
    text = `# ipvsadm -Ln\n${ipvs.stdout}\n# iptables-save\n${text}`;
  }
  return { node: node.node ?? node.label, tool: how === 'nft' ? 'nft list table ip kube-proxy' : how, text, takenAt: Date.now() };
}

/** Every IPv4 address configured on the node (any interface): "owned by the node". */
export async function nodeAddresses(node: Runner): Promise<string[]> {
  const r = await node.run(['ip', '-o', '-4', 'addr', 'show'], 10_000);
  return [...r.stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1] ?? '').filter(Boolean);
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
