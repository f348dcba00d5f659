/**
 * Low-level access to kind and to the Docker objects it makes: where our kind and kubectl
 * binaries live, the PATH that puts the docker shim first, the node image we built, and
 * queries on node containers and the kind network. clusters/cluster.ts builds on this.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SHIM_DIR = path.join(HERE, 'docker-shim');
export const BUILD_DIR = path.join(HERE, 'build');
export const METALLB_DIR = path.join(HERE, 'metallb');

/** Label kind puts on every node container: its value is the cluster name. */
export const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const ROLE_LABEL = 'io.x-k8s.kind.role';
/** kind's Docker network (KIND_EXPERIMENTAL_DOCKER_NETWORK overrides it, as in kind). */
export const KIND_NETWORK = process.env.KIND_EXPERIMENTAL_DOCKER_NETWORK || 'kind';

import { kpcCache } from './cache.ts';

export { kpcCache };

interface Versions {
  kind: string;
  kubernetes: string;
}

export function versions(): Versions {
  return JSON.parse(readFileSync(path.join(HERE, 'versions.json'), 'utf8')) as Versions;
}

export function kindBinary(): string {
  return path.join(kpcCache(), 'bin', `kind-${versions().kind}`, 'kind');
}

export function kubectlBinary(): string {
  const p = path.join(kpcCache(), 'bin', `kubernetes-${versions().kubernetes}`, 'kubectl');
  return existsSync(p) ? p : 'kubectl';
}

/** Environment for kind: the docker shim first on PATH, the cache location passed on. */
export function kindEnv(): NodeJS.ProcessEnv {
  return { ...process.env, KPC_CACHE: kpcCache(), PATH: `${SHIM_DIR}${path.delimiter}${process.env.PATH ?? ''}` };
}

/** Runs a build step script from clusters/build with KPC_CACHE set. */
export async function runBuildStep(script: string, opts: Options = {}): Promise<string> {
  const r = await execa('bash', [path.join(BUILD_DIR, script)], { ...opts, env: { ...process.env, KPC_CACHE: kpcCache() }, all: true });
  return String(r.stdout ?? '');
}

/** Makes sure a Docker engine answers, starting dockerd (and installing docker.io) if not. */
export async function ensureDocker(): Promise<void> {
  const r = await execa('docker', ['info', '--format', '{{.ID}}'], { reject: false });
  if (r.exitCode === 0) return;
  await execa('bash', ['-c', `source "${BUILD_DIR}/lib.sh" && source "${BUILD_DIR}/node-lib.sh" && ensure_dockerd`], {
    env: { ...process.env, KPC_CACHE: kpcCache() },
    stdio: 'inherit',
  });
}

/** Our kind binary, built from the pinned Go module when it is missing (seconds when cached). */
export async function ensureKind(log?: (line: string) => void): Promise<string> {
  const bin = kindBinary();
  if (!existsSync(bin)) {
    log?.(`building kind ${versions().kind} from its Go module`);
    await runBuildStep('go-kind.sh');
  }
  return bin;
}

export interface NodeImageInfo {
  image: string;
  kubernetes: string;
  containerd: string;
  complete: boolean;
  images: string[];
}

/** The node image clusters/build/node-image.sh built last, if any. */
export function builtNodeImage(): NodeImageInfo | undefined {
  const p = path.join(kpcCache(), 'node', 'image.json');
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as NodeImageInfo;
}

export async function dockerImageExists(ref: string): Promise<boolean> {
  const r = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { reject: false });
  return r.exitCode === 0;
}

/** Names of the clusters that have node containers (running or not). */
export async function kindClusterNames(): Promise<string[]> {
  const r = await execa('docker', ['ps', '-a', '--filter', `label=${CLUSTER_LABEL}`, '--format', `{{.Label "${CLUSTER_LABEL}"}}`]);
  return [...new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean))].sort();
}

export interface NodeContainer {
  name: string;
  role: 'control-plane' | 'worker' | 'external-load-balancer';
  running: boolean;
  image: string;
  /** address on the kind network ('' when not attached or stopped) */
  ipv4: string;
  ipv6: string;
}

export async function nodeContainers(cluster: string): Promise<NodeContainer[]> {
  const ids = await execa('docker', ['ps', '-a', '-q', '--filter', `label=${CLUSTER_LABEL}=${cluster}`]);
  const list = ids.stdout.split('\n').filter(Boolean);
  if (list.length === 0) return [];
  // A container listed by `ps` may be gone by the time it is inspected (another run deleting
  // its cluster): docker then prints the others and fails on that one alone. Only a failure
  // other than "No such object" is an error.
  const r = await execa('docker', ['inspect', ...list], { reject: false });
  if (r.exitCode !== 0 && !/^(Error: )?No such object/im.test(r.stderr)) throw new Error(`docker inspect failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  const raw = JSON.parse(r.stdout.trim() || '[]') as Array<{
    Name: string;
    State: { Running: boolean };
    Config: { Image: string; Labels: Record<string, string> };
    NetworkSettings: { Networks: Record<string, { IPAddress?: string; GlobalIPv6Address?: string }> };
  }>;
  const nodes = raw.map((c) => {
    const net = c.NetworkSettings.Networks[KIND_NETWORK] ?? Object.values(c.NetworkSettings.Networks)[0];
    return {
      name: c.Name.replace(/^\//, ''),
      role: (c.Config.Labels[ROLE_LABEL] ?? 'worker') as NodeContainer['role'],
      running: c.State.Running,
      image: c.Config.Image,
      ipv4: net?.IPAddress ?? '',
      ipv6: net?.GlobalIPv6Address ?? '',
    };
  });
  const rank = (n: NodeContainer) => (n.role === 'control-plane' ? 0 : n.role === 'worker' ? 1 : 2);
  return nodes.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export interface DockerNetwork {
  name: string;
  /** the IPv4 subnet in CIDR form */
  subnet: string;
  gateway: string;
  ipv6Subnet?: string;
}

export async function dockerNetwork(name = KIND_NETWORK): Promise<DockerNetwork | undefined> {
  const r = await execa('docker', ['network', 'inspect', name], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const [n] = JSON.parse(r.stdout) as Array<{ Name: string; IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null } }>;
  if (!n) return undefined;
  const cfgs = n.IPAM.Config ?? [];
  const v4 = cfgs.find((c) => c.Subnet && !c.Subnet.includes(':'));
  const v6 = cfgs.find((c) => c.Subnet?.includes(':'));
  if (!v4?.Subnet) return undefined;
  return { name: n.Name, subnet: v4.Subnet, gateway: v4.Gateway ?? '', ...(v6?.Subnet ? { ipv6Subnet: v6.Subnet } : {}) };
}

/** docker exec into a node, returning stdout; throws with stderr on failure. */
export async function nodeExec(node: string, cmd: string[], opts: Options = {}): Promise<string> {
  const r = await execa('docker', ['exec', node, ...cmd], opts);
  return String(r.stdout ?? '');
}

/**
 * docker save | ctr import of a local image into every running node of a cluster (no registry
 * involved), the nodes at once; a node that has the image already is left alone.
 */
export async function importImageIntoNodes(cluster: string, image: string): Promise<void> {
  const nodes = (await nodeContainers(cluster)).filter((n) => n.role !== 'external-load-balancer' && n.running);
  if (!nodes.length) throw new Error(`cluster ${cluster} has no running node`);
  await Promise.all(
    nodes.map(async (n) => {
      const have = await execa('docker', ['exec', n.name, 'ctr', '-n', 'k8s.io', 'images', 'ls', '-q', `name==${image}`], { reject: false });
      if (have.exitCode === 0 && have.stdout.trim() === image) return;
      const r = await execa('bash', ['-c', 'set -o pipefail; docker save "$1" | docker exec -i "$2" ctr -n k8s.io images import -', 'bash', image, n.name], { reject: false });
      if (r.exitCode !== 0) throw new Error(`importing ${image} into ${n.name} failed: ${r.stderr || r.stdout}`);
    }),
  );
}
