/**
 * Preflight for an existing cluster: before any case runs, each thing the suite relies on is
 * checked in order, and the first that is missing becomes one actionable line (no case is
 * run, nothing is created). Every network step is bounded so the whole check ends within
 * PREFLIGHT_BUDGET_MS.
 */
import { readFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';

export const PREFLIGHT_BUDGET_MS = 5_000;

export class PreflightFailure extends Error {
  override name = 'PreflightFailure';
}

export interface PreflightFacts {
  server: string;
  nodes: string[];
  /** kube-proxy's DaemonSet, when there is one. */
  kubeProxy?: { namespace: string; name: string };
  lbProvider: 'metallb' | 'none';
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

export async function preflight(file: string, declared: { lbProvider?: string } = {}): Promise<PreflightFacts> {
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
  return {
    server,
    nodes: nodes.map((n) => n.metadata?.name ?? '?'),
    ...(ds ? { kubeProxy: { namespace: ds.metadata?.namespace ?? '', name: ds.metadata?.name ?? '' } } : {}),
    lbProvider,
  };
}

function apiMessage(e: unknown): string {
  const err = e as { code?: number | string; message?: string; body?: unknown };
  const code = err.code !== undefined ? `${err.code} ` : '';
  return `${code}${(err.message ?? String(e)).split('\n')[0]}`.slice(0, 300);
}
