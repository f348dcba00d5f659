/**
 * The registry: every implementation this suite knows, in column order. Adding one is a new
 * module in this folder plus a line here.
 */
import { cilium } from './cilium.ts';
import { iptables } from './iptables.ts';
import { iptablesDual } from './iptables-dual.ts';
import { iptablesDualMasqueradeAll } from './iptables-dual-masquerade-all.ts';
import { iptablesMasqueradeAll } from './iptables-masquerade-all.ts';
import { ipvs } from './ipvs.ts';
import { nftables } from './nftables.ts';
import type { ProxyMode } from '../../clusters/proxy-mode.ts';
import { reportedProxyMode } from '../probes/node.ts';
import type { Implementation, ProxyIdentity } from './types.ts';

export type { Implementation } from './types.ts';

export const IMPLEMENTATIONS: readonly Implementation[] = [iptables, nftables, ipvs, iptablesMasqueradeAll, iptablesDual, iptablesDualMasqueradeAll, cilium];

export function implementationByName(name: string, known: readonly Implementation[] = IMPLEMENTATIONS): Implementation {
  const hit = known.find((i) => i.name === name);
  if (!hit) throw new Error(`unknown implementation "${name}"; known: ${known.map((i) => i.name).join(', ')}`);
  return hit;
}

/** The implementation a cluster runs, recognised by what kube-proxy reports at :10249/proxyMode. */
export function implementationReporting(mode: string, known: readonly Implementation[] = IMPLEMENTATIONS): Implementation | undefined {
  return known.find((i) => !i.control && !i.optIn && i.reportedMode === mode);
}

/** kube-proxy's mode of an implementation, or `none` when a replacement runs instead. */
export function installedProxyMode(impl: Implementation): ProxyMode | 'none' {
  return impl.install.kubeProxy?.mode ?? 'none';
}

/** How to read which proxy a node runs: the implementation's own identity, else kube-proxy's /proxyMode. */
export function proxyIdentity(impl: Pick<Implementation, 'identity'>): ProxyIdentity {
  return impl.identity ?? { what: 'curl 127.0.0.1:10249/proxyMode', read: reportedProxyMode };
}
