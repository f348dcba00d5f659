/**
 * The cluster a project runs against: a kind cluster we create (or reuse) for the project's
 * proxy mode, or an existing cluster given by kubeconfig whose proxy is whatever it runs.
 */
import { containerRunning, networkOf } from '../../clusters/docker.ts';
import { Kube } from '../probes/kube.ts';
import { implementationReporting, type Implementation } from '../implementations/index.ts';
import type { LbProvider, ProjectSpec } from './projects.ts';
import { NodeRunner } from '../probes/runners.ts';
import { reportedProxyMode } from '../probes/node.ts';

export interface NodeFact {
  name: string;
  ip: string;
  controlPlane: boolean;
  /** docker exec into the node container; absent when we cannot reach the node. */
  runner?: NodeRunner;
}

export interface ClusterUnderTest {
  source: 'kind' | 'existing';
  name: string;
  kubeconfig: string;
  kube: Kube;
  project: ProjectSpec;
  /** The implementation under test (declared, or recognised from what kube-proxy reports). */
  impl: Implementation;
  nodes: NodeFact[];
  /** The Docker network the nodes sit on; outside clients join it. */
  network?: { name: string; subnet: string };
  kubernetesVersion: string;
  nodeImage?: string;
  /** LoadBalancer provider installed, if any. */
  lbProvider: LbProvider;
}

/** A project that cannot run here at all: every case in it is skipped with this reason. */
export class ProjectUnavailable extends Error {}

export async function describeCluster(opts: {
  source: 'kind' | 'existing';
  name: string;
  kubeconfig: string;
  project: ProjectSpec;
  declared?: Implementation;
  lbProvider: ClusterUnderTest['lbProvider'];
  nodeImage?: string;
}): Promise<ClusterUnderTest> {
  const kube = new Kube(opts.kubeconfig);
  const nodes: NodeFact[] = [];
  let kubernetesVersion = '';
  for (const n of await kube.listNodes()) {
    const name = n.metadata?.name ?? '';
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    kubernetesVersion ||= n.status?.nodeInfo?.kubeletVersion ?? '';
    const controlPlane = Object.keys(n.metadata?.labels ?? {}).includes('node-role.kubernetes.io/control-plane');
    const reachable = await containerRunning(name);
    nodes.push({ name, ip, controlPlane, runner: reachable ? new NodeRunner(name, ip) : undefined });
  }
  nodes.sort((a, b) => Number(b.controlPlane) - Number(a.controlPlane) || a.name.localeCompare(b.name));
  const network = nodes[0]?.runner ? await networkOf(nodes[0].name) : undefined;
  const impl = opts.declared ?? (await detect(nodes));
  const { declared: _declared, ...rest } = opts;
  return { ...rest, kube, nodes, network, impl, kubernetesVersion };
}

/** Recognises the implementation from the first reachable node; proxy/mode-matches checks every node. */
async function detect(nodes: NodeFact[]): Promise<Implementation> {
  const n = nodes.find((x) => x.runner);
  if (!n?.runner) throw new Error('cannot recognise the proxy: no node is reachable with docker exec; declare it with --proxy-mode or --implementation');
  const r = await reportedProxyMode(n.runner);
  const impl = implementationReporting(r.reported);
  if (!impl) throw new Error(`kube-proxy on ${n.name} reported mode "${r.reported}" (exit ${r.exitCode}); declare the implementation with --proxy-mode or --implementation`);
  return impl;
}
