/**
 * Reading a node's proxy rules as evidence: the part of an `iptables-save` or `nft list
 * ruleset` (table ip kube-proxy) dump that belongs to one Service, the shape of its load
 * balancing (endpoint rules with their probabilities, or the numgen vmap), and a line diff of
 * two dumps. Shapes follow kube-proxy v1.34 (pkg/proxy/iptables and pkg/proxy/nftables):
 *
 * - iptables: `KUBE-SERVICES` / `KUBE-NODEPORTS` / `KUBE-EXTERNAL-SERVICES` rules carry a
 *   comment starting with the service port name `ns/name[:port]`; they jump to
 *   `KUBE-SVC-` (cluster policy), `KUBE-EXT-` (external destinations), `KUBE-FW-`
 *   (loadBalancerSourceRanges) chains; those jump to `KUBE-SVL-` (local policy; `KUBE-XLB-`
 *   before 1.24) and per-endpoint `KUBE-SEP-` chains, which DNAT. The service chain holds one
 *   rule per endpoint, `-m statistic --mode random --probability 1/n, 1/(n-1), ...` and a
 *   last rule without one.
 * - nftables: chains `service-HASH-ns/name/proto/port`, `external-`, `local-`, `firewall-`,
 *   `endpoint-HASH-ns/name/proto/port__ip/port`; the service chain ends in
 *   `numgen random mod N vmap { 0 : goto endpoint-..., ... }`; the maps `service-ips`,
 *   `service-nodeports`, `no-endpoint-*`, `firewall-ips` hold elements pointing at them.
 *
 * Pure: text in, values out.
 */

/** A Service, optionally narrowed to one of its ports by port *name* ('' for an unnamed port). */
export interface ServiceRef {
  namespace: string;
  name: string;
  port?: string;
}

// ---------------------------------------------------------------------------------------
// iptables-save

export interface IptablesRule {
  table: string;
  chain: string;
  /** The line as dumped (without a leading `[packets:bytes]` counter). */
  line: string;
  /** Arguments after `-A CHAIN`, unquoted. */
  args: string[];
  comment?: string;
  /** `-j` / `-g` target. */
  target?: string;
}

export interface IptablesDump {
  /** table -> chain -> policy ('-' for user chains), in dump order. */
  chains: Map<string, Map<string, string>>;
  rules: IptablesRule[];
}

/** Split an iptables-save rule line into arguments, honouring "double quotes" and \" escapes. */
export function splitIptablesArgs(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        cur += line[i + 1];
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inToken = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inToken) args.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (inToken) args.push(cur);
  return args;
}

function argAfter(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Parse `iptables-save` output (any tables; counters and comment lines tolerated). */
export function parseIptablesSave(text: string): IptablesDump {
  const dump: IptablesDump = { chains: new Map(), rules: [] };
  let table = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\[\d+:\d+\]\s+/, '').trimEnd();
    if (line === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      if (!dump.chains.has(table)) dump.chains.set(table, new Map());
    } else if (line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(/\s+/);
      dump.chains.get(table)?.set(name, policy);
    } else if (line.startsWith('-A ') || line.startsWith('-I ')) {
      const all = splitIptablesArgs(line);
      const chain = all[1] ?? '';
      const args = all.slice(2);
      const rule: IptablesRule = { table, chain, line, args };
      const comment = argAfter(args, '--comment');
      if (comment !== undefined) rule.comment = comment;
      const target = argAfter(args, '-j') ?? argAfter(args, '-g');
      if (target !== undefined) rule.target = target;
      dump.rules.push(rule);
    }
  }
  return dump;
}

const IPTABLES_SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP|XLB)-/;

/** The service port name at the start of a kube-proxy comment: `ns/name:port cluster IP` -> `ns/name:port`. */
function commentServicePort(comment: string): string | undefined {
  const first = comment.split(' ')[0] ?? '';
  return /^[a-z0-9.-]+\/[a-z0-9.-]+(:[^ ]*)?$/.test(first) ? first : undefined;
}

function serviceMatcher(svc: ServiceRef): (servicePortName: string) => boolean {
  const base = `${svc.namespace}/${svc.name}`;
  if (svc.port === undefined) return (spn) => spn === base || spn.startsWith(`${base}:`);
  const want = svc.port === '' ? base : `${base}:${svc.port}`;
  return (spn) => spn === want;
}

export interface IptablesEndpointRule {
  /** The KUBE-SEP- chain the rule jumps to. */
  chain: string;
  /** `--probability` as a number; undefined on the last rule, which always matches. */
  probability?: number;
  /** `--probability` as dumped (e.g. `0.20000000019`). */
  probabilityText?: string;
  /** `ip:port` the endpoint chain DNATs to (`--to-destination`). */
  dnat?: string;
  line: string;
}

export interface IptablesServicePort {
  /** `ns/name:port` (or `ns/name` for an unnamed port), as kube-proxy writes it in comments. */
  servicePortName: string;
  clusterChain?: string;
  localChain?: string;
  externalChain?: string;
  firewallChain?: string;
  /** Load-balancing rules of the cluster-policy chain (KUBE-SVC-), in order. */
  endpoints: IptablesEndpointRule[];
  /** Load-balancing rules of the local-policy chain (KUBE-SVL-), in order. */
  localEndpoints: IptablesEndpointRule[];
  /** ClientIP session affinity (`-m recent --rcheck`) rules present. */
  sessionAffinity: boolean;
}

export interface IptablesServiceRules {
  service: ServiceRef;
  /** Every chain that belongs to the Service (SVC/SVL/EXT/FW/SEP), in dump order. */
  chains: string[];
  /** The rules that belong to it: jumps into its chains from shared chains, and its chains' rules. */
  rules: IptablesRule[];
  ports: IptablesServicePort[];
  /** An iptables-save-like excerpt: `*table`, `:CHAIN` and rule lines, in dump order. */
  text: string;
}

/** The part of an iptables-save dump that belongs to a Service (see module comment). */
export function iptablesServiceRules(dumpText: string, svc: ServiceRef): IptablesServiceRules {
  const dump = parseIptablesSave(dumpText);
  const isOurs = serviceMatcher(svc);
  const chainRules = new Map<string, IptablesRule[]>();
  for (const r of dump.rules) {
    const list = chainRules.get(r.chain) ?? [];
    list.push(r);
    chainRules.set(r.chain, list);
  }

  // Seeds: service chains targeted by (or holding) a rule whose comment names the Service.
  const owned = new Set<string>();
  const ownerOf = new Map<string, string>(); // chain -> service port name
  for (const r of dump.rules) {
    const spn = r.comment !== undefined ? commentServicePort(r.comment) : undefined;
    if (spn === undefined || !isOurs(spn)) continue;
    for (const c of [r.target, r.chain]) {
      if (c !== undefined && IPTABLES_SERVICE_CHAIN.test(c)) {
        owned.add(c);
        if (!c.startsWith('KUBE-SEP-') && !ownerOf.has(c)) ownerOf.set(c, spn);
      }
    }
  }
  // Closure over jumps between service chains (comments may be absent in large clusters).
  const queue = [...owned];
  while (queue.length) {
    const c = queue.pop() as string;
    for (const r of chainRules.get(c) ?? []) {
      if (r.target && IPTABLES_SERVICE_CHAIN.test(r.target) && !owned.has(r.target)) {
        owned.add(r.target);
        queue.push(r.target);
      }
      if (r.target && IPTABLES_SERVICE_CHAIN.test(r.target) && !ownerOf.has(r.target) && ownerOf.has(c) && !r.target.startsWith('KUBE-SEP-')) {
        ownerOf.set(r.target, ownerOf.get(c) as string);
      }
    }
  }

  const rules = dump.rules.filter((r) => {
    if (owned.has(r.chain)) return true;
    if (r.target !== undefined && owned.has(r.target)) return true;
    const spn = r.comment !== undefined ? commentServicePort(r.comment) : undefined;
    return spn !== undefined && isOurs(spn);
  });

  const dnatOf = (sep: string): string | undefined => {
    for (const r of chainRules.get(sep) ?? []) {
      const to = argAfter(r.args, '--to-destination');
      if (r.target === 'DNAT' && to !== undefined) return to;
    }
    return undefined;
  };
  const endpointRules = (chain: string | undefined): IptablesEndpointRule[] =>
    (chain ? (chainRules.get(chain) ?? []) : [])
      .filter((r) => r.target?.startsWith('KUBE-SEP-') && !r.args.includes('--rcheck'))
      .map((r) => {
        const e: IptablesEndpointRule = { chain: r.target as string, line: r.line };
        const p = argAfter(r.args, '--probability');
        if (p !== undefined) {
          e.probabilityText = p;
          e.probability = Number(p);
        }
        const dnat = dnatOf(r.target as string);
        if (dnat !== undefined) e.dnat = dnat;
        return e;
      });

  const byPort = new Map<string, IptablesServicePort>();
  for (const [chain, spn] of ownerOf) {
    const p = byPort.get(spn) ?? { servicePortName: spn, endpoints: [], localEndpoints: [], sessionAffinity: false };
    if (chain.startsWith('KUBE-SVC-')) p.clusterChain = chain;
    else if (chain.startsWith('KUBE-SVL-') || chain.startsWith('KUBE-XLB-')) p.localChain = chain;
    else if (chain.startsWith('KUBE-EXT-')) p.externalChain = chain;
    else if (chain.startsWith('KUBE-FW-')) p.firewallChain = chain;
    byPort.set(spn, p);
  }
  const ports = [...byPort.values()].sort((a, b) => a.servicePortName.localeCompare(b.servicePortName));
  for (const p of ports) {
    p.endpoints = endpointRules(p.clusterChain);
    p.localEndpoints = endpointRules(p.localChain);
    p.sessionAffinity = [p.clusterChain, p.localChain].some((c) => c && (chainRules.get(c) ?? []).some((r) => r.args.includes('--rcheck')));
  }

  const chains: string[] = [];
  const lines: string[] = [];
  for (const [table, decl] of dump.chains) {
    const tableRules = rules.filter((r) => r.table === table);
    const tableChains = [...decl.keys()].filter((c) => owned.has(c));
    if (!tableRules.length && !tableChains.length) continue;
    lines.push(`*${table}`);
    for (const c of tableChains) {
      chains.push(c);
      lines.push(`:${c} ${decl.get(c)}`);
    }
    for (const r of tableRules) lines.push(r.line);
  }
  return { service: svc, chains, rules, ports, text: lines.join('\n') };
}

// ---------------------------------------------------------------------------------------
// nft list ruleset / nft list table ip kube-proxy

export interface NftChain {
  family: string;
  table: string;
  name: string;
  /** Rule lines (and the `type ... hook ...` line of base chains), trimmed. */
  rules: string[];
}

export interface NftSetOrMap {
  family: string;
  table: string;
  kind: 'set' | 'map';
  name: string;
  /** Declaration lines (type, flags, comment...), trimmed. */
  props: string[];
  /** Elements, one string each, as printed (`10.96.0.1 . tcp . 443 : goto service-...`). */
  elements: string[];
}

export interface NftDump {
  tables: { family: string; name: string }[];
  chains: NftChain[];
  sets: NftSetOrMap[];
}

/** nft prints names with characters outside [A-Za-z0-9_./-] in double quotes. */
function nftName(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** Split an `elements = { a, b : goto x, ... }` body at top-level commas. */
function splitElements(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of body) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '{' || ch === '(')) depth++;
    if (!quoted && (ch === '}' || ch === ')')) depth--;
    if (!quoted && depth === 0 && ch === ',') {
      if (cur.trim()) out.push(cur.trim().replace(/\s+/g, ' '));
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim().replace(/\s+/g, ' '));
  return out;
}

/** Parse `nft list ruleset` / `nft list table ...` output into tables, chains, sets and maps. */
export function parseNftRuleset(text: string): NftDump {
  const dump: NftDump = { tables: [], chains: [], sets: [] };
  const lines = text.split(/\r?\n/);
  let table: { family: string; name: string } | undefined;
  let block: NftChain | NftSetOrMap | undefined;
  let elementsBuf: string | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (elementsBuf !== undefined && block && 'elements' in block) {
      elementsBuf += ` ${line}`;
      if (balanced(elementsBuf)) {
        block.elements.push(...splitElements(elementsBuf.replace(/^\{/, '').replace(/\}$/, '')));
        elementsBuf = undefined;
      }
      continue;
    }
    const t = /^table (\S+) (\S+) \{$/.exec(line);
    if (t) {
      table = { family: t[1] as string, name: nftName(t[2] as string) };
      dump.tables.push(table);
      continue;
    }
    if (!table) continue;
    const c = /^chain (.+) \{$/.exec(line);
    if (c && !block) {
      block = { family: table.family, table: table.name, name: nftName(c[1] as string), rules: [] };
      dump.chains.push(block);
      continue;
    }
    const s = /^(set|map) (.+) \{$/.exec(line);
    if (s && !block) {
      block = { family: table.family, table: table.name, kind: s[1] as 'set' | 'map', name: nftName(s[2] as string), props: [], elements: [] };
      dump.sets.push(block);
      continue;
    }
    if (line === '}') {
      if (block) block = undefined;
      else table = undefined;
      continue;
    }
    if (!block) continue; // table-level properties (comment, flags)
    if ('rules' in block) block.rules.push(line);
    else {
      const el = /^elements = (\{.*)$/.exec(line);
      if (el) {
        elementsBuf = el[1] as string;
        if (balanced(elementsBuf)) {
          block.elements.push(...splitElements(elementsBuf.replace(/^\{/, '').replace(/\}$/, '')));
          elementsBuf = undefined;
        }
      } else block.props.push(line);
    }
  }
  return dump;
}

function balanced(s: string): boolean {
  let depth = 0;
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '{') depth++;
    else if (!quoted && ch === '}') depth--;
  }
  return depth === 0;
}

const NFT_SERVICE_CHAIN = /^(service|local|external|firewall|endpoint|affinity)-[A-Z2-7]{8}-([^/]+)\/([^/]+)\/([^/]+)\/([^_]*?)(?:__(.+))?$/;

export interface NftEndpointEntry {
  /** vmap key (0 .. N-1). */
  index: number;
  /** `endpoint-...` chain the entry jumps to. */
  chain: string;
  /** `ip:port` that chain DNATs to. */
  dnat?: string;
}

export interface NftServicePort {
  /** `ns/name/proto/port` as in the chain names (port is the port *name*, '' when unnamed). */
  key: string;
  protocol: string;
  portName: string;
  serviceChain?: string;
  localChain?: string;
  externalChain?: string;
  firewallChain?: string;
  /** `N` of `numgen random mod N` in the service chain. */
  endpointCount?: number;
  endpoints: NftEndpointEntry[];
  /** The same for the local-policy chain, when there is one. */
  localEndpointCount?: number;
  localEndpoints: NftEndpointEntry[];
}

export interface NftServiceRules {
  service: ServiceRef;
  chains: NftChain[];
  /** Affinity sets of the Service's endpoints. */
  sets: NftSetOrMap[];
  /** Map elements pointing at the Service's chains or commented with its port name. */
  elements: { map: string; element: string }[];
  ports: NftServicePort[];
  /** An nft-like excerpt: chains with their rules, then the map elements. */
  text: string;
}

/** Parse `numgen random mod N vmap { 0 : goto endpoint-a, 1 : goto endpoint-b }`. */
export function parseNumgenVmap(rule: string): { count: number; entries: { index: number; chain: string }[] } | undefined {
  const m = /numgen random mod (\d+) vmap \{(.*)\}/.exec(rule);
  if (!m) return undefined;
  const entries = splitElements(m[2] as string).flatMap((e) => {
    const x = /^(\d+) : (?:goto|jump) (.+)$/.exec(e);
    return x ? [{ index: Number(x[1]), chain: nftName((x[2] as string).trim()) }] : [];
  });
  return { count: Number(m[1]), entries };
}

/** The part of an nft dump (table ip/ip6 kube-proxy) that belongs to a Service. */
export function nftServiceRules(dumpText: string, svc: ServiceRef): NftServiceRules {
  const dump = parseNftRuleset(dumpText);
  const ours = (name: string): RegExpExecArray | undefined => {
    const m = NFT_SERVICE_CHAIN.exec(name);
    if (!m || m[2] !== svc.namespace || m[3] !== svc.name) return undefined;
    if (svc.port !== undefined && m[5] !== svc.port) return undefined;
    return m;
  };
  const kubeProxy = (x: { table: string }): boolean => x.table === 'kube-proxy';
  const chains = dump.chains.filter((c) => kubeProxy(c) && ours(c.name));
  const sets = dump.sets.filter((s) => kubeProxy(s) && ours(s.name));
  const chainNames = new Set(chains.map((c) => c.name));
  const isOurs = serviceMatcher(svc);
  const elements: { map: string; element: string }[] = [];
  for (const s of dump.sets) {
    if (!kubeProxy(s) || sets.includes(s)) continue;
    for (const e of s.elements) {
      const target = /:\s*(?:goto|jump) (\S+)$/.exec(e)?.[1];
      const comment = /comment "([^"]*)"/.exec(e)?.[1];
      if ((target !== undefined && chainNames.has(nftName(target))) || (comment !== undefined && isOurs(comment))) {
        elements.push({ map: s.name, element: e });
      }
    }
  }

  const dnatOf = (chain: string): string | undefined => {
    for (const r of dump.chains.find((c) => c.name === chain)?.rules ?? []) {
      const m = /dnat (?:ip |ip6 )?to (\S+)/.exec(r);
      if (m) return m[1];
    }
    return undefined;
  };
  const byKey = new Map<string, NftServicePort>();
  for (const c of chains) {
    const m = ours(c.name);
    if (!m) continue;
    const kind = m[1] as string;
    if (kind === 'endpoint' || kind === 'affinity') continue;
    const key = `${m[2]}/${m[3]}/${m[4]}/${m[5]}`;
    const p = byKey.get(key) ?? { key, protocol: m[4] as string, portName: m[5] as string, endpoints: [], localEndpoints: [] };
    const vmap = c.rules.map(parseNumgenVmap).find((x) => x !== undefined);
    const entries = (vmap?.entries ?? []).map((e) => {
      const entry: NftEndpointEntry = { ...e };
      const dnat = dnatOf(e.chain);
      if (dnat !== undefined) entry.dnat = dnat;
      return entry;
    });
    if (kind === 'service') {
      p.serviceChain = c.name;
      if (vmap) p.endpointCount = vmap.count;
      p.endpoints = entries;
    } else if (kind === 'local') {
      p.localChain = c.name;
      if (vmap) p.localEndpointCount = vmap.count;
      p.localEndpoints = entries;
    } else if (kind === 'external') p.externalChain = c.name;
    else if (kind === 'firewall') p.firewallChain = c.name;
    byKey.set(key, p);
  }

  const lines: string[] = [];
  for (const s of sets) lines.push(`set ${s.name} {`, ...s.props.map((p) => `\t${p}`), '}');
  for (const c of chains) lines.push(`chain ${c.name} {`, ...c.rules.map((r) => `\t${r}`), '}');
  for (const e of elements) lines.push(`element ${e.map} { ${e.element} }`);
  return {
    service: svc,
    chains,
    sets,
    elements,
    ports: [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key)),
    text: lines.join('\n'),
  };
}

// ---------------------------------------------------------------------------------------
// ipvsadm -Ln

export interface IpvsVirtualServer {
  protocol: string;
  /** `ip:port` (IPv6 as `[ip]:port`). */
  address: string;
  scheduler: string;
  line: string;
  realServers: { address: string; forward: string; weight: number; line: string }[];
}

/** Parse `ipvsadm -Ln` output into virtual servers and their real servers. */
export function parseIpvsadm(text: string): IpvsVirtualServer[] {
  const out: IpvsVirtualServer[] = [];
  for (const line of text.split(/\r?\n/)) {
    const vs = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)/.exec(line);
    if (vs) {
      out.push({ protocol: vs[1] as string, address: vs[2] as string, scheduler: vs[3] as string, line, realServers: [] });
      continue;
    }
    const rs = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)/.exec(line);
    const last = out[out.length - 1];
    if (rs && last && rs[1] !== 'RemoteAddress:Port') {
      last.realServers.push({ address: rs[1] as string, forward: rs[2] as string, weight: Number(rs[3]), line });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// One entry point for evidence, and the diff

export interface RulesetDiff {
  /** Lines in `after` and not in `before` (as many times as they were added), in `after` order. */
  added: string[];
  /** Lines in `before` and not in `after`, in `before` order. */
  removed: string[];
}

/** Lines as compared: trimmed, counters zeroed, dump timestamps and blank lines dropped. */
function comparableLines(text: string): string[] {
  if (/^table \S+ \S+ \{$/m.test(text)) return nftAsCommands(text);
  return text
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/^\[\d+:\d+\]\s+/, '').replace(/ \[\d+:\d+\]$/, ' [0:0]'))
    .filter((l) => l !== '' && !/^# (Generated by|Completed on) /.test(l));
}

/**
 * An nft dump as one self-contained line per object, in nft's own command syntax:
 * `add chain ip kube-proxy NAME`, `add rule ip kube-proxy CHAIN RULE`,
 * `add set ip kube-proxy NAME { PROPS }`, `add element ip kube-proxy SET { ELEMENT }`.
 * Element lists are printed several to a line in hash order, so this is what a diff compares.
 */
export function nftAsCommands(text: string): string[] {
  const dump = parseNftRuleset(text);
  const out: string[] = dump.tables.map((t) => `add table ${t.family} ${t.name}`);
  for (const s of dump.sets) {
    const t = `${s.family} ${s.table}`;
    out.push(`add ${s.kind} ${t} ${s.name} { ${s.props.join(' ; ')} }`);
    for (const e of s.elements) out.push(`add element ${t} ${s.name} { ${e} }`);
  }
  for (const c of dump.chains) {
    const t = `${c.family} ${c.table}`;
    out.push(`add chain ${t} ${c.name}`);
    for (const r of c.rules) out.push(`add rule ${t} ${c.name} ${r}`);
  }
  return out;
}

/**
 * Which lines appeared and disappeared between two dumps of the same tool (iptables-save or
 * nft), compared as multisets of lines so reordering alone is no change. nft dumps are
 * compared in the one-line-per-object form of `nftAsCommands`, so an added map element or
 * rule shows as one line that names its map or chain.
 */
export function diffRulesets(before: string, after: string): RulesetDiff {
  const a = comparableLines(before);
  const b = comparableLines(after);
  const count = (xs: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const take = (xs: string[], others: Map<string, number>): string[] => {
    const left = new Map(others);
    const out: string[] = [];
    for (const x of xs) {
      const n = left.get(x) ?? 0;
      if (n > 0) left.set(x, n - 1);
      else out.push(x);
    }
    return out;
  };
  return { added: take(b, count(a)), removed: take(a, count(b)) };
}

/**
 * The added lines that concern one address (e.g. an external IP): those that mention it, and
 * the added chains they lead to with their rules (`-j KUBE-EXT-...` in iptables,
 * `goto external-...` in nft) — "the rules that appeared for the external IP".
 */
export function addedRulesFor(diff: RulesetDiff, address: string): string[] {
  const mentions = (l: string): boolean => new RegExp(`(^|[^0-9.])${address.replace(/[.]/g, '\\.')}([^0-9]|$)`).test(l);
  const picked = new Set(diff.added.filter(mentions));
  const queue = [...picked];
  while (queue.length) {
    const line = queue.pop() as string;
    const targets = [...line.matchAll(/(?:-j|-g|goto|jump) (\S+)/g)].map((m) => m[1] as string);
    for (const t of targets) {
      for (const l of diff.added) {
        if (picked.has(l)) continue;
        const declares = l.startsWith(`:${t} `) || /^add chain \S+ \S+ (\S+)$/.exec(l)?.[1] === t;
        const inChain = l.startsWith(`-A ${t} `) || /^add rule \S+ \S+ (\S+) /.exec(l)?.[1] === t;
        if (declares || inChain) {
          picked.add(l);
          queue.push(l);
        }
      }
    }
  }
  return diff.added.filter((l) => picked.has(l));
}
