/**
 * How kube-proxy's three dataplanes are read: the dump commands, the Service excerpt, and the
 * balancing shape. Shared by the kube-proxy implementations in this folder.
 */
import { iptablesProbabilityShape, ipvsRealServersShape, nftVmapShape, observeIptablesShape, observeIpvsShape, observeNftShape } from '../probes/balancing.ts';
import { dumpWith, type ServiceSelector } from '../probes/dataplane.ts';
import { iptablesServiceRules, nftServiceRules, parseIpvsadm, type ServiceRef } from '../probes/rules.ts';
import type { Dataplane, ReleaseChange } from './types.ts';

const ref = (s: ServiceSelector): ServiceRef => ({ namespace: s.namespace, name: s.name, ...(s.port !== undefined ? { port: s.port } : {}) });

export const IPTABLES_DATAPLANE: Dataplane = {
  tool: 'iptables-save',
  dump: (node) => dumpWith(node, 'iptables-save', [['iptables-save']]),
  serviceRules: (dump, svc) => iptablesServiceRules(dump, ref(svc)).text,
  balancing: { expected: iptablesProbabilityShape, observe: (dump, svc) => observeIptablesShape(dump, ref(svc)) },
};

/**
 * iptables mode on a dual-stack node: kube-proxy programs IPv4 Services in iptables and IPv6
 * Services in ip6tables (same chain layout), so the dump is both, one after the other.
 */
export const IPTABLES_DUAL_DATAPLANE: Dataplane = {
  ...IPTABLES_DATAPLANE,
  tool: 'iptables-save + ip6tables-save',
  dump: (node) => dumpWith(node, 'iptables-save + ip6tables-save', [['iptables-save'], ['ip6tables-save']]),
};

export const NFTABLES_DATAPLANE: Dataplane = {
  tool: 'nft list table ip kube-proxy',
  dump: (node) => dumpWith(node, 'nft list table ip kube-proxy', [['nft', 'list', 'table', 'ip', 'kube-proxy']]),
  serviceRules: (dump, svc) => nftServiceRules(dump, ref(svc)).text,
  balancing: { expected: nftVmapShape, observe: (dump, svc) => observeNftShape(dump, ref(svc)) },
};

/** ipvs: virtual servers are found by address (`ip:port`), the rest lives in iptables. */
export const IPVS_DATAPLANE: Dataplane = {
  tool: 'ipvsadm -Ln + iptables-save',
  dump: (node) => dumpWith(node, 'ipvsadm -Ln + iptables-save', [['ipvsadm', '-Ln'], ['iptables-save']]),
  serviceRules(dump, svc) {
    const ipt = iptablesServiceRules(dump, ref(svc)).text;
    const want = new Set(svc.addresses ?? []);
    const ipvs = parseIpvsadm(dump)
      .filter((v) => want.has(v.address))
      .flatMap((v) => [v.line, ...v.realServers.map((r) => r.line)]);
    return [ipvs.length ? ['# ipvsadm -Ln', ...ipvs].join('\n') : '', ipt].filter(Boolean).join('\n');
  },
  balancing: { expected: ipvsRealServersShape, observe: (dump, svc) => observeIpvsShape(dump, svc.vip) },
};

/** Sources for kube-proxy's declared behaviour. */
export const KUBE_PROXY_SOURCES = {
  virtualIps: 'https://kubernetes.io/docs/reference/networking/virtual-ips/',
  nftablesKep: 'https://github.com/kubernetes/enhancements/tree/master/keps/sig-network/3866-nftables-proxy',
  ipvsNoLocalhost: 'https://github.com/kubernetes/kubernetes/pull/101023',
  /** "Handle traffic that loops back to the originator with SNAT": each endpoint chain masquerades its own pod's address. */
  iptablesHairpin: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/iptables/proxier.go',
  nftablesHairpin: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/nftables/proxier.go',
  /** ipvs: the KUBE-LOOP-BACK ipset (endpoint ip,port,ip) is masqueraded. */
  ipvsHairpin: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/ipvs/proxier.go',
  /** "masquerade traffic for <svc> external destinations" in the external-traffic chain when the policy is not Local. */
  iptablesExternalMasq: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/iptables/proxier.go',
  nftablesExternalMasq: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/nftables/proxier.go',
  /** ipvs: KUBE-LOAD-BALANCER / KUBE-EXTERNAL-IP jump to KUBE-MARK-MASQ unless the policy is Local. */
  ipvsExternalMasq: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/ipvs/proxier.go',
  /** iptables: "masquerade LOCAL traffic for <svc> LB IP" then the cluster-wide chain, for Local policy too. */
  iptablesLocalVipShortCircuit: 'https://github.com/kubernetes/kubernetes/pull/77523',
  /** ipvs: the same short-circuit for Local policy (kubernetes#93456). */
  ipvsLocalVipShortCircuit: 'https://github.com/kubernetes/kubernetes/issues/93456',
  /** nftables: filter-output moved after DNAT, so local traffic to external addresses is short-circuited (v1.34.0). */
  nftablesLocalVipShortCircuit: 'https://github.com/kubernetes/kubernetes/pull/132456',
  /** The health server answers with json.Marshal of its status: RFC 3339 times. */
  healthzJson: 'https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/proxy/healthcheck/proxy_health.go',
};

/** Facts that kube-proxy releases changed (harness/implementations/release.ts applies them to version columns). */
export const KUBE_PROXY_RELEASE_CHANGES = {
  /**
   * Before v1.33.0, /healthz and /livez printed `{"lastUpdated": "<time.String()>", ...}` (e.g.
   * `2026-12-01 05:45:04.41 +0000 UTC m=+411.38`); v1.33.0 marshals its status (RFC 3339).
   * Observed: nftables@v1.32 (v1.32.13), bench/results/versions.json.
   */
  healthzTimesRfc3339: {
    fact: 'healthzTimesRfc3339',
    since: 'v1.33.0',
    before: false,
    source: 'https://github.com/kubernetes/kubernetes/pull/129271 (CHANGELOG-1.33: "kube-proxy extends the schema of its healthz/ and livez/ endpoints")',
  },
  /**
   * nftables before v1.33.6 (and before v1.34.0 on master) filtered a node's own traffic to
   * external addresses before DNAT, so a Local-policy VIP without a local endpoint was dropped
   * (kubernetes#131765). Observed: nftables@v1.32 (v1.32.13), bench/results/versions.json.
   */
  nftablesLocalVipShortCircuit: {
    fact: 'nodeTrafficToLocalPolicyVipServed',
    since: 'v1.33.6',
    before: false,
    source: 'https://github.com/kubernetes/kubernetes/pull/133969 (CHANGELOG-1.33, v1.33.6: backport of #132456, in v1.34.0: "Previously, such traffic was dropped")',
  },
} satisfies Record<string, ReleaseChange>;
