import { KUBE_PROXY_RELEASE_CHANGES, KUBE_PROXY_SOURCES, NFTABLES_DATAPLANE } from './kube-proxy-dataplanes.ts';
import type { Implementation } from './types.ts';

/** kube-proxy in nftables mode: NodePorts only on the node's interface addresses (KEP-3866). */
export const nftables: Implementation = {
  name: 'nftables',
  title: 'kube-proxy (nftables mode)',
  reportedMode: 'nftables',
  install: { kubeProxy: { mode: 'nftables' } },
  behaviour: { nodePortOnLocalhost: false, hairpinMasqueraded: true, externalDestinationMasqueradedForClusterPolicy: true, nodeTrafficToLocalPolicyVipServed: true, externalClusterTrafficMasqueradedForLocalEndpoint: true, healthzServesLivez: true, healthzTimesRfc3339: true },
  behaviourSources: {
    nodePortOnLocalhost: KUBE_PROXY_SOURCES.nftablesKep,
    hairpinMasqueraded: KUBE_PROXY_SOURCES.nftablesHairpin,
    externalDestinationMasqueradedForClusterPolicy: KUBE_PROXY_SOURCES.nftablesExternalMasq,
    nodeTrafficToLocalPolicyVipServed: KUBE_PROXY_SOURCES.nftablesLocalVipShortCircuit,
    externalClusterTrafficMasqueradedForLocalEndpoint: KUBE_PROXY_SOURCES.nftablesExternalMasq,
    healthzServesLivez: KUBE_PROXY_SOURCES.healthzJson,
    healthzTimesRfc3339: KUBE_PROXY_SOURCES.healthzJson,
  },
  releaseChanges: [KUBE_PROXY_RELEASE_CHANGES.healthzTimesRfc3339, KUBE_PROXY_RELEASE_CHANGES.nftablesLocalVipShortCircuit],
  dataplane: NFTABLES_DATAPLANE,
};
