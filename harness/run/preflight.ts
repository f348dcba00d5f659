/**
 * Preflight for an existing cluster: before any case runs, each thing the suite relies on is
 * checked in order, and the first that is missing becomes one actionable line (no case is
 * run, nothing is created). Every network step is bounded so the whole check ends within
 * PREFLIGHT_BUDGET_MS.
 */
import { readFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import { containerRunning } from '../../clusters/docker.ts';
import { nodeAccessNamespace, type NodeAccessKind } from '../probes/node-access.ts';

export const PREFLIGHT_BUDGET_MS = 5_000;

/** What is missing, one line each (`message` joins them). */
export class PreflightFailure extends Error {
  override name = 'PreflightFailure';
  readonly lines: string[];
  constructor(lines: string | string[]) {
    const all = typeof lines === 'string' ? [lines] : lines;
    super(all.join('\n'));
    this.lines = all;
  }
}

/** One right the pod path of node access needs (harness/probes/node-access-pod.ts). */
export interface NeededRight {
  verb: string;
  resource: string;
  subresource?: string;
  /** Absent: cluster scope. */
  namespace?: string;
  why: string;
}

/**
 * The rights of the pod path: its own namespace (created and deleted per run), pods in it
 * (created, watched until ready), exec into them (`create` for SPDY/POST, `get` for the
 * WebSocket upgrade that @kubernetes/client-node uses).
 */
export function podPathRights(ns: string = nodeAccessNamespace()): NeededRight[] {
  return [
    { verb: 'create', resource: 'namespaces', why: 'to create its namespace for the node access pods' },
    { verb: 'delete', resource: 'namespaces', why: 'to remove that namespace at the end' },
    { verb: 'create', resource: 'pods', namespace: ns, why: 'to start one hostNetwork/hostPID pod per node' },
    { verb: 'watch', resource: 'pods', namespace: ns, why: 'to wait until the node access pods are ready' },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns, why: 'to run probes in the node access pods' },
    { verb: 'get', resource: 'pods', subresource: 'exec', namespace: ns, why: 'to run probes over a WebSocket exec' },
  ];
}

function rightText(r: NeededRight): string {
  return `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}${r.namespace ? ` in namespace ${r.namespace}` : ' (cluster scope)'}`;
}

export interface PreflightFacts {
  server: string;
  nodes: string[];
  /** kube-proxy's DaemonSet, when there is one. */
  kubeProxy?: { namespace: string; name: string };
  lbProvider: 'metallb' | 'none';
  /** The node access the run will use (auto resolved). */
  nodeAccess: NodeAccessKind;
}

export interface PreflightOptions {
  lbProvider?: string;
  /** docker, pod or auto (docker when every node is a running container on this host). */
  nodeAccess?: NodeAccessKind | 'auto';
  /** Whether a node is a container on this host (default: docker inspect). */
  isContainer?: (node: string) => Promise<boolean>;
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new PreflightFailure(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** Parses the file as a kubeconfig with a current context and a server (no network). */
export async function loadKubeconfig(file: string): Promise<k8s.KubeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PreflightFailure(`kubeconfig ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (e) {
    throw new PreflightFailure(`kubeconfig ${file} is not a kubeconfig: ${(e as Error).message.split('\n')[0]}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!kc.getCurrentContext() || !cluster?.server) throw new PreflightFailure(`kubeconfig ${file} has no current context with a cluster server (kubectl config current-context)`);
  return kc;
}

export async function preflight(file: string, declared: PreflightOptions = {}): Promise<PreflightFacts> {
  const start = Date.now();
  const left = () => Math.max(500, PREFLIGHT_BUDGET_MS - (Date.now() - start));
  const kc = await loadKubeconfig(file);
  const server = kc.getCurrentCluster()?.server ?? '';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let nodes: k8s.V1Node[];
  try {
    nodes = (await bounded(core.listNode(), left(), `API server ${server}`)).items;
  } catch (e) {
    if (e instanceof PreflightFailure) throw e;
    throw new PreflightFailure(`API server ${server} cannot list nodes: ${apiMessage(e)}`);
  }
  if (!nodes.length) throw new PreflightFailure(`the cluster at ${server} has no nodes`);
  const daemonSets = await bounded(apps.listDaemonSetForAllNamespaces({ labelSelector: 'k8s-app=kube-proxy' }), left(), 'listing DaemonSets').catch((e: unknown) => {
    if (e instanceof PreflightFailure) throw e;
    throw new PreflightFailure(`cannot list DaemonSets to find kube-proxy: ${apiMessage(e)}`);
  });
  const ds = daemonSets.items[0];
  if (!ds) throw new PreflightFailure('no kube-proxy DaemonSet (label k8s-app=kube-proxy) in the cluster: this suite validates kube-proxy (or a replacement declared as an implementation); is this the right cluster?');
  let lbProvider: PreflightFacts['lbProvider'] = 'none';
  if (declared.lbProvider === 'none') lbProvider = 'none';
  else {
    const ns = await bounded(core.readNamespace({ name: 'metallb-system' }), left(), 'looking for MetalLB').catch((e: unknown) => {
      if (e instanceof PreflightFailure) throw e;
      return undefined;
    });
    if (ns) lbProvider = 'metallb';
    else if (declared.lbProvider === 'metallb') throw new PreflightFailure('KPC_LB_PROVIDER=metallb, but the cluster has no metallb-system namespace: install MetalLB or declare KPC_LB_PROVIDER=none');
  }
  const names = nodes.map((n) => n.metadata?.name ?? '?');
  let nodeAccess: NodeAccessKind = declared.nodeAccess === 'auto' || declared.nodeAccess === undefined ? 'docker' : declared.nodeAccess;
  if (declared.nodeAccess === 'auto' || declared.nodeAccess === undefined) {
    const isContainer = declared.isContainer ?? containerRunning;
    const here = await bounded(Promise.all(names.map((n) => isContainer(n))), left(), 'looking for the nodes as containers on this host');
    nodeAccess = here.every(Boolean) ? 'docker' : 'pod';
  }
  if (nodeAccess === 'pod') await checkRights(kc, podPathRights(), left);
  return {
    server,
    nodes: names,
    ...(ds ? { kubeProxy: { namespace: ds.metadata?.namespace ?? '', name: ds.metadata?.name ?? '' } } : {}),
    lbProvider,
    nodeAccess,
  };
}

/** SelfSubjectAccessReview for every right at once; each refused one is a line of the failure. */
async function checkRights(kc: k8s.KubeConfig, rights: NeededRight[], left: () => number): Promise<void> {
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const answers = await bounded(
    Promise.all(
      rights.map(async (r) => {
        try {
          const review = await authz.createSelfSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: { resourceAttributes: { verb: r.verb, resource: r.resource, ...(r.subresource ? { subresource: r.subresource } : {}), ...(r.namespace ? { namespace: r.namespace } : {}) } },
            },
          });
          return review.status?.allowed ? undefined : `node access pods need the right to ${rightText(r)} ${r.why}; refused${review.status?.reason ? ` (${review.status.reason})` : ''}`;
        } catch (e) {
          return `node access pods: cannot ask whether it may ${rightText(r)} (SelfSubjectAccessReview: ${apiMessage(e)})`;
        }
      }),
    ),
    left(),
    'checking the rights of the node access pods (SelfSubjectAccessReview)',
  );
  const missing = answers.filter((a): a is string => a !== undefined);
  if (missing.length) throw new PreflightFailure(missing);
}

function apiMessage(e: unknown): string {
  const err = e as { code?: number | string; message?: string; body?: unknown };
  const code = err.code !== undefined ? `${err.code} ` : '';
  return `${code}${(err.message ?? String(e)).split('\n')[0]}`.slice(0, 300);
}
