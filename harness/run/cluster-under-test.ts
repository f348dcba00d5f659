/**
 * The cluster a project runs against: a kind cluster we create (or reuse) for the project's
 * proxy mode, or an existing cluster given by kubeconfig whose proxy is whatever it runs.
 */
import { networkOf } from '../../clusters/docker.ts';
import { commonFamilies, type IpFamily } from '../../clusters/ip-family.ts';
import { Kube } from '../probes/kube.ts';
import { implementationReporting, type Implementation } from '../implementations/index.ts';
import type { LbProvider, ProjectSpec } from './projects.ts';
import type { NodeAccess, NodeShell } from '../probes/node-access.ts';
import { reportedProxyMode } from '../probes/node.ts';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';

export interface NodeFact {
  name: string;
  /** The node's first InternalIP (the IPv4 one on a dual-stack kind cluster). */
  ip: string;
  /** Every InternalIP of the node (one per family on a dual-stack cluster). */
  ips: string[];
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
  /**
   * Without a Docker network: whether the test host itself reaches the node addresses, and with
   * which source address (the outside client then runs on the host network).
   */
  hostReach?: HostReach;
  /**
   * The IP families every node has an InternalIP of, IPv4 first: one on a single-stack cluster,
   * both on a dual-stack one (the source-IP cases then run for each).
   */
  ipFamilies: IpFamily[];
  /** The Docker network the nodes sit on; outside clients join it. */
  network?: { name: string; subnet: string };
  kubernetesVersion: string;
  nodeImage?: string;
  /** LoadBalancer provider installed, if any. */
  lbProvider: LbProvider;
}

/**
 * A column declared dual-stack whose cluster is not (a node without an InternalIP of each
 * family): its IPv6 rows would silently be missing, so it is an error instead. Checked as
 * https://kubernetes.io/docs/tasks/network/validate-dual-stack/ does (node addressing).
 */
export function dualStackProblem(impl: Pick<Implementation, 'install'>, cluster: Pick<ClusterUnderTest, 'name' | 'nodes' | 'ipFamilies'>): string | undefined {
  if (impl.install.ipFamily !== 'dual' || cluster.ipFamilies.length === 2) return undefined;
  const nodes = cluster.nodes.map((n) => `${n.name}: ${n.ips.join(', ') || 'none'}`).join('; ');
  return `the implementation needs a dual-stack cluster, but ${cluster.name}'s nodes do not all have an InternalIP of both families (${nodes})`;
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
    const ips = (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
    const ip = ips[0] ?? '';
    kubernetesVersion ||= n.status?.nodeInfo?.kubeletVersion ?? '';
    const controlPlane = Object.keys(n.metadata?.labels ?? {}).includes('node-role.kubernetes.io/control-plane');
    const reachable = await nodeAccess.reachable(name);
    nodes.push({ name, ip, ips, controlPlane, runner: reachable ? nodeAccess.shell(name, ip) : undefined });
  }
  nodes.sort((a, b) => Number(b.controlPlane) - Number(a.controlPlane) || a.name.localeCompare(b.name));
  // The outside client's network (docker inspect, not node access): kind nodes are containers.
  const network = nodes[0] ? await networkOf(nodes[0].name) : undefined;
  const hostReach = network ? undefined : await reachFromHost(nodes.map((n) => n.ip).filter(Boolean));
  const impl = opts.declared ?? (await detect(nodes, nodeAccess));
  const { declared: _declared, nodeAccess: _make, ...rest } = opts;
  const ipFamilies = commonFamilies(nodes.map((n) => n.ips));
  return { ...rest, kube, nodes, nodeAccess, network, ...(hostReach ? { hostReach } : {}), impl, kubernetesVersion, ipFamilies };
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

export interface HostReach {
  /** Every node address answered (a TCP answer of any kind, even a refusal, is an answer). */
  ok: boolean;
  /** The test host's source address toward the nodes (what an endpoint sees from the outside client). */
  sourceIp: string;
  /** Per node address that did not answer: why (time-out, unreachable). */
  unreachable: string[];
}

/** kube-proxy's health port: present on every node of a kube-proxy cluster, open or refused. */
const REACH_PORT = 10256;

/**
 * Whether this host reaches each node address: a TCP connection to kube-proxy's health port
 * that is accepted or refused counts (a refusal is the node answering); a time-out or an
 * unreachable route does not. The source address comes from the routing table (UDP connect).
 */
export async function reachFromHost(addresses: string[], timeoutMs = 2_000, probe: (ip: string, timeoutMs: number) => Promise<string | undefined> = tcpAnswers): Promise<HostReach | undefined> {
  if (!addresses.length) return undefined;
  const unreachable: string[] = [];
  await Promise.all(
    addresses.map(async (ip) => {
      const why = await probe(ip, timeoutMs);
      if (why) unreachable.push(`${ip}: ${why}`);
    }),
  );
  const sourceIp = await new Promise<string>((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => (u.close(), resolve('')));
    u.connect(REACH_PORT, addresses[0], () => {
      const a = u.address().address;
      u.close();
      resolve(a);
    });
  });
  return { ok: unreachable.length === 0 && !!sourceIp, sourceIp, unreachable };
}

/** undefined when `ip` answers on the health port (accepted or refused), else why not. */
function tcpAnswers(ip: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port: REACH_PORT });
    const done = (why?: string) => {
      s.destroy();
      resolve(why);
    };
    s.setTimeout(timeoutMs, () => done(`no answer on tcp/${REACH_PORT} within ${timeoutMs} ms`));
    s.once('connect', () => done());
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? undefined : `${e.code ?? e.message} on tcp/${REACH_PORT}`));
  });
}
