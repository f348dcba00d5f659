/**
 * Gets the cluster a project runs against: an existing one (KUBECONFIG_UNDER_TEST), or a kind
 * cluster `kpc-<project>` for the project's mode, reused when it already runs that mode and
 * created otherwise. What we create we delete at the end, unless KPC_KEEP=1.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCluster, deleteCluster, listClusters, UnsupportedHere, type ClusterInfo } from '../../clusters/cluster.ts';
import { containerRunning, containerRunningStrict, refuseDockerExec } from '../../clusters/docker.ts';
import { installedProxyMode, proxyIdentity } from '../implementations/index.ts';
import type { Implementation } from '../implementations/types.ts';
import { imageFor } from '../../clusters/images.ts';
import { versions } from '../../clusters/kind.ts';
import { describeCluster, dualStackProblem, type ClusterUnderTest } from './cluster-under-test.ts';
import type { Images } from '../apps/workloads.ts';
import type { ProjectSpec } from './projects.ts';
import { REPORT_DIR } from './recorder.ts';
import type { ProjectRuntime } from './results.ts';
import { RUN_ID } from '../run-id.ts';
import { Kube } from '../probes/kube.ts';
import { parseNodeAccess, type NodeAccess, type NodeAccessKind } from '../probes/node-access.ts';
import { buildCommand, builtReleaseImage } from '../../clusters/kube-proxy-release.ts';
import { runningKubeProxyVersions, useKubeProxyRelease } from '../faults/daemonset.ts';
import { DockerNodeAccess } from '../probes/node-access-docker.ts';
import { kubePodApi, PodNodeAccess } from '../probes/node-access-pod.ts';

export interface Provisioned {
  cluster?: ClusterUnderTest;
  /** Why this project cannot run here; every case is then skipped with this reason. */
  unavailable?: string;
  images: Images;
  release(): Promise<void>;
}

export function workloadImages(): Images {
  return { echo: imageFor('echoserver'), nginx: imageFor('nginx'), kuard: imageFor('kuard'), curl: imageFor('curl'), tools: imageFor('tools') };
}

/**
 * The node access of this run (KPC_NODE_ACCESS: docker, pod or auto). `auto` is docker for
 * kind clusters we make, and for an existing cluster docker when every node is a running
 * container on this host, pod otherwise.
 */
export async function nodeAccessKind(source: 'kind' | 'existing', kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<NodeAccessKind> {
  const chosen = parseNodeAccess(env.KPC_NODE_ACCESS || undefined);
  if (chosen !== 'auto') return chosen;
  if (source === 'kind' || !kubeconfig) return 'docker';
  const nodes = (await new Kube(kubeconfig).listNodes()).map((n) => n.metadata?.name ?? '');
  for (const n of nodes) if (!(await containerRunning(n))) return 'pod';
  return nodes.length ? 'docker' : 'pod';
}

/** Makes the chosen node access; the pod path also forbids docker exec in this process. */
export function makeNodeAccess(kind: NodeAccessKind, images: Images): (kube: Kube) => NodeAccess {
  if (kind === 'docker') return () => new DockerNodeAccess(images.tools);
  refuseDockerExec('this column reaches its nodes through pods (--node-access pod)');
  return (kube) => new PodNodeAccess(kubePodApi(kube), images.tools);
}

export async function provisionCluster(project: ProjectSpec): Promise<Provisioned> {
  const images = workloadImages();
  // KPC_KEEP keeps everything (debugging); KPC_KEEP_CLUSTERS keeps only the clusters (reuse).
  const keep = process.env.KPC_KEEP === '1' || process.env.KPC_KEEP_CLUSTERS === '1';
  const existing = process.env.KUBECONFIG_UNDER_TEST;
  if (existing) {
    const access = await nodeAccessKind('existing', existing);
    const cluster = await describeCluster({
      nodeAccess: makeNodeAccess(access, images),
      source: 'existing',
      name: project.name,
      kubeconfig: existing,
      project,
      ...(project.implementation !== 'detect' ? { declared: project.implementation } : {}),
      lbProvider: project.lbProvider,
    });
    const notDual = dualStackProblem(cluster.impl, cluster);
    if (notDual) throw new Error(`[${project.name}] ${notDual}`);
    // Without a declared provider, MetalLB counts only when it is installed.
    if (!process.env.KPC_LB_PROVIDER && cluster.lbProvider === 'metallb') {
      const ns = await cluster.kube.core.readNamespace({ name: 'metallb-system' }).catch(() => undefined);
      if (!ns) cluster.lbProvider = 'none';
    }
    await writeRuntime(project, cluster);
    return { cluster, images, release: () => cluster.nodeAccess.close() };
  }
  const impl = project.implementation;
  if (impl === 'detect') throw new Error(`project ${project.name}: "detect" needs KUBECONFIG_UNDER_TEST`);
  const name = kindClusterName(project);
  const access = await nodeAccessKind('kind', undefined);
  let info: ClusterInfo;
  let created: boolean;
  try {
    ({ info, created } = await ensureKindCluster(project, impl, access));
  } catch (e: unknown) {
    if (e instanceof UnsupportedHere) {
      await writeRuntime(project, undefined, e.message);
      return { unavailable: e.message, images, release: async () => undefined };
    }
    throw e;
  }
  const cluster = await describeCluster({
    nodeAccess: makeNodeAccess(access, images),
    source: 'kind',
    name,
    kubeconfig: info.kubeconfig,
    project,
    declared: impl,
    lbProvider: info.metallb ? 'metallb' : 'none',
    nodeImage: info.nodeImage,
  });
  const notDual = dualStackProblem(impl, cluster);
  if (notDual) throw new Error(`[${project.name}] ${notDual}`);
  await writeRuntime(project, cluster);
  return {
    cluster,
    images,
    release: async () => {
      await cluster.nodeAccess.close().catch((e: unknown) => console.error(`[${project.name}] removing the node access pods failed: ${String(e)}`));
      if (created && !keep) await deleteCluster(name);
    },
  };
}

/**
 * `kpc-<column>`; KPC_CLUSTER_PREFIX (default `kpc-`) lets two runs on one host (two people,
 * two CI jobs) keep their clusters apart.
 */
export function kindClusterName(project: ProjectSpec, env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.KPC_CLUSTER_PREFIX ?? 'kpc-';
  if (!/^[a-z0-9][a-z0-9-]{0,20}$/.test(prefix)) throw new Error(`KPC_CLUSTER_PREFIX must be lower-case letters, digits and '-', at most 21 characters, not "${prefix}"`);
  // A version column `iptables@v1.33` lives in `kpc-iptables-v1-33` (cluster names: [a-z0-9-]).
  return `${prefix}${project.name.replace(/[@.]/g, '-')}`;
}

/**
 * The project's kind cluster: reused when it runs the implementation, created otherwise (Ctrl-C
 * aborts the create and deletes the half-made cluster). Throws UnsupportedHere when this host
 * cannot run it. Several workers of one project share the cluster: the global setup creates it
 * before any worker starts (harness/run/global-setup.ts).
 */
export async function ensureKindCluster(project: ProjectSpec, impl: Implementation, access: NodeAccessKind = 'docker'): Promise<{ info: ClusterInfo; created: boolean }> {
  const name = kindClusterName(project);
  let info = (await listClusters()).find((c) => c.name === name);
  if (info && !(await allRunning(info.nodes.map((n) => n.name)))) {
    // Left by a run that died or a Docker restart: its nodes are stopped and cannot be trusted.
    console.log(`[${project.name}] kind cluster ${name} exists but its nodes are not running: deleting it to create it afresh`);
    await deleteCluster(name);
    info = undefined;
  }
  if (info) {
    // The pod path never execs into a node container: it trusts the mode recorded at creation
    // (proxy/mode-matches then reads every node through its pod).
    const ok = (access === 'pod' ? installedProxyMode(impl) === info.proxyMode && impl.install.replacement === info.replacement : await runsMode(info.nodes[0]?.name, impl)) && info.ipFamily === (impl.install.ipFamily ?? 'ipv4');
    if (!ok) {
      throw new Error(`kind cluster ${name} exists but does not run ${impl.title}; delete it with: npm run cluster -- delete --name ${name}`);
    }
    await runRelease(project, impl, info);
    return { info, created: false };
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const made = await createCluster({
      name,
      proxyMode: installedProxyMode(impl),
      ...(impl.install.replacement ? { replacement: impl.install.replacement } : {}),
      ...(impl.install.kubeProxy?.config ? { kubeProxyConfig: impl.install.kubeProxy.config } : {}),
      ...(impl.install.ipFamily ? { ipFamily: impl.install.ipFamily } : {}),
      log: (l: string) => console.log(`[${project.name}] ${l}`),
      signal: abort.signal,
    });
    try {
      await runRelease(project, impl, made);
    } catch (e) {
      // Nobody else knows about this cluster yet: do not leave it behind.
      if (process.env.KPC_KEEP !== '1') await deleteCluster(name).catch(() => undefined);
      throw e;
    }
    return { info: made, created: true };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A version column: kube-proxy of its release in place of the node image's (verified by its --version). */
async function runRelease(project: ProjectSpec, impl: Implementation, info: ClusterInfo): Promise<void> {
  const version = impl.kubeProxyRelease;
  if (!version) return;
  const image = builtReleaseImage(version);
  if (!image) throw new Error(`[${project.name}] kube-proxy ${version} is not built yet: run ${buildCommand([version])}`);
  console.log(`[${project.name}] kube-proxy ${version}: running ${image} in ${info.name}`);
  await useKubeProxyRelease(info.name, info.kubeconfig, version, image);
  console.log(`[${project.name}] every kube-proxy pod of ${info.name} reports ${version}`);
}

/** The version every running kube-proxy pod reports, when they agree (best effort: undefined otherwise). */
async function kubeProxyVersion(kubeconfig: string): Promise<string | undefined> {
  const seen = new Set((await runningKubeProxyVersions(kubeconfig).catch(() => new Map<string, string>())).values());
  const [only] = seen;
  return seen.size === 1 && only?.startsWith('v') ? only : undefined;
}

async function allRunning(containers: readonly string[]): Promise<boolean> {
  if (!containers.length) return false;
  for (const c of containers) if (!(await containerRunningStrict(c))) return false;
  return true;
}

async function runsMode(node: string | undefined, impl: Implementation): Promise<boolean> {
  if (!node) return false;
  const { NodeRunner } = await import('../probes/runners.ts');
  const r = await proxyIdentity(impl).read(new NodeRunner(node, ''));
  return r.reported === impl.reportedMode;
}

/**
 * Writes run/<project>.json, once per run: every worker of a project provisions, but only the
 * first to claim the file describes the column (the others' descriptions were the same, and
 * reading kube-proxy's version is a kubectl exec per node: 5 s per worker on a loaded machine).
 * The claim names the run (RUN_ID, shared by its workers): a report directory that is not emptied
 * between runs (a tutorial replay adds to the conformance report) gets a fresh description.
 */
async function writeRuntime(project: ProjectSpec, c: ClusterUnderTest | undefined, unavailable?: string): Promise<void> {
  const dir = path.join(REPORT_DIR, 'run');
  await mkdir(dir, { recursive: true });
  try {
    await (await open(path.join(dir, `${project.name}.${RUN_ID}.claimed`), 'wx')).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  const rt: ProjectRuntime = {
    project: project.name,
    proxyMode: c ? installedProxyMode(c.impl) : project.implementation === 'detect' ? undefined : installedProxyMode(project.implementation),
    implementation: c?.impl.title ?? (project.implementation === 'detect' ? undefined : project.implementation.title),
    cluster: c ? { source: c.source, name: c.name, ...(c.source === 'existing' ? { kubeconfig: c.kubeconfig } : {}), nodeImage: c.nodeImage } : { source: 'kind' },
    ...(c ? { nodeAccess: c.nodeAccess.kind } : {}),
    lbProvider: c?.lbProvider ?? project.lbProvider,
    kubernetesVersion: c?.kubernetesVersion,
    ...(c ? { kubeProxyVersion: await kubeProxyVersion(c.kubeconfig) } : {}),
    ...(c?.source === 'kind' ? { kindVersion: versions().kind } : {}),
    nodeImage: c?.nodeImage,
    ...(unavailable ? { unavailable } : {}),
  };
  await writeFile(path.join(dir, `${project.name}.json`), JSON.stringify(rt, null, 2));
}
