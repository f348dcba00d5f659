/**
 * The "Connecting Applications with Services" tutorial's objects: the `my-nginx` Deployment
 * (run-my-nginx.yaml), its Service, and a curl pod inside the case's namespace (so the short
 * name `my-nginx` resolves through the pod's DNS search path, as in the tutorial).
 */
import type { CaseContext } from '../run/fixtures.ts';
import type { KObject } from '../probes/kube.ts';
import { PodRunner } from '../probes/runners.ts';
import { podsReady } from '../probes/waits.ts';
import { deployment, service, type DeploymentOpts, type ServicePort } from './workloads.ts';

export const MY_NGINX = {
  name: 'my-nginx',
  labels: { run: 'my-nginx' },
  selector: 'run=my-nginx',
  replicas: 2,
  containerPort: 80,
  /** Service port of the plain variant (run-my-nginx.yaml + `kubectl expose`: 80 -> 80). */
  servicePort: 80,
} as const;

/** run-my-nginx.yaml: 2 replicas labelled `run: my-nginx`, nginx on 80. */
export function myNginxDeployment(ns: string, image: string, replicas: number = MY_NGINX.replicas, extra?: DeploymentOpts['extra']): KObject {
  return deployment({ ns, name: MY_NGINX.name, image, replicas, port: MY_NGINX.containerPort, labels: { ...MY_NGINX.labels }, spread: true, extra });
}

export function myNginxService(ns: string, ports: ServicePort[] = [{ port: MY_NGINX.servicePort, targetPort: MY_NGINX.containerPort }], type: 'ClusterIP' | 'NodePort' = 'ClusterIP'): KObject {
  return service({ ns, name: MY_NGINX.name, selector: { ...MY_NGINX.labels }, labels: { ...MY_NGINX.labels }, ports, type });
}

export interface NamespaceCurlOpts {
  name: string;
  volumes?: unknown[];
  volumeMounts?: unknown[];
}

/** A long-running curl pod in `ns` (the tutorial's `curl-deployment` / busybox pod). */
export function namespaceCurlPod(ns: string, image: string, o: NamespaceCurlOpts): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: ns, labels: { app: o.name } },
    spec: {
      terminationGracePeriodSeconds: 0,
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      ...(o.volumes ? { volumes: o.volumes } : {}),
      containers: [
        { name: 'curl', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'], ...(o.volumeMounts ? { volumeMounts: o.volumeMounts } : {}) },
      ],
    },
  };
}

/** Applies the curl pod and returns a runner for it once it is Ready. */
export async function startNamespaceCurl(ctx: CaseContext, o: NamespaceCurlOpts): Promise<PodRunner> {
  await ctx.apply([namespaceCurlPod(ctx.ns, ctx.images.curl, o)]);
  const [pod] = await podsReady(ctx.kube, ctx.ns, `app=${o.name}`, 1);
  if (!pod) throw new Error(`curl pod ${o.name} did not become ready`);
  return new PodRunner(ctx.kube, ctx.ns, pod.name, 'curl', pod.ip, pod.node);
}

/** The shell line a pod runs to resolve a name: getent where the image has it, else nslookup. */
export function resolveCommand(name: string): string[] {
  return ['sh', '-c', `getent hosts ${name} || nslookup ${name}`];
}

/**
 * IPv4 addresses a name resolved to, from `getent hosts` (address first on each line) or
 * `nslookup` output (addresses after the "Name:" line; the server's own address comes before it).
 */
export function parseResolved(out: string): string[] {
  const ipv4 = /\b(\d{1,3}(?:\.\d{1,3}){3})\b/g;
  const nameAt = out.search(/^Name:/m);
  if (nameAt >= 0) return [...new Set([...out.slice(nameAt).matchAll(ipv4)].map((m) => m[1] ?? ''))].filter(Boolean);
  return [...new Set(out.split('\n').map((l) => /^(\d{1,3}(?:\.\d{1,3}){3})\s/.exec(l.trim())?.[1] ?? '').filter(Boolean))];
}
