import { iptablesDual } from './iptables-dual.ts';
import type { Implementation } from './types.ts';

/**
 * A negative control for the dual-stack column: kube-proxy (iptables) with `masqueradeAll: true`
 * on a dual-stack cluster SNATs every Service connection of both families. The IPv6 rows must
 * catch it as well as the IPv4 ones: proof that the ` [IPv6]` rows can fail.
 */
export const iptablesDualMasqueradeAll: Implementation = {
  ...iptablesDual,
  name: 'iptables-dual-masquerade-all',
  title: 'kube-proxy (iptables mode, dual-stack cluster, masqueradeAll: true)',
  install: { kubeProxy: { mode: 'iptables', config: { iptables: { masqueradeAll: true } } }, ipFamily: 'dual' },
  optIn: 'the negative control of iptables-dual: its IPv6 rows must turn red; needs IPv6 in the kernel',
  cases: undefined,
  control: {
    description: 'kube-proxy with masqueradeAll: true on a dual-stack cluster SNATs every Service connection of both families, so pods no longer see the client pod IP',
    mustFail: ['source-ip/clusterip-preserves-pod-ip'],
    catches: [
      {
        caseId: 'source-ip/clusterip-preserves-pod-ip',
        rows: ['/-> ClusterIP$/', '/-> ClusterIP \\[IPv6\\]$/'],
        deviation: 'the endpoint sees a node address, not the client pod IP, over IPv4 and over IPv6',
      },
    ],
  },
};
