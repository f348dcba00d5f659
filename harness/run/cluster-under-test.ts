/**
 * The cluster a project runs against: a kind cluster we create (or reuse) for the project's
 * proxy mode, or an existing cluster given by kubeconfig whose proxy is whatever it runs.
 */
import { execa } from 'execa';
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
    const reachable = await dockerContainerExists(name);
    nodes.push({ name, ip, controlPlane, runner: reachable ? new NodeRunner(name, ip) : undefined });
  }
  nodes.sort((a, b) => Number(b.controlPlane) - Number(a.controlPlane) || a.name.localeCompare(b.name));
  const network = nodes[0]?.runner ? await dockerNetworkOf(nodes[0].name) : undefined;
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

async function dockerContainerExists(name: string): Promise<boolean> {
  const r = await execa('docker', ['inspect', '--type', 'container', '--format', '{{.State.Running}}', name], { reject: false });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

async function dockerNetworkOf(container: string): Promise<{ name: string; subnet: string } | undefined> {
  const r = await execa('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', container], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const nets = JSON.parse(r.stdout) as Record<string, unknown>;
  const name = Object.keys(nets)[0];
  if (!name) return undefined;
  const n = await execa('docker', ['network', 'inspect', '--format', '{{json .IPAM.Config}}', name], { reject: false });
  const cfg = n.exitCode === 0 ? (JSON.parse(n.stdout) as { Subnet?: string }[]) : [];
  const subnet = cfg.map((c) => c.Subnet ?? '').find((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)) ?? '';
  return { name, subnet };
}

/** Addresses Docker has handed out on a network (nodes, outside clients, anything else). */
export async function dockerNetworkAddresses(network: string): Promise<string[]> {
  const r = await execa('docker', ['network', 'inspect', '--format', '{{json .Containers}}', network], { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker network inspect ${network}: ${r.stderr}`);
  const containers = JSON.parse(r.stdout || '{}') as Record<string, { IPv4Address?: string }>;
  return Object.values(containers)
    .map((c) => (c.IPv4Address ?? '').split('/')[0] ?? '')
    .filter(Boolean);
}
