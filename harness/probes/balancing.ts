/**
 * Balancing shapes: how a kube-proxy ruleset spreads one Service port over its endpoints, read
 * from a dump (pure; the kube-proxy implementations use these for their `balancing` facts).
 */
import { iptablesServiceRules, nftServiceRules, parseIpvsadm, type ServiceRef } from './rules.ts';
import type { BalancingShape } from './dataplane.ts';

/** `1/k` when p is 1/k (iptables prints 0.20000000019 for 1/5), else the number itself. */
export function fractionText(p: number | undefined): string {
  if (p === undefined) return 'none';
  const k = Math.round(1 / p);
  return k > 0 && Math.abs(p - 1 / k) < 1e-6 ? `1/${k}` : String(p);
}

/** iptables: the KUBE-SVC chain's endpoint rules and their `--probability`, in order. */
export function iptablesProbabilityShape(n: number): string {
  const ps = Array.from({ length: n }, (_, i) => (i === n - 1 ? 'none' : `1/${n - i}`));
  return `${n} endpoint rules in KUBE-SVC, --probability ${ps.join(', ')}`;
}

export function observeIptablesShape(dump: string, svc: ServiceRef): BalancingShape {
  const port = iptablesServiceRules(dump, svc).ports.find((p) => p.clusterChain);
  const eps = port?.endpoints ?? [];
  if (!port) return { shape: 'no KUBE-SVC chain for the Service', targets: [] };
  return { shape: `${eps.length} endpoint rules in KUBE-SVC, --probability ${eps.map((e) => fractionText(e.probability)).join(', ')}`, targets: eps.map((e) => e.dnat ?? '?').sort() };
}

/** nftables: the service chain's `numgen random mod N vmap` and its entries. */
export function nftVmapShape(n: number): string {
  return `numgen random mod ${n} vmap with ${n} entries (${Array.from({ length: n }, (_, i) => i).join(',')})`;
}

export function observeNftShape(dump: string, svc: ServiceRef): BalancingShape {
  const port = nftServiceRules(dump, svc).ports.find((p) => p.serviceChain);
  if (!port) return { shape: 'no service chain for the Service', targets: [] };
  if (port.endpointCount === undefined) return { shape: `no numgen vmap in ${port.serviceChain}`, targets: [] };
  const idx = port.endpoints.map((e) => e.index).sort((a, b) => a - b);
  return { shape: `numgen random mod ${port.endpointCount} vmap with ${port.endpoints.length} entries (${idx.join(',')})`, targets: port.endpoints.map((e) => e.dnat ?? '?').sort() };
}

/** ipvs: the virtual server of ClusterIP:port and its real servers. */
export function ipvsRealServersShape(n: number): string {
  return `virtual server with ${n} real servers`;
}

export function observeIpvsShape(dump: string, vip: string): BalancingShape {
  const vs = parseIpvsadm(dump).find((v) => v.protocol === 'TCP' && v.address === vip);
  if (!vs) return { shape: `no virtual server ${vip}`, targets: [] };
  return { shape: `virtual server with ${vs.realServers.length} real servers`, targets: vs.realServers.map((r) => r.address).sort() };
}

