import { ciliumDump, ciliumIdentity, ciliumRandomShape, ciliumServiceRules, observeCiliumShape } from './cilium-dataplane.ts';
import { ANSWERS_WITH_CLIENT_IP, UNANSWERED } from '../judge/expectations.ts';
import type { Implementation } from './types.ts';

/**
 * Not translated: the connection leaves for an address nobody on the kind network has; curl
 * times out or hears "unreachable", as the node's neighbour cache decides (seen: both).
 */
const NOT_REACHED = UNANSWERED;

/** Where Cilium v1.20.2 (the pinned release, clusters/build/cilium/versions.json) documents each fact. */
const V = 'https://github.com/cilium/cilium/blob/v1.20.2';
export const CILIUM_SOURCES = {
  /** "the NodePort service can be accessed by default from a host or a pod within a cluster via its public, any local ... or loopback address, e.g. 127.0.0.1:NODE_PORT" */
  nodePortLoopback: `${V}/Documentation/network/kubernetes/kubeproxy-free.rst#nodeport-devices-port-and-bind-settings`,
  /** ServiceLoopbackIPv4: "the source address used for SNAT when a Pod talks to itself over a Service"; 169.254.42.1 by default. */
  serviceLoopback: `${V}/pkg/node/table.go`,
  serviceLoopbackDefault: `${V}/daemon/infraendpoints/cell.go`,
  /**
   * "Client Source IP Preservation": SNAT only where the client's address would otherwise be
   * lost on its path, and in-cluster traffic (pods, nodes) is translated where it starts, without
   * SNAT, to all endpoints, also for externalTrafficPolicy Local.
   */
  sourcePreservation: `${V}/Documentation/network/kubernetes/kubeproxy-free.rst#client-source-ip-preservation`,
  /** nodeport_lb4: a request for a backend on this node is passed on after DNAT only; only "TX request to remote backend" goes through SNAT. */
  nodeportLocalBackend: `${V}/bpf/lib/nodeport.h`,
  /** "By default Cilium uses special ExternalIP mitigation for CVE-2020-8554 ... This may affect connectivity targeted to ExternalIP on the same cluster." */
  externalIpMitigation: `${V}/Documentation/network/kubernetes/kubeproxy-free.rst#direct-server-return-dsr`,
  /** sock4_skip_xlate: a host's connect() to an external IP that is not an address of a node is not translated (the mitigation). */
  externalIpSocketSkip: `${V}/bpf/bpf_sock.c`,
  /** The KPR health server prints `{"lastUpdated": %q,"currentTime": %q}` of two time.Time values: Go's time.String() form. */
  healthz: `${V}/daemon/healthz/kube_proxy_healthz.go`,
  /** "The health check server is accessible via the HTTP /healthz endpoint." */
  healthzDoc: `${V}/Documentation/network/kubernetes/kubeproxy-free.rst#kube-proxy-replacement-health-check-server`,
};

/**
 * Cilium as CNI and kube-proxy replacement (eBPF), built here from its Go module
 * (`npm run images -- --cilium`) and installed with our manifests (clusters/cilium/). Opt-in:
 * its build takes minutes of Go and the image is not part of `npm run images`.
 */
export const cilium: Implementation = {
  name: 'cilium',
  title: 'Cilium v1.20.2 (eBPF kube-proxy replacement)',
  reportedMode: 'cilium kube-proxy-replacement=True',
  identity: { what: 'cilium-dbg status -o json in the agent', read: ciliumIdentity },
  install: { replacement: 'cilium' },
  optIn: 'its images come from `npm run images -- --cilium` (a Go build of Cilium, docs/cilium.md), not from the default build',
  behaviour: {
    nodePortOnLocalhost: true,
    hairpinMasqueraded: false,
    externalDestinationMasqueradedForClusterPolicy: false,
    nodeTrafficToLocalPolicyVipServed: true,
    externalClusterTrafficMasqueradedForLocalEndpoint: false,
    healthzServesLivez: false,
    healthzTimesRfc3339: false,
  },
  behaviourSources: {
    nodePortOnLocalhost: CILIUM_SOURCES.nodePortLoopback,
    hairpinMasqueraded: CILIUM_SOURCES.serviceLoopback,
    externalDestinationMasqueradedForClusterPolicy: CILIUM_SOURCES.sourcePreservation,
    nodeTrafficToLocalPolicyVipServed: CILIUM_SOURCES.sourcePreservation,
    externalClusterTrafficMasqueradedForLocalEndpoint: `${CILIUM_SOURCES.nodeportLocalBackend} (nodeport_lb4), ${CILIUM_SOURCES.sourcePreservation}`,
    healthzServesLivez: `${CILIUM_SOURCES.healthz} (one handler, /healthz), ${CILIUM_SOURCES.healthzDoc}`,
    healthzTimesRfc3339: CILIUM_SOURCES.healthz,
  },
  dataplane: {
    tool: 'cilium-dbg db/show frontends + bpf lb list',
    dump: ciliumDump,
    serviceRules: ciliumServiceRules,
    balancing: { expected: ciliumRandomShape, observe: observeCiliumShape },
  },
  findings: [
    {
      caseId: 'service/no-endpoints-rejected',
      rows: ['pod -> ClusterIP of a Service without endpoints', 'outside -> nodePort of a Service without endpoints'],
      summary:
        'Cilium answers the SYN with an ICMP unreachable built in place from the SYN, whose cut to 8 bytes past the IP header the kernel refuses for a CHECKSUM_PARTIAL packet (every veth sender); the oversized reply is dropped by the receiver (IpInDiscards), so the client times out instead of being refused',
      doc: 'docs/cilium.md#what-the-catalogue-found',
    },
    {
      caseId: 'udp/nodeport-local-preserves-client-ip',
      rows: ['outside -> node without endpoint : nodePort/UDP'],
      summary:
        'a UDP NodePort with externalTrafficPolicy Local, on a node without an endpoint, answers ICMP port unreachable (the same in-place reply, which works for UDP) where kube-proxy drops; over TCP it drops, by the accident above',
      doc: 'docs/cilium.md#what-the-catalogue-found',
    },
  ],
  overrides: {
    // A pod's connection to a NodePort is translated at the pod like a ClusterIP: no SNAT.
    'nodeport/from-pod-and-node': {
      'pod -> endpoint node : nodePort': { expectation: ANSWERS_WITH_CLIENT_IP, source: CILIUM_SOURCES.sourcePreservation },
      'pod -> node without endpoint : nodePort': { expectation: ANSWERS_WITH_CLIENT_IP, source: CILIUM_SOURCES.sourcePreservation },
    },
    // The CVE-2020-8554 mitigation: a node's own connection to an external IP that no node owns
    // is left alone and goes out to the network, where nobody answers.
    'external-ip/from-inside': {
      'endpoint node -> external IP': { expectation: NOT_REACHED, source: `${CILIUM_SOURCES.externalIpMitigation}, ${CILIUM_SOURCES.externalIpSocketSkip} (sock4_skip_xlate)` },
      'node without endpoint -> external IP': { expectation: NOT_REACHED, source: `${CILIUM_SOURCES.externalIpMitigation}, ${CILIUM_SOURCES.externalIpSocketSkip} (sock4_skip_xlate)` },
    },
    'source-ip/hairpin': {
      'endpoint pod -> its own ClusterIP (hairpin)': {
        expectation: { reach: 'answers', source: { kind: 'address', address: '169.254.42.1' } },
        source: `${CILIUM_SOURCES.serviceLoopback} (ServiceLoopbackIPv4), default 169.254.42.1 in ${CILIUM_SOURCES.serviceLoopbackDefault}`,
      },
    },
  },
};
