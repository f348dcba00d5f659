/** What reading a node's dataplane returns, whatever the implementation (pure types + one runner). */
import type { Runner } from './runners.ts';

export interface RulesetEvidence {
  node: string;
  tool: string;
  text: string;
  takenAt: number;
}

/** Which Service a rule excerpt is for: its name, and the `ip:port` pairs it answers on. */
export interface ServiceSelector {
  namespace: string;
  name: string;
  /** Port name ('' = any). */
  port?: string;
  addresses?: readonly string[];
}

/**
 * The load-balancing shape of one Service port as a dataplane shows it: `shape` is a line
 * comparable with the expected one, `targets` the endpoint addresses (`ip:port`) it leads to.
 */
export interface BalancingShape {
  shape: string;
  targets: string[];
}

/**
 * Runs the dump commands in order and joins their output under `# <command>` headers. `wrap`
 * runs a command somewhere else on the node (e.g. inside an agent container); headers and
 * errors name the command itself.
 */
export async function dumpWith(node: Runner & { node?: string }, tool: string, commands: readonly (readonly string[])[], wrap: (cmd: readonly string[]) => string[] = (c) => [...c]): Promise<RulesetEvidence> {
  const parts: string[] = [];
  for (const cmd of commands) {
    const r = await node.run(wrap(cmd), 20_000);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} on ${node.label} failed (${r.exitCode}): ${r.stderr.trim()}`);
    parts.push(commands.length > 1 ? `# ${cmd.join(' ')}\n${r.stdout}` : r.stdout);
  }
  return { node: node.node ?? node.label, tool, text: parts.join('\n'), takenAt: Date.now() };
}
