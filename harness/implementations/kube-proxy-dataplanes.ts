/**
 * How kube-proxy's three dataplanes are read: the dump commands, the Service excerpt, and the
 * balancing shape. Shared by the kube-proxy implementations in this folder.
 */
import { iptablesProbabilityShape, ipvsRealServersShape, nftVmapShape, observeIptablesShape, observeIpvsShape, observeNftShape } from '../probes/balancing.ts';
import { dumpWith, type ServiceSelector } from '../probes/dataplane.ts';
import { iptablesServiceRules, nftServiceRules, parseIpvsadm, type ServiceRef } from '../probes/rules.ts';
import type { Dataplane } from './types.ts';

const ref = (s: ServiceSelector): ServiceRef => ({ namespace: s.namespace, name: s.name, ...(s.port !== undefined ? { port: s.port } : {}) });

export const IPTABLES_DATAPLANE: Dataplane = {
  tool: 'iptables-save',
  dump: (node) => dumpWith(node, 'iptables-save', [['iptables-save']]),
  serviceRules: (dump, svc) => iptablesServiceRules(dump, ref(svc)).text,
  balancing: { expected: iptablesProbabilityShape, observe: (dump, svc) => observeIptablesShape(dump, ref(svc)) },
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
};
