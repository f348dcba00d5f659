import { KUBE_PROXY_RELEASE_CHANGES, IPTABLES_DATAPLANE, KUBE_PROXY_SOURCES } from './kube-proxy-dataplanes.ts';
import type { Implementation } from './types.ts';

/** kube-proxy in iptables mode: NodePorts also answer on 127.0.0.1 (route_localnet). */
export const iptables: Implementation = {
  name: 'iptables',
  title: 'kube-proxy (iptables mode)',
  reportedMode: 'iptables',
  install: { kubeProxy: { mode: 'iptables' } },
  behaviour: { nodePortOnLocalhost: true, hairpinMasqueraded: true, externalDestinationMasqueradedForClusterPolicy: true, nodeTrafficToLocalPolicyVipServed: true, externalClusterTrafficMasqueradedForLocalEndpoint: true, healthzServesLivez: true, healthzTimesRfc3339: true },
  behaviourSources: {
    nodePortOnLocalhost: KUBE_PROXY_SOURCES.virtualIps,
    hairpinMasqueraded: KUBE_PROXY_SOURCES.iptablesHairpin,
    externalDestinationMasqueradedForClusterPolicy: KUBE_PROXY_SOURCES.iptablesExternalMasq,
    nodeTrafficToLocalPolicyVipServed: KUBE_PROXY_SOURCES.iptablesLocalVipShortCircuit,
    externalClusterTrafficMasqueradedForLocalEndpoint: KUBE_PROXY_SOURCES.iptablesExternalMasq,
    healthzServesLivez: KUBE_PROXY_SOURCES.healthzJson,
    healthzTimesRfc3339: KUBE_PROXY_SOURCES.healthzJson,
  },
  releaseChanges: [KUBE_PROXY_RELEASE_CHANGES.healthzTimesRfc3339],
  dataplane: IPTABLES_DATAPLANE,
};
