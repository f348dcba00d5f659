import { iptables } from './iptables.ts';
import type { Implementation } from './types.ts';

/**
 * A negative control: kube-proxy (iptables) with `masqueradeAll: true` SNATs every Service
 * connection, so an endpoint no longer sees the client pod's IP. The suite must catch it.
 */
export const iptablesMasqueradeAll: Implementation = {
  ...iptables,
  name: 'iptables-masquerade-all',
  title: 'kube-proxy (iptables mode, masqueradeAll: true)',
  install: { kubeProxy: { mode: 'iptables', config: { iptables: { masqueradeAll: true } } } },
  control: {
    description: 'kube-proxy with masqueradeAll: true SNATs every Service connection, so pods no longer see the client pod IP',
    mustFail: ['source-ip/clusterip-preserves-pod-ip'],
    catches: [{ caseId: 'source-ip/clusterip-preserves-pod-ip', rows: ['-> ClusterIP'], deviation: 'the endpoint sees a node address, not the client pod IP' }],
  },
};
