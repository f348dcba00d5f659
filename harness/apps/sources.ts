/** The tutorials and posts the cases come from; matrix rows are grouped by these. */
import type { CaseSource } from '../../reports/model.ts';

export const SOURCES = {
  sourceIp: { title: 'Using Source IP (Kubernetes tutorial)', url: 'https://kubernetes.io/docs/tutorials/services/source-ip/' },
  connectingApps: { title: 'Connecting Applications with Services (Kubernetes tutorial)', url: 'https://kubernetes.io/docs/tutorials/services/connect-applications-service/' },
  termination: { title: 'Explore Termination Behavior for Pods and their Endpoints (Kubernetes tutorial)', url: 'https://kubernetes.io/docs/tutorials/services/pods-and-endpoint-termination-flow/' },
  service: { title: 'Service (Kubernetes concepts: NodePort, ExternalIP, LoadBalancer)', url: 'https://kubernetes.io/docs/concepts/services-networking/service/' },
  virtualIps: { title: 'Virtual IPs and Service Proxies (Kubernetes reference)', url: 'https://kubernetes.io/docs/reference/networking/virtual-ips/' },
  kubeProxy: { title: 'kube-proxy (Kubernetes reference)', url: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/' },
  metallb: { title: 'MetalLB L2 mode and externalTrafficPolicy', url: 'https://metallb.universe.tf/usage/#traffic-policies' },
} as const satisfies Record<string, CaseSource>;
