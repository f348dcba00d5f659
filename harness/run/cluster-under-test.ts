/**
 * The cluster a project runs against: a kind cluster we create (or reuse) for the project's
 * proxy mode, or an existing cluster given by kubeconfig whose proxy is whatever it runs.
 */
import { networkOf } from '../../clusters/docker.ts';
import { Kube } from '../probes/kube.ts';
import { implementationReporting, type Implementation } from '../implementations/index.ts';
import type { LbProvider, ProjectSpec } from './projects.ts';
import type { NodeAccess, NodeShell } from '../probes/node-access.ts';
import { reportedProxyMode } from '../probes/node.ts';

export interface NodeFact {
  name: string;
  ip: string;
  controlPlane: boolean;
  /** Commands on the node through the cluster's node access; absent when it cannot reach the node. */
  runner?: NodeShell;
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
  /** How node-side probes reach the nodes (docker exec or a pod per node through the API). */
  nodeAccess: NodeAccess;
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
  /** Made from the cluster's Kube (the pod path needs it). */
  nodeAccess(kube: Kube): NodeAccess;
}): Promise<ClusterUnderTest> {
  const kube = new Kube(opts.kubeconfig);
  const nodeAccess = opts.nodeAccess(kube);
  const nodes: NodeFact[] = [];
  let kubernetesVersion = '';
  for (const n of await kube.listNodes()) {
    const name = n.metadata?.name ?? '';
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    kubernetesVersion ||= n.status?.nodeInfo?.kubeletVersion ?? '';
    const controlPlane = Object.keys(n.metadata?.labels ?? {}).includes('node-role.kubernetes.io/control-plane');
    const reachable = await nodeAccess.reachable(name);
    nodes.push({ name, ip, controlPlane, runner: reachable ? nodeAccess.shell(name, ip) : undefined });
  }
  nodes.sort((a, b) => Number(b.controlPlane) - Number(a.controlPlane) || a.name.localeCompare(b.name));
  // The outside client's network (docker inspect, not node access): kind nodes are containers.
  const network = nodes[0] ? await networkOf(nodes[0].name) : undefined;
  const impl = opts.declared ?? (await detect(nodes, nodeAccess));
  const { declared: _declared, nodeAccess: _make, ...rest } = opts;
  return { ...rest, kube, nodes, nodeAccess, network, impl, kubernetesVersion };
}

/** Recognises the implementation from the first reachable node; proxy/mode-matches checks every node. */
async function detect(nodes: NodeFact[], access: NodeAccess): Promise<Implementation> {
  const n = nodes.find((x) => x.runner);
  if (!n?.runner) throw new Error(`cannot recognise the proxy: no node is reachable (node access: ${access.kind}); declare it with --proxy-mode or --implementation`);
  const r = await reportedProxyMode(n.runner);
  const impl = implementationReporting(r.reported);
  if (!impl) throw new Error(`kube-proxy on ${n.name} reported mode "${r.reported}" (exit ${r.exitCode}); declare the implementation with --proxy-mode or --implementation`);
  return impl;
}
