/**
 * How Cilium's kube-proxy replacement is read on a node: through its agent container (found
 * with crictl on the node), `cilium-dbg shell -- db/show frontends` (the load-balancer's
 * frontends with their Service names, backends and programming status) and `cilium-dbg bpf lb
 * list` (the BPF service map itself). Pure parsing below the runner, unit-tested on a dump
 * captured from a cluster here (test/fixtures/cilium/).
 */
import { dumpWith, type BalancingShape, type RulesetEvidence, type ServiceSelector } from '../probes/dataplane.ts';
import type { ProxyModeEvidence } from '../probes/node.ts';
import type { Runner } from '../probes/runners.ts';

/** The agent container on the node, by name, running; exit 125 with a reason when there is none. */
export function inAgent(args: readonly string[]): string[] {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return [
    'sh',
    '-c',
    `id=$(crictl ps -q --name '^cilium-agent$' --state Running 2>/dev/null | head -n1); if [ -z "$id" ]; then echo "no running cilium-agent container on this node" >&2; exit 125; fi; exec crictl exec "$id" ${quoted}`,
  ];
}

export const CILIUM_DUMPS: readonly (readonly string[])[] = [
  ['cilium-dbg', 'shell', '--', 'db/show', 'frontends'],
  ['cilium-dbg', 'bpf', 'lb', 'list'],
];

export function ciliumDump(node: Runner & { node?: string }): Promise<RulesetEvidence> {
  return dumpWith(node, 'cilium-dbg db/show frontends + bpf lb list', CILIUM_DUMPS, inAgent);
}

/** The sections of a dump, by the command in their `# ` header. */
export function dumpSections(dump: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of dump.split('\n')) {
    if (line.startsWith('# cilium-dbg ')) {
      cur = [];
      out.set(line.slice(2).trim(), cur);
    } else if (cur) cur.push(line);
  }
  return out;
}

const FRONTENDS = CILIUM_DUMPS[0]!.join(' ');
const BPF_LB = CILIUM_DUMPS[1]!.join(' ');

/** `10.96.1.2:80/TCP` -> `10.96.1.2:80`; IPv6 `[fd00::1]:80/TCP` -> `[fd00::1]:80`. */
function withoutProtocol(addr: string): string {
  return addr.replace(/\/(TCP|UDP|SCTP|ANY)$/i, '');
}

export interface FrontendRow {
  /** `ip:port/PROTO` */
  address: string;
  type: string;
  service: string;
  portName: string;
  status: string;
  line: string;
}

/**
 * Rows of `db/show frontends`. Columns are padded with spaces; ServiceName is the only token of
 * the form `ns/name` after the type, PortName (may be empty) follows it.
 */
export function parseFrontends(dump: string): FrontendRow[] {
  const lines = dumpSections(dump).get(FRONTENDS) ?? [];
  const rows: FrontendRow[] = [];
  for (const line of lines) {
    if (!line.trim() || /^Address\s+Type\s+ServiceName/.test(line)) continue;
    const cols = line.split(/\s{2,}/).map((c) => c.trim());
    const [address, type, service] = cols;
    if (!address || !type || !service || !/^\S+:\d+\/\w+$/.test(address) || !service.includes('/')) continue;
    // PortName is empty for unnamed ports: then the next column is the backends list (an address) or a status word.
    const next = cols[3] ?? '';
    const portName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(next) && !/^(Done|Pending|Error|Deleting)$/.test(next) ? next : '';
    const status = cols.find((c) => /^(Done|Pending|Error|Deleting)$/.test(c)) ?? '';
    rows.push({ address, type, service, portName, status, line });
  }
  return rows;
}

export interface LbEntry {
  /** Service address `ip:port/PROTO`. */
  frontend: string;
  slot: number;
  /** Backend `ip:port/PROTO`, `0.0.0.0:0` for the master entry (slot 0). */
  backend: string;
  line: string;
}

/** Lines of `bpf lb list`: `10.96.0.10:53/UDP (1)   10.244.1.5:53/UDP (7) (1)`. */
export function parseBpfLb(dump: string): LbEntry[] {
  const lines = dumpSections(dump).get(BPF_LB) ?? [];
  const out: LbEntry[] = [];
  for (const line of lines) {
    const m = /^(\S+)\s+\((\d+)\)\s+(\S+)/.exec(line.trim());
    if (!m || m[1] === 'SERVICE') continue;
    out.push({ frontend: m[1]!, slot: Number(m[2]), backend: m[3]!, line: line.trimEnd() });
  }
  return out;
}

/** The frontends of one Service (by name and port name, plus any `addresses`), and their BPF map entries. */
export function ciliumServiceRules(dump: string, svc: ServiceSelector): string {
  const name = `${svc.namespace}/${svc.name}`;
  const wanted = new Set((svc.addresses ?? []).map(withoutProtocol));
  const fe = parseFrontends(dump).filter((r) => (r.service === name && (!svc.port || r.portName === svc.port)) || wanted.has(withoutProtocol(r.address)));
  for (const r of fe) wanted.add(withoutProtocol(r.address));
  // A NodePort frontend is `0.0.0.0:<port>` in the table and one entry per node address in the
  // BPF map: those match by port and protocol.
  const wildcard = new Set(fe.filter((r) => r.address.startsWith('0.0.0.0:')).map((r) => r.address.slice('0.0.0.0'.length)));
  const lb = parseBpfLb(dump).filter((e) => wanted.has(withoutProtocol(e.frontend)) || wildcard.has(e.frontend.slice(e.frontend.lastIndexOf(':'))));
  if (!fe.length && !lb.length) return '';
  return [`# ${FRONTENDS} (${name})`, ...fe.map((r) => r.line), `# ${BPF_LB} (its frontends)`, ...lb.map((e) => e.line)].join('\n');
}

/** Cilium's default (`bpf-lb-algorithm: random`): the master entry counts n backends, slots 1..n hold them. */
export function ciliumRandomShape(n: number): string {
  return `random over ${n} backend slots (1..${n})`;
}

export function observeCiliumShape(dump: string, svc: { vip: string }): BalancingShape {
  const entries = parseBpfLb(dump).filter((e) => withoutProtocol(e.frontend) === svc.vip && e.slot > 0);
  if (!entries.length) return { shape: `no BPF service entry for ${svc.vip}`, targets: [] };
  const slots = entries.map((e) => e.slot).sort((a, b) => a - b);
  const contiguous = slots.every((s, i) => s === i + 1);
  return {
    shape: contiguous ? ciliumRandomShape(slots.length) : `backend slots ${slots.join(',')}`,
    targets: [...new Set(entries.map((e) => withoutProtocol(e.backend)))].sort(),
  };
}

/** What `cilium-dbg status -o json` says about the kube-proxy replacement: `cilium kube-proxy-replacement=True`. */
export function parseKprStatus(json: string): string {
  let j: { 'kube-proxy-replacement'?: { mode?: string } };
  try {
    j = JSON.parse(json) as typeof j;
  } catch {
    return `unparsable cilium-dbg status: ${json.slice(0, 80)}`;
  }
  const mode = j['kube-proxy-replacement']?.mode;
  return mode ? `cilium kube-proxy-replacement=${mode}` : 'cilium without a kube-proxy-replacement status';
}

export async function ciliumIdentity(node: Runner & { node?: string }): Promise<ProxyModeEvidence> {
  const r = await node.run(inAgent(['cilium-dbg', 'status', '-o', 'json']), 30_000);
  return { node: node.node ?? node.label, exitCode: r.exitCode, reported: r.exitCode === 0 ? parseKprStatus(r.stdout) : (r.stderr.trim() || r.stdout.trim()).slice(0, 200) };
}
