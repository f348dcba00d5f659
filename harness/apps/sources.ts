/** The tutorials and posts the cases come from; matrix rows are grouped by these. */
import type { CaseSource } from '../../reports/model.ts';

export const SOURCES = {
  sourceIp: { title: 'Using Source IP (Kubernetes tutorial)', url: 'https://kubernetes.io/docs/tutorials/services/source-ip/' },
  connectingApps: { title: 'Connecting Applications with Services (Kubernetes tutorial)', url: 'https://kubernetes.io/docs/tutorials/services/connect-applications-service/' },
  termination: { title: 'Explore Termination Behavior for Pods and their Endpoints (Kubernetes tutorial)', url: 'https://kubernetes.io/docs/tutorials/services/pods-and-endpoint-termination-flow/' },
  service: { title: 'Service (Kubernetes concepts: NodePort, ExternalIP, LoadBalancer)', url: 'https://kubernetes.io/docs/concepts/services-networking/service/' },
  virtualIps: { title: 'Virtual IPs and Service Proxies (Kubernetes reference)', url: 'https://kubernetes.io/docs/reference/networking/virtual-ips/' },
  kubeProxy: { title: 'kube-proxy (Kubernetes reference)', url: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/' },
  trafficPolicy: { title: 'Service Internal Traffic Policy (Kubernetes concepts)', url: 'https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/' },
  dnsForServices: { title: 'DNS for Services and Pods (Kubernetes concepts: headless Services)', url: 'https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/' },
  serviceApi: { title: 'Service v1 API reference (loadBalancerSourceRanges, sessionAffinityConfig)', url: 'https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/' },
  wellKnownLabels: { title: 'Well-Known Labels: service.kubernetes.io/service-proxy-name', url: 'https://kubernetes.io/docs/reference/labels-annotations-taints/#servicekubernetesioservice-proxy-name' },
  debugService: { title: 'Debug Services (Kubernetes task: a Pod fails to reach itself via the Service IP)', url: 'https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/' },
  serviceProtocols: { title: 'Protocols for Services (Kubernetes reference: UDP)', url: 'https://kubernetes.io/docs/reference/networking/service-protocols/' },
  metallb: { title: 'MetalLB L2 mode and externalTrafficPolicy', url: 'https://metallb.universe.tf/usage/#traffic-policies' },
} as const satisfies Record<string, CaseSource>;
