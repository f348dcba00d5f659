/**
 * The example apps from the Kubernetes docs, as objects for server-side apply. Names follow
 * the docs (`source-ip-app`, `my-nginx`, ...). Images come from the cluster's image map
 * (public names by default, our local builds when no registry is reachable).
 */
import type { KObject } from '../probes/kube.ts';

export interface WorkloadImages {
  echo: string;
  nginx: string;
  kuard: string;
  curl: string;
}

/** The workload images plus the tools image (tcpdump, iptables, nft) for node-side probes. */
export type Images = WorkloadImages & { tools: string };

const downwardEnv = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
];

/** kind's control plane is tainted; our probes and endpoints may sit on any node. */
const tolerateControlPlane = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }];

export interface DeploymentOpts {
  ns: string;
  name: string;
  image: string;
  replicas: number;
  port: number;
  labels?: Record<string, string>;
  /** Pin every replica to these nodes (by hostname label). */
  nodes?: string[];
  /** Spread replicas one per node where possible. */
  spread?: boolean;
  env?: { name: string; value: string }[];
  /** Readiness probe on the serving port (default on). The Source IP app has none, as in the docs:
   *  kubelet's probe SYNs would otherwise mix with the probes' SYNs in the endpoint's capture. */
  readiness?: boolean;
  extra?: { terminationGracePeriodSeconds?: number; preStopSleepSec?: number; preStopUntil?: PreStopUntil; volumes?: unknown[]; volumeMounts?: unknown[]; readinessPath?: string; scheme?: 'HTTP' | 'HTTPS'; command?: string[]; protocol?: 'TCP' | 'UDP' };
}

/**
 * A preStop that sleeps at least `preStopSleepSec`, then on until `marker` exists in the
 * container (the harness creates it) or `maxSec` have passed: a terminating phase that lasts
 * until something the case needs has happened, on a slow machine too.
 */
export interface PreStopUntil {
  marker: string;
  maxSec: number;
}

/** The preStop shell command: a plain sleep, or a sleep with a release marker (PreStopUntil). */
export function preStopScript(minSec: number, until?: PreStopUntil): string {
  if (!until) return `sleep ${minSec}`;
  const max = Math.max(minSec, Math.floor(until.maxSec));
  return `i=0; while [ "$i" -lt ${max} ] && { [ "$i" -lt ${minSec} ] || [ ! -e '${until.marker}' ]; }; do sleep 1; i=$((i+1)); done`;
}

export function deployment(o: DeploymentOpts): KObject {
  const labels = o.labels ?? { app: o.name };
  const affinity = o.nodes
    ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: o.nodes }] }] } } }
    : undefined;
  const spread = o.spread
    ? [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }]
    : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.ns, labels },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: o.extra?.terminationGracePeriodSeconds ?? 5,
          tolerations: tolerateControlPlane,
          ...(affinity ? { affinity } : {}),
          ...(spread ? { topologySpreadConstraints: spread } : {}),
          ...(o.extra?.volumes ? { volumes: o.extra.volumes } : {}),
          containers: [
            {
              name: o.name,
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              ...(o.extra?.command ? { command: o.extra.command } : {}),
              ports: [{ containerPort: o.port, ...(o.extra?.protocol ? { protocol: o.extra.protocol } : {}) }],
              env: [...downwardEnv, ...(o.env ?? [])],
              ...(o.readiness === false
                ? {}
                : {
                    readinessProbe: {
                      httpGet: { path: o.extra?.readinessPath ?? '/', port: o.port, scheme: o.extra?.scheme ?? 'HTTP' },
                      periodSeconds: 1,
                      // Not the default 1 s: under load (load average 46 in a CI rehearsal) a
                      // probe can take longer, and an endpoint flapping to unready is a set-up
                      // fault the proxy would be blamed for.
                      timeoutSeconds: 5,
                      failureThreshold: 1,
                    },
                  }),
              ...(o.extra?.volumeMounts ? { volumeMounts: o.extra.volumeMounts } : {}),
              ...(o.extra?.preStopSleepSec
                ? { lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', preStopScript(o.extra.preStopSleepSec, o.extra.preStopUntil)] } } } }
                : {}),
            },
          ],
        },
      },
    },
  };
}

/** `source-ip-app` from the "Using Source IP" tutorial: the echo server on 8080. */
export function sourceIpApp(ns: string, image: string, nodes?: string[]): KObject {
  return deployment({ ns, name: 'source-ip-app', image, replicas: nodes?.length ?? 1, port: 8080, nodes, spread: true, readiness: false });
}

/**
 * `udp-echo`: our UDP echo server (probes/udp.ts) on `port`/UDP in the tools image, which has
 * Perl; pinned to `nodes` (one replica each) or `replicas` anywhere. No readiness probe: the
 * socket is bound before the process prints, and kubelet cannot probe UDP.
 */
export function udpEchoApp(ns: string, image: string, server: string, port: number, nodes?: string[]): KObject {
  return deployment({
    ns, name: 'udp-echo', image, replicas: nodes?.length ?? 1, port, nodes, spread: true, readiness: false,
    extra: { command: ['perl', '-e', server, String(port)], protocol: 'UDP', terminationGracePeriodSeconds: 1 },
  });
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort: number;
  nodePort?: number;
  protocol?: 'TCP' | 'UDP';
}

export interface ServiceOpts {
  ns: string;
  name: string;
  selector: Record<string, string>;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  ports: ServicePort[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  externalIPs?: string[];
  labels?: Record<string, string>;
}

export function service(o: ServiceOpts): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, namespace: o.ns, labels: o.labels ?? { app: o.name } },
    spec: {
      type: o.type ?? 'ClusterIP',
      selector: o.selector,
      ports: o.ports.map((p) => ({ protocol: 'TCP', ...p })),
      ...(o.externalTrafficPolicy ? { externalTrafficPolicy: o.externalTrafficPolicy } : {}),
      ...(o.externalIPs ? { externalIPs: o.externalIPs } : {}),
    },
  };
}

/** A long-running client pod pinned to one node (the docs' `busybox`/curl pod). */
export function clientPod(ns: string, node: string, image: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: clientPodName(node), namespace: ns, labels: { app: 'kpc-client', 'kpc.node': node } },
    spec: {
      nodeName: node,
      tolerations: tolerateControlPlane,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'client', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'] }],
    },
  };
}

export function clientPodName(node: string): string {
  return `client-${node}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
}
