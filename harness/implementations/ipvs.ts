import { KUBE_PROXY_RELEASE_CHANGES, IPVS_DATAPLANE, KUBE_PROXY_SOURCES } from './kube-proxy-dataplanes.ts';
import type { Implementation } from './types.ts';

/**
 * kube-proxy in ipvs mode. Localhost NodePorts never worked in ipvs mode and were disabled
 * upstream (kubernetes PR #101023). Needs kernel IP_VS; where it is missing the cluster is not
 * created and every case is skipped with that reason (clusters/cluster.ts).
 */
export const ipvs: Implementation = {
  name: 'ipvs',
  title: 'kube-proxy (ipvs mode)',
  reportedMode: 'ipvs',
  install: { kubeProxy: { mode: 'ipvs' } },
  behaviour: { nodePortOnLocalhost: false, hairpinMasqueraded: true, externalDestinationMasqueradedForClusterPolicy: true, nodeTrafficToLocalPolicyVipServed: true, externalClusterTrafficMasqueradedForLocalEndpoint: true, healthzServesLivez: true, healthzTimesRfc3339: true },
  behaviourSources: {
    nodePortOnLocalhost: KUBE_PROXY_SOURCES.ipvsNoLocalhost,
    hairpinMasqueraded: KUBE_PROXY_SOURCES.ipvsHairpin,
    externalDestinationMasqueradedForClusterPolicy: KUBE_PROXY_SOURCES.ipvsExternalMasq,
    nodeTrafficToLocalPolicyVipServed: KUBE_PROXY_SOURCES.ipvsLocalVipShortCircuit,
    externalClusterTrafficMasqueradedForLocalEndpoint: KUBE_PROXY_SOURCES.ipvsExternalMasq,
    healthzServesLivez: KUBE_PROXY_SOURCES.healthzJson,
    healthzTimesRfc3339: KUBE_PROXY_SOURCES.healthzJson,
  },
  releaseChanges: [KUBE_PROXY_RELEASE_CHANGES.healthzTimesRfc3339],
  dataplane: IPVS_DATAPLANE,
};
