import { iptables } from './iptables.ts';
import { IPTABLES_DUAL_DATAPLANE } from './kube-proxy-dataplanes.ts';
import type { Implementation } from './types.ts';

/**
 * kube-proxy (iptables mode) on a dual-stack kind cluster
 * (https://kubernetes.io/docs/concepts/services-networking/dual-stack/): every node has an
 * InternalIP of both families, pods have both podIPs, and kube-proxy programs iptables and
 * ip6tables. The source-IP cases run once per family (an IPv4 Service and an IPv6 Service,
 * `spec.ipFamilies`), the IPv6 rows keyed `... [IPv6]` and judged against the same expectations:
 * the facts are kube-proxy's, whichever family (docs/dualstack.md). The cluster is checked the
 * way https://kubernetes.io/docs/tasks/network/validate-dual-stack/ does (node addresses of both
 * families) before any case runs.
 */
export const iptablesDual: Implementation = {
  ...iptables,
  name: 'iptables-dual',
  title: 'kube-proxy (iptables mode, dual-stack cluster)',
  install: { kubeProxy: { mode: 'iptables' }, ipFamily: 'dual' },
  dataplane: IPTABLES_DUAL_DATAPLANE,
  optIn: 'a dual-stack cluster for the source-IP cases over IPv4 and IPv6; needs IPv6 in the kernel',
  cases: ['source-ip/clusterip-preserves-pod-ip', 'source-ip/nodeport-cluster-snat', 'source-ip/nodeport-local-preserves-client-ip', 'source-ip/hairpin'],
};
