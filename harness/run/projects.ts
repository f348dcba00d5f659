/**
 * The columns of the conformance matrix: one Playwright project per proxy mode or
 * implementation, generated from this one table. What differs between modes lives in
 * `behaviour` (declared facts from upstream docs) — tests never branch on the mode name.
 */
export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';

/** Declared per-mode facts that expectations refer to. */
export interface ModeBehaviour {
  /** NodePorts answer on 127.0.0.1 of the node (iptables/ipvs: yes via route_localnet; nftables: no, KEP-3866). */
  nodePortOnLocalhost: boolean;
  /** How the ruleset of this mode is dumped for evidence. */
  rulesDump: 'iptables-save' | 'nft' | 'ipvsadm+iptables-save';
  /** What the kernel must provide for the mode to run at all. */
  kernelNeeds: readonly ('ip_vs' | 'nf_tables' | 'iptables')[];
}

export const MODE_BEHAVIOUR: Record<ProxyMode, ModeBehaviour> = {
  iptables: { nodePortOnLocalhost: true, rulesDump: 'iptables-save', kernelNeeds: ['iptables'] },
  nftables: { nodePortOnLocalhost: false, rulesDump: 'nft', kernelNeeds: ['nf_tables'] },
  ipvs: { nodePortOnLocalhost: true, rulesDump: 'ipvsadm+iptables-save', kernelNeeds: ['ip_vs', 'iptables'] },
};

export interface ProjectSpec {
  /** Column name, also the Playwright project name. */
  name: string;
  /** The mode to create the cluster with; `detect` for an existing cluster (read from kube-proxy). */
  proxyMode: ProxyMode | 'detect';
  implementation: string;
  /** Extra kube-proxy settings for this column. */
  kubeProxy?: { masqueradeAll?: boolean };
  lbProvider: 'metallb' | 'cloud-provider-kind' | 'none';
  /** A negative control: the suite must report these cases as failed here. */
  control?: { description: string; mustFail: readonly string[] };
}

export const PROJECTS: readonly ProjectSpec[] = [
  { name: 'iptables', proxyMode: 'iptables', implementation: 'kube-proxy', lbProvider: 'metallb' },
  { name: 'nftables', proxyMode: 'nftables', implementation: 'kube-proxy', lbProvider: 'metallb' },
  { name: 'ipvs', proxyMode: 'ipvs', implementation: 'kube-proxy', lbProvider: 'metallb' },
  {
    name: 'iptables-masquerade-all',
    proxyMode: 'iptables',
    implementation: 'kube-proxy',
    lbProvider: 'metallb',
    kubeProxy: { masqueradeAll: true },
    control: {
      description: 'kube-proxy with masqueradeAll: true SNATs every Service connection, so pods no longer see the client pod IP',
      mustFail: ['source-ip/clusterip-preserves-pod-ip'],
    },
  },
];

/**
 * The projects of this run. With KUBECONFIG_UNDER_TEST (or --kubeconfig) there is one column
 * for the existing cluster: its proxy mode is declared (KPC_PROXY_MODE) or read from kube-proxy,
 * its name is KPC_IMPLEMENTATION (default `under-test`).
 */
export function selectedProjects(env: NodeJS.ProcessEnv = process.env): ProjectSpec[] {
  if (env.KUBECONFIG_UNDER_TEST) {
    const declared = env.KPC_PROXY_MODE || undefined;
    if (declared !== undefined && !isProxyMode(declared)) throw new Error(`KPC_PROXY_MODE must be iptables, nftables or ipvs, not "${declared}"`);
    return [
      {
        name: env.KPC_IMPLEMENTATION ?? 'under-test',
        proxyMode: declared ?? 'detect',
        implementation: env.KPC_IMPLEMENTATION ?? 'existing cluster',
        lbProvider: (env.KPC_LB_PROVIDER as ProjectSpec['lbProvider'] | undefined) ?? 'metallb',
      },
    ];
  }
  const wanted = env.KPC_PROJECTS?.split(',').map((x) => x.trim()).filter(Boolean);
  if (!wanted) return [...PROJECTS];
  return wanted.map(projectByName);
}

export function isProxyMode(s: string): s is ProxyMode {
  return s === 'iptables' || s === 'nftables' || s === 'ipvs';
}

export function projectByName(name: string): ProjectSpec {
  const p = PROJECTS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown project "${name}"; known: ${PROJECTS.map((x) => x.name).join(', ')}`);
  return p;
}
