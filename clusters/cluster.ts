/**
 * Creates, lists and deletes the kind clusters the suite runs against, with our node image,
 * the requested kube-proxy mode and MetalLB (L2) on a pool from the kind network's own subnet.
 *
 * Works on hosts that refuse `docker run --privileged`: kind runs with clusters/docker-shim
 * first on its PATH (see that script). Every command goes through execa.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import YAML from 'yaml';
import {
  KIND_NETWORK,
  METALLB_DIR,
  builtNodeImage,
  dockerImageExists,
  dockerNetwork,
  ensureDocker,
  importImageIntoNodes,
  ensureKind,
  kindClusterNames,
  kindEnv,
  kpcCache,
  kubectlBinary,
  nodeContainers,
  versions,
} from './kind.ts';

import type { ClusterIpFamily } from './ip-family.ts';
import { builtCiliumImage, CILIUM_POD_CIDR, installCilium } from './cilium/install.ts';
import { intToIp, ipToInt } from './ipv4.ts';
import { isProxyMode, PROXY_MODES, type ProxyMode } from './proxy-mode.ts';

export { isProxyMode, PROXY_MODES, type ProxyMode };

export interface ClusterNode {
  name: string;
  role: 'control-plane' | 'worker';
  /** IPv4 address on the kind Docker network (also the Kubernetes InternalIP) */
  ip: string;
  ipv6?: string;
}

export interface MetalLBInfo {
  /** the IPAddressPool's range, "first-last" */
  range: string;
  first: string;
  last: string;
  poolName: string;
  namespace: string;
}

export interface ClusterInfo {
  name: string;
  /** kubeconfig file for this cluster, API server on 127.0.0.1 (from the host) */
  kubeconfig: string;
  /** kube-proxy mode as configured at create time ('none': no kube-proxy, a replacement; 'unknown' when we did not create it) */
  proxyMode: ProxyMode | 'none' | 'unknown';
  /** The proxy installed in kube-proxy's place, when there is one. */
  replacement?: Replacement;
  masqueradeAll: boolean;
  nodes: ClusterNode[];
  network: { name: string; subnet: string; gateway: string };
  nodeImage: string;
  kubernetesVersion: string;
  metallb?: MetalLBInfo;
  /** seconds `createCluster` took, when known */
  createSeconds?: number;
  /** kind's networking.ipFamily at create time ('ipv4' when we did not record one) */
  ipFamily: ClusterIpFamily;
}

/** A Service proxy installed instead of kube-proxy (and as the CNI): clusters/cilium/. */
export type Replacement = 'cilium';
export const REPLACEMENTS: readonly Replacement[] = ['cilium'];

export interface CreateOptions {
  /** default "kpc" */
  name?: string;
  /** kube-proxy's mode; 'none' (no kube-proxy) needs a `replacement`. */
  proxyMode: ProxyMode | 'none';
  /** Installed instead of kube-proxy and kindnet; needs proxyMode 'none'. */
  replacement?: Replacement;
  /** worker nodes besides the control plane; default 2 */
  workers?: number;
  masqueradeAll?: boolean;
  /** More KubeProxyConfiguration fields (an implementation's own settings), merged in. */
  kubeProxyConfig?: Record<string, unknown>;
  /** kind's networking.ipFamily; default ipv4. `dual` needs IPv6 in the kernel and on the kind network. */
  ipFamily?: ClusterIpFamily;
  /** node image; default: the one clusters/build/node-image.sh built last */
  image?: string;
  /** install MetalLB; default true */
  metallb?: boolean;
  /** progress lines (with elapsed seconds); default: none */
  log?: (line: string) => void;
  /** abort = stop and delete the half-made cluster */
  signal?: AbortSignal;
  /** keep a failed cluster for debugging instead of deleting it */
  keepOnFailure?: boolean;
}

/** This host cannot run what was asked (e.g. ipvs without IP_VS); nothing was created. */
export class UnsupportedHere extends Error {
  override name = 'UnsupportedHere';
}
/** A cluster of that name exists already; nothing was changed. */
export class ClusterExists extends Error {
  override name = 'ClusterExists';
}
/** createCluster was aborted (Ctrl-C); the half-made cluster was deleted. */
export class CreateAborted extends Error {
  override name = 'CreateAborted';
}

export const DEFAULT_NAME = 'kpc';
const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const METALLB_POOL = 'kpc-pool';

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

export function validateName(name: string): void {
  if (!NAME_RE.test(name) || name.length > 50) {
    throw new Error(`invalid cluster name "${name}": use lower-case letters, digits, '-' and '.', at most 50 characters`);
  }
}

/** The kind cluster config for our clusters. */
export function kindConfig(o: { name: string; proxyMode: ProxyMode | 'none'; replacement?: Replacement; workers: number; masqueradeAll: boolean; kubeProxyConfig?: Record<string, unknown>; ipFamily?: ClusterIpFamily }): string {
  const kubeProxy: Record<string, unknown> = {
    ...(o.kubeProxyConfig ?? {}),
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    // nf_conntrack_max is global and read-only inside node containers: never set it
    conntrack: { maxPerCore: 0 },
  };
  if (o.masqueradeAll) {
    kubeProxy.iptables = { masqueradeAll: true }; // iptables and ipvs modes
    kubeProxy.nftables = { masqueradeAll: true };
  }
  const nodes = [{ role: 'control-plane' }, ...Array.from({ length: o.workers }, () => ({ role: 'worker' }))];
  if (o.replacement) {
    // No kube-proxy and no kindnet: the replacement is the Service proxy and the CNI. The pod
    // subnet is kind's default, named because the replacement's config needs it.
    if (o.proxyMode !== 'none') throw new Error(`a replacement proxy (${o.replacement}) runs without kube-proxy: proxyMode must be 'none', not ${o.proxyMode}`);
    if (o.ipFamily === 'dual') throw new Error(`dual-stack clusters with ${o.replacement} are not supported here`);
    return YAML.stringify({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: o.name, networking: { kubeProxyMode: 'none', disableDefaultCNI: true, podSubnet: CILIUM_POD_CIDR }, nodes });
  }
  if (o.proxyMode === 'none') throw new Error('proxyMode none needs a replacement proxy (cilium)');
  const cfg = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: o.name,
    // dual: kind's default dual-stack pod and Service subnets (IPv4 first), node IPs of both families
    networking: { kubeProxyMode: o.proxyMode, ...(o.ipFamily === 'dual' ? { ipFamily: 'dual' } : {}) },
    nodes,
    kubeadmConfigPatches: [YAML.stringify(kubeProxy)],
  };
  return YAML.stringify(cfg);
}


/**
 * A small range at the top of an IPv4 subnet for MetalLB: Docker hands out container
 * addresses from the bottom, so the top stays free. Blocks of 32 addresses (a quarter of small
 * subnets), never the broadcast address; `slot` k is the k-th block down from the top, so that
 * clusters sharing the kind network get disjoint pools. 172.18.0.0/16 slot 0 gives
 * 172.18.255.224-172.18.255.254, slot 1 172.18.255.192-172.18.255.223.
 */
export function metallbRange(subnet: string, slot = 0): { first: string; last: string; range: string } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(subnet.trim());
  if (!m) throw new Error(`not an IPv4 CIDR: ${subnet}`);
  const prefix = Number(m[2]);
  if (prefix > 28) throw new Error(`subnet ${subnet} is too small for a MetalLB pool`);
  const size = 2 ** (32 - prefix);
  const base = (ipToInt(m[1]!) & (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0)) >>> 0;
  const broadcast = base + size - 1;
  const count = Math.min(32, size / 4);
  const firstN = broadcast - (slot + 1) * count + 1;
  const lastN = slot === 0 ? broadcast - 1 : broadcast - slot * count;
  if (!Number.isInteger(slot) || slot < 0 || firstN < base + size / 2) {
    throw new Error(`no MetalLB slot ${slot} in ${subnet}: pools stay in the top half of the subnet`);
  }
  const first = intToIp(firstN);
  const last = intToIp(lastN);
  return { first, last, range: `${first}-${last}` };
}

/** The lowest slot whose range is not among `taken` (ranges of other clusters' pools). */
export function freeMetallbSlot(subnet: string, taken: readonly string[]): number {
  for (let slot = 0; ; slot++) {
    const r = metallbRange(subnet, slot); // throws when the subnet runs out
    if (!taken.includes(r.range)) return slot;
  }
}

export function metallbPoolManifest(range: string): string {
  const docs = [
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: METALLB_POOL, namespace: 'metallb-system' },
      spec: { addresses: [range], autoAssign: true, avoidBuggyIPs: false },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'kpc-l2', namespace: 'metallb-system' },
      spec: { ipAddressPools: [METALLB_POOL] },
    },
  ];
  return docs.map((d) => YAML.stringify(d)).join('---\n');
}

/** Why ipvs cannot run here, or undefined when it can. */
export function ipvsUnsupportedReason(f: { procIpVs: boolean; moduleFile: boolean; loadTried: boolean }): string | undefined {
  if (f.procIpVs) return undefined;
  if (f.moduleFile && !f.loadTried) return undefined;
  return f.moduleFile
    ? 'kube-proxy ipvs mode needs the kernel IP_VS support: the ip_vs module exists but could not be loaded (/proc/net/ip_vs is missing)'
    : 'kube-proxy ipvs mode needs the kernel IP_VS support (CONFIG_IP_VS): /proc/net/ip_vs is missing and this kernel has no ip_vs module';
}

/**
 * Why a dual-stack cluster cannot be made here, or undefined when it can: the kernel must have
 * IPv6, and the kind network, when it exists already (kind reuses it), must have an IPv6 subnet
 * (kind creates it with one whenever Docker allows; an older one made without stays IPv4-only).
 */
export function dualStackUnsupportedReason(f: { kernelIpv6: boolean; network: { ipv6Subnet?: string } | undefined; networkName: string }): string | undefined {
  if (!f.kernelIpv6) return 'a dual-stack cluster needs IPv6 in the kernel: /proc/net/if_inet6 is missing';
  if (f.network && !f.network.ipv6Subnet) {
    return `a dual-stack cluster needs an IPv6 subnet on the Docker network "${f.networkName}", which exists without one; delete it when no cluster uses it (docker network rm ${f.networkName}) and kind recreates it with IPv6`;
  }
  return undefined;
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

// ---------------------------------------------------------------------------------------------
// Host checks

async function ipvsCheck(): Promise<string | undefined> {
  const procIpVs = existsSync('/proc/net/ip_vs');
  if (procIpVs) return undefined;
  const rel = (await execa('uname', ['-r'])).stdout.trim();
  const modDir = `/lib/modules/${rel}`;
  let moduleFile = false;
  if (existsSync(modDir)) {
    const r = await execa('bash', ['-c', `find ${JSON.stringify(modDir)} -name 'ip_vs.ko*' -print -quit; grep -qw ip_vs ${JSON.stringify(modDir)}/modules.builtin 2>/dev/null && echo builtin`], { reject: false });
    moduleFile = r.stdout.trim() !== '';
  }
  let loadTried = false;
  if (moduleFile) {
    loadTried = true;
    await execa('modprobe', ['-a', 'ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh'], { reject: false });
    if (existsSync('/proc/net/ip_vs')) return undefined;
  }
  return ipvsUnsupportedReason({ procIpVs: false, moduleFile, loadTried });
}

/**
 * Every node runs systemd, containerd and kubelet, and they all share the host's inotify
 * limits: with the common default of 128 instances a second cluster fails ("too many open
 * files" from containerd's CNI watcher, or a node's systemd dying). Raise them when too low.
 */
export const INOTIFY_MINIMUM = { max_user_instances: 1024, max_user_watches: 524288 } as const;

async function raiseInotifyLimits(log: (l: string) => void): Promise<void> {
  for (const [key, want] of Object.entries(INOTIFY_MINIMUM)) {
    const file = `/proc/sys/fs/inotify/${key}`;
    let have: number;
    try {
      have = Number((await readFile(file, 'utf8')).trim());
    } catch {
      continue;
    }
    if (have >= want) continue;
    try {
      await writeFile(file, String(want));
      log(`raised fs.inotify.${key} from ${have} to ${want} (kind nodes share the host's inotify limits)`);
    } catch {
      log(`warning: fs.inotify.${key} is ${have}; more than one cluster may fail with "too many open files" (sysctl -w fs.inotify.${key}=${want})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// State kept next to the cache: what we asked for at create time

function stateDir(name: string): string {
  return path.join(kpcCache(), 'clusters', name);
}

interface SavedState {
  name: string;
  proxyMode: ProxyMode | 'none';
  replacement?: Replacement;
  masqueradeAll: boolean;
  nodeImage: string;
  metallb?: MetalLBInfo;
  createSeconds?: number;
  ipFamily?: ClusterIpFamily;
}

async function readState(name: string): Promise<SavedState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(stateDir(name), 'state.json'), 'utf8')) as SavedState;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// API

function kindCmd(args: string[], opts: { signal?: AbortSignal; onLine?: (l: string) => void } = {}): ResultPromise {
  const kind = path.join(kpcCache(), 'bin', `kind-${versions().kind}`, 'kind');
  const lines = function* (line: unknown) {
    const s = String(line).replace(/\r/g, '').trimEnd();
    if (s && opts.onLine) opts.onLine(s);
    yield line;
  };
  return execa(kind, args, {
    env: kindEnv(),
    all: true,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    ...(opts.onLine ? { stderr: lines, stdout: lines } : {}),
  });
}

/** Path of the kubeconfig we keep for a cluster (written by createCluster / getKubeconfig). */
export function kubeconfigPath(name: string): string {
  return path.join(stateDir(name), 'kubeconfig');
}

/** Writes (refreshes) and returns the kubeconfig path of an existing cluster. */
export async function getKubeconfig(name: string): Promise<string> {
  await ensureKind();
  const r = await kindCmd(['get', 'kubeconfig', '--name', name]);
  const file = kubeconfigPath(name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, String(r.stdout), { mode: 0o600 });
  return file;
}

/** kubectl against a cluster, through our kubectl binary. */
export async function kubectl(kubeconfig: string, args: string[], opts: { input?: string; signal?: AbortSignal } = {}): Promise<string> {
  const r = await execa(kubectlBinary(), ['--kubeconfig', kubeconfig, ...args], {
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  return String(r.stdout);
}

export async function getCluster(name: string): Promise<ClusterInfo | undefined> {
  const containers = await nodeContainers(name);
  if (containers.length === 0) return undefined;
  const state = await readState(name);
  const net = await dockerNetwork(KIND_NETWORK);
  let kubeconfig = kubeconfigPath(name);
  if (!existsSync(kubeconfig)) kubeconfig = await getKubeconfig(name).catch(() => kubeconfig);
  const nodes: ClusterNode[] = containers
    .filter((c) => c.role !== 'external-load-balancer')
    .map((c) => ({ name: c.name, role: c.role as ClusterNode['role'], ip: c.ipv4, ...(c.ipv6 ? { ipv6: c.ipv6 } : {}) }));
  let proxyMode: ClusterInfo['proxyMode'] = state?.proxyMode ?? 'unknown';
  if (!state) {
    // not made by us: ask kube-proxy's config in the cluster
    const cp = nodes.find((n) => n.role === 'control-plane');
    if (cp) {
      const r = await execa('docker', ['exec', cp.name, 'kubectl', '--kubeconfig=/etc/kubernetes/admin.conf', '-n', 'kube-system', 'get', 'configmap', 'kube-proxy', '-o', 'jsonpath={.data.config\\.conf}'], { reject: false });
      const mode = /^mode:\s*"?(\w*)"?/m.exec(r.stdout)?.[1] ?? '';
      proxyMode = isProxyMode(mode) ? mode : mode === '' && r.exitCode === 0 ? 'iptables' : 'unknown';
    }
  }
  return {
    name,
    kubeconfig,
    proxyMode,
    ...(state?.replacement ? { replacement: state.replacement } : {}),
    masqueradeAll: state?.masqueradeAll ?? false,
    nodes,
    network: { name: net?.name ?? KIND_NETWORK, subnet: net?.subnet ?? '', gateway: net?.gateway ?? '' },
    nodeImage: state?.nodeImage ?? containers[0]?.image ?? '',
    kubernetesVersion: versions().kubernetes,
    ...(state?.metallb ? { metallb: state.metallb } : {}),
    ...(state?.createSeconds !== undefined ? { createSeconds: state.createSeconds } : {}),
    ipFamily: state?.ipFamily ?? 'ipv4',
  };
}

export async function listClusters(): Promise<ClusterInfo[]> {
  const out: ClusterInfo[] = [];
  for (const n of await kindClusterNames()) {
    const c = await getCluster(n);
    if (c) out.push(c);
  }
  return out;
}

/** Deletes a cluster (node containers, kubeconfig, our state). No error when it is absent. */
export async function deleteCluster(name: string, opts: { log?: (line: string) => void } = {}): Promise<boolean> {
  validateName(name);
  await ensureDocker();
  await ensureKind(opts.log);
  const existed = (await nodeContainers(name)).length > 0;
  await kindCmd(['delete', 'cluster', '--name', name], opts.log ? { onLine: opts.log } : {});
  // kind deletes by label; make sure nothing with the label survives (e.g. a node being created)
  const left = await execa('docker', ['ps', '-aq', '--filter', `label=io.x-k8s.kind.cluster=${name}`]);
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length) await execa('docker', ['rm', '-f', '-v', ...ids], { reject: false });
  await rm(stateDir(name), { recursive: true, force: true });
  return existed;
}

function nodeImageOrThrow(image: string | undefined): string {
  if (image) return image;
  const built = builtNodeImage();
  if (!built) throw new Error('no node image built yet: run `npm run images` (clusters/build/node-image.sh)');
  if (!built.complete) {
    throw new Error(`node image ${built.image} lacks some cluster images (built with KPC_NODE_ALLOW_MISSING_IMAGES); run \`npm run images\` again`);
  }
  return built.image;
}

function imageFromCatalog(id: string): string {
  const file = path.join(path.dirname(METALLB_DIR), 'images.json');
  const catalog = JSON.parse(readFileSync(file, 'utf8')) as { images: Array<{ id: string; local: string }> };
  const hit = catalog.images.find((i) => i.id === id);
  if (!hit) throw new Error(`image ${id} is not in clusters/images.json`);
  return hit.local;
}

export async function createCluster(opts: CreateOptions): Promise<ClusterInfo> {
  const name = opts.name ?? DEFAULT_NAME;
  const workers = opts.workers ?? 2;
  const masqueradeAll = opts.masqueradeAll ?? false;
  const withMetallb = opts.metallb ?? true;
  const t0 = Date.now();
  const log = (l: string) => opts.log?.(`[${formatElapsed(Date.now() - t0)}] ${l}`);
  validateName(name);
  const replacement = opts.replacement;
  if (replacement !== undefined && !REPLACEMENTS.includes(replacement)) throw new Error(`unknown replacement proxy "${String(replacement)}": use ${REPLACEMENTS.join(', ')}`);
  if (replacement ? opts.proxyMode !== 'none' : !isProxyMode(opts.proxyMode)) {
    throw new Error(replacement ? `a replacement proxy (${replacement}) runs without kube-proxy: proxyMode must be 'none'` : `unknown proxy mode "${String(opts.proxyMode)}": use ${PROXY_MODES.join(', ')}`);
  }
  // The replacement's image must exist before anything is made; without it the column is
  // skipped with the reason (the build is opt-in: `npm run images -- --cilium`).
  if (replacement === 'cilium') {
    try {
      builtCiliumImage();
    } catch (e) {
      throw new UnsupportedHere(e instanceof Error ? e.message : String(e));
    }
  }
  if (!Number.isInteger(workers) || workers < 0 || workers > 10) throw new Error(`--workers must be 0..10, not ${workers}`);

  // checks that must fail before anything exists
  if (opts.proxyMode === 'ipvs') {
    const why = await ipvsCheck();
    if (why) throw new UnsupportedHere(why);
  }
  await ensureDocker();
  const ipFamily = opts.ipFamily ?? 'ipv4';
  if (ipFamily === 'dual') {
    const why = dualStackUnsupportedReason({ kernelIpv6: existsSync('/proc/net/if_inet6'), network: await dockerNetwork(KIND_NETWORK), networkName: KIND_NETWORK });
    if (why) throw new UnsupportedHere(why);
  }
  if ((await kindClusterNames()).includes(name)) {
    throw new ClusterExists(`cluster "${name}" already exists; delete it first with: npm run cluster -- delete --name ${name}`);
  }
  const image = nodeImageOrThrow(opts.image);
  if (!(await dockerImageExists(image))) throw new Error(`node image ${image} is not in the local Docker; run \`npm run images\``);
  await ensureKind(log);
  await raiseInotifyLimits(log);
  opts.signal?.throwIfAborted();

  const dir = stateDir(name);
  await mkdir(dir, { recursive: true });
  const configFile = path.join(dir, 'kind-config.yaml');
  await writeFile(configFile, kindConfig({ name, proxyMode: opts.proxyMode, workers, masqueradeAll, ipFamily, ...(replacement ? { replacement } : {}), ...(opts.kubeProxyConfig ? { kubeProxyConfig: opts.kubeProxyConfig } : {}) }));
  const kubeconfig = kubeconfigPath(name);

  let started = false;
  try {
    const what = replacement ? `no kube-proxy, ${replacement} as CNI and Service proxy` : `kube-proxy ${opts.proxyMode}${masqueradeAll ? ', masqueradeAll' : ''}${ipFamily === 'dual' ? ', dual-stack' : ''}`;
    log(`creating kind cluster "${name}" (1 control plane + ${workers} workers, ${what}) from ${image}`);
    started = true;
    await kindCmd(
      ['create', 'cluster', '--name', name, '--config', configFile, '--image', image, '--kubeconfig', kubeconfig, '--wait', '0s', ...(opts.keepOnFailure ? ['--retain'] : [])],
      { onLine: (l) => log(`kind: ${l.replace(/^\s*[✓✗•]\s*/u, '')}`), ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    const k = (args: string[], input?: string) => kubectl(kubeconfig, args, { ...(input !== undefined ? { input } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    if (replacement === 'cilium') {
      // Nodes stay NotReady until a CNI runs: Cilium first. Nothing serves the `kubernetes`
      // ClusterIP yet, so the agent is pointed at the control-plane node itself.
      const cp = (await nodeContainers(name)).find((n) => n.role === 'control-plane');
      if (!cp?.ipv4) throw new Error(`no control-plane address for ${name}`);
      await installCilium({ apiHost: cp.ipv4 }, { k, importImage: (img) => importImageIntoNodes(name, img), log });
    }
    log('nodes created; waiting for every node to be Ready');
    await k(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s']);
    log(replacement ? 'nodes Ready; waiting for CoreDNS' : 'nodes Ready; waiting for kube-proxy and CoreDNS');
    if (!replacement) await k(['-n', 'kube-system', 'rollout', 'status', 'daemonset/kube-proxy', '--timeout=120s']);
    await k(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=120s']);

    let metallb: MetalLBInfo | undefined;
    if (withMetallb) {
      const net = await dockerNetwork(KIND_NETWORK);
      if (!net) throw new Error(`docker network ${KIND_NETWORK} not found after create`);
      const taken: string[] = [];
      for (const other of await kindClusterNames()) {
        const st = other === name ? undefined : await readState(other);
        if (st?.metallb) taken.push(st.metallb.range);
      }
      const r = metallbRange(net.subnet, freeMetallbSlot(net.subnet, taken));
      log(`installing MetalLB (pool ${r.range} from ${KIND_NETWORK} network ${net.subnet})`);
      await k(['apply', '-f', path.join(METALLB_DIR, 'crds.yaml')]);
      const manifest = (await readFile(path.join(METALLB_DIR, 'metallb.yaml'), 'utf8'))
        .replaceAll('@CONTROLLER_IMAGE@', imageFromCatalog('metallb-controller'))
        .replaceAll('@SPEAKER_IMAGE@', imageFromCatalog('metallb-speaker'));
      await k(['apply', '-f', '-'], manifest);
      await k(['wait', '--for=condition=Established', 'crd/ipaddresspools.metallb.io', 'crd/l2advertisements.metallb.io', '--timeout=60s']);
      await k(['apply', '-f', '-'], metallbPoolManifest(r.range));
      await k(['-n', 'metallb-system', 'rollout', 'status', 'deployment/controller', '--timeout=120s']);
      await k(['-n', 'metallb-system', 'rollout', 'status', 'daemonset/speaker', '--timeout=120s']);
      metallb = { ...r, poolName: METALLB_POOL, namespace: 'metallb-system' };
    }
    const createSeconds = Math.round((Date.now() - t0) / 100) / 10;
    const state: SavedState = { name, proxyMode: opts.proxyMode, ...(replacement ? { replacement } : {}), masqueradeAll, nodeImage: image, createSeconds, ...(metallb ? { metallb } : {}), ...(ipFamily !== 'ipv4' ? { ipFamily } : {}) };
    await writeFile(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
    const info = await getCluster(name);
    if (!info) throw new Error(`cluster ${name} vanished right after create`);
    log(`cluster "${name}" ready in ${formatElapsed(Date.now() - t0)}`);
    return info;
  } catch (e) {
    const aborted = opts.signal?.aborted ?? false;
    if (started && !(opts.keepOnFailure && !aborted)) {
      log(aborted ? 'interrupted: deleting the half-made cluster' : 'create failed: deleting the half-made cluster');
      await deleteCluster(name).catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
    } else if (!started) {
      await rm(dir, { recursive: true, force: true });
    }
    if (aborted) throw new CreateAborted(`create of "${name}" interrupted; the cluster was deleted`);
    throw e;
  }
}
