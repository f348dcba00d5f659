/** Waiting for cluster state by watching (never sleeping): pods ready, endpoints, LB address. */
import { WatchStopped, type KObject, type Kube } from './kube.ts';
import { TIMEOUTS } from '../timeouts.ts';

export interface PodFact {
  name: string;
  /** status.podIP: the pod's address of the cluster's first family. */
  ip: string;
  /** status.podIPs: one address per family on a dual-stack cluster. */
  ips: string[];
  node: string;
  ready: boolean;
  labels: Record<string, string>;
}

function podFact(o: KObject): PodFact {
  const spec = o.spec as { nodeName?: string } | undefined;
  const status = o.status as { podIP?: string; podIPs?: { ip: string }[]; conditions?: { type: string; status: string }[] } | undefined;
  const ip = status?.podIP ?? '';
  return {
    name: o.metadata?.name ?? '',
    ip,
    ips: status?.podIPs?.length ? status.podIPs.map((p) => p.ip) : ip ? [ip] : [],
    node: spec?.nodeName ?? '',
    ready: status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    labels: (o.metadata?.labels as Record<string, string>) ?? {},
  };
}

/** Resolves with the pods once `count` pods matching the selector are Ready (and not terminating). */
export async function podsReady(kube: Kube, ns: string, labelSelector: string, count: number, timeoutMs: number = TIMEOUTS.workloadReady, except: readonly string[] = []): Promise<PodFact[]> {
  return kube.watchUntil(
    `/api/v1/namespaces/${ns}/pods`,
    { labelSelector },
    (objs) => {
      const ready = [...objs.values()].filter((o) => !o.metadata?.deletionTimestamp).map(podFact).filter((p) => p.ready && p.ip && !except.includes(p.name));
      return ready.length >= count ? ready.sort((a, b) => a.name.localeCompare(b.name)) : undefined;
    },
    timeoutMs,
    `${count} ready pod(s) matching ${labelSelector} in ${ns}${except.length ? ` other than ${except.join(', ')}` : ''}`,
  );
}

export interface EndpointFact {
  address: string;
  node?: string;
  pod?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export function endpointFacts(objs: Iterable<KObject>): EndpointFact[] {
  const out: EndpointFact[] = [];
  for (const slice of objs) {
    const eps = (slice as { endpoints?: { addresses: string[]; nodeName?: string; targetRef?: { name?: string }; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }[] }).endpoints ?? [];
    for (const e of eps) {
      for (const address of e.addresses) {
        out.push({
          address,
          node: e.nodeName,
          pod: e.targetRef?.name,
          ready: e.conditions?.ready ?? false,
          serving: e.conditions?.serving ?? false,
          terminating: e.conditions?.terminating ?? false,
        });
      }
    }
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/** Watches the Service's EndpointSlices until `decide` accepts the endpoint set. */
export async function endpointsUntil<T>(
  kube: Kube,
  ns: string,
  serviceName: string,
  decide: (eps: EndpointFact[]) => T | undefined,
  what: string,
  timeoutMs: number = TIMEOUTS.endpointsReady,
): Promise<T> {
  return kube.watchUntil(
    `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
    { labelSelector: `kubernetes.io/service-name=${serviceName}` },
    (objs) => decide(endpointFacts(objs.values())),
    timeoutMs,
    what,
  );
}

/**
 * Watches a Service's EndpointSlices while the caller does something else, and keeps the first
 * problem `violated` names (for example: an endpoint the case relies on went not ready, so what
 * the proxy did meanwhile says nothing about the proxy). `stop()` ends the watch and returns that
 * problem with its time since the guard started, or undefined when there was none.
 */
export function endpointGuard(kube: Kube, ns: string, serviceName: string, violated: (eps: EndpointFact[]) => string | undefined, what: string, maxMs = 10 * 60_000): { stop(): Promise<string | undefined> } {
  const ctl = new AbortController();
  const t0 = Date.now();
  const watch = kube.watchUntil(
    `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
    { labelSelector: `kubernetes.io/service-name=${serviceName}` },
    (objs) => {
      const v = violated(endpointFacts(objs.values()));
      return v === undefined ? undefined : `${v} (+${((Date.now() - t0) / 1000).toFixed(1)} s)`;
    },
    maxMs,
    what,
    ctl.signal,
  );
  const settled = watch.then(
    (v) => ({ v }),
    (e: unknown) => ({ e }),
  );
  return {
    async stop() {
      ctl.abort();
      const r = await settled;
      if ('v' in r) return r.v;
      if (r.e instanceof WatchStopped) return undefined;
      throw r.e;
    },
  };
}

export function readyEndpoints(kube: Kube, ns: string, serviceName: string, count: number): Promise<EndpointFact[]> {
  return endpointsUntil(
    kube,
    ns,
    serviceName,
    (eps) => (eps.filter((e) => e.ready).length === count ? eps : undefined),
    `${count} ready endpoint(s) for Service ${ns}/${serviceName}`,
  );
}

export interface ServiceFact {
  clusterIP: string;
  ports: { name?: string; port: number; nodePort?: number; targetPort?: number | string }[];
  lbIngress?: { ip?: string; ipMode?: string }[];
  healthCheckNodePort?: number;
}

export function serviceFact(o: KObject): ServiceFact {
  const spec = o.spec as { clusterIP: string; ports: ServiceFact['ports']; healthCheckNodePort?: number };
  const status = o.status as { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] } } | undefined;
  return { clusterIP: spec.clusterIP, ports: spec.ports, lbIngress: status?.loadBalancer?.ingress, healthCheckNodePort: spec.healthCheckNodePort };
}

/** A LoadBalancer Service's first ingress address, once the provider assigned one. */
export async function loadBalancerAddress(kube: Kube, ns: string, name: string): Promise<ServiceFact & { lbIp: string }> {
  return kube.watchUntil(
    `/api/v1/namespaces/${ns}/services`,
    { fieldSelector: `metadata.name=${name}` },
    (objs) => {
      const o = objs.values().next().value as KObject | undefined;
      if (!o) return undefined;
      const f = serviceFact(o);
      const ip = f.lbIngress?.find((i) => i.ip)?.ip;
      return ip ? { ...f, lbIp: ip } : undefined;
    },
    TIMEOUTS.lbAddress,
    `an address for LoadBalancer Service ${ns}/${name}`,
  );
}
