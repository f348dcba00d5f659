/**
 * Puts another kube-proxy image into the kube-system/kube-proxy DaemonSet of a kind cluster: a
 * fault image (and takes it out again), or another release's (a version column,
 * harness/run/provision.ts). The original image is remembered in an annotation on the
 * DaemonSet, so a fault run that died (kill -9, power loss) is repaired by the next one:
 * `restoreIfFaulty` runs first.
 */
import { execa } from 'execa';
import { kubectl } from '../../clusters/cluster.ts';
import { importImageIntoNodes, kubectlBinary, nodeContainers } from '../../clusters/kind.ts';

export const ORIGINAL_IMAGE_ANNOTATION = 'kpc.local/original-kube-proxy-image';
export const FAULT_ANNOTATION = 'kpc.local/fault';
export const RELEASE_ANNOTATION = 'kpc.local/kube-proxy-release';
const FAULT_IMAGE = /\/kube-proxy-fault:/;

export interface Budget {
  rolloutMs: number;
  healthyMs: number;
}
export const BUDGET: Budget = { rolloutMs: 180_000, healthyMs: 120_000 };

/** A failure of the environment while swapping images: never a proxy verdict. */
export class SwapError extends Error {
  override readonly name = 'SwapError';
}

interface DsView {
  image: string;
  annotations: Record<string, string>;
}

export async function readDs(kubeconfig: string): Promise<DsView> {
  const raw = await kubectl(kubeconfig, ['-n', 'kube-system', 'get', 'daemonset', 'kube-proxy', '-o', 'json']);
  const ds = JSON.parse(raw) as { metadata?: { annotations?: Record<string, string> }; spec?: { template?: { spec?: { containers?: Array<{ name: string; image: string }> } } } };
  const c = ds.spec?.template?.spec?.containers?.find((x) => x.name === 'kube-proxy');
  if (!c) throw new SwapError('kube-system/kube-proxy has no container named kube-proxy');
  return { image: c.image, annotations: ds.metadata?.annotations ?? {} };
}

export function isFaultImage(image: string): boolean {
  return FAULT_IMAGE.test(image);
}

/** docker save | ctr import into every node of the cluster (clusters/kind.ts); a failure is a SwapError. */
export async function loadImageIntoNodes(cluster: string, image: string): Promise<void> {
  await importImageIntoNodes(cluster, image).catch((e: unknown) => {
    throw new SwapError(e instanceof Error ? e.message : String(e));
  });
}

async function setImage(kubeconfig: string, image: string, annotations: Record<string, string | null>, initContainers?: object[]): Promise<void> {
  const patch = {
    metadata: { annotations },
    spec: { template: { spec: { containers: [{ name: 'kube-proxy', image }], ...(initContainers ? { initContainers } : {}) } } },
  };
  await kubectl(kubeconfig, ['-n', 'kube-system', 'patch', 'daemonset', 'kube-proxy', '--type', 'strategic', '-p', JSON.stringify(patch)]);
  // The DaemonSet replaces its pods one node at a time (maxUnavailable 1); deleting them all now
  // lets it start the new image on every node at once: one restart instead of one per node.
  await kubectl(kubeconfig, ['-n', 'kube-system', 'delete', 'pods', '-l', 'k8s-app=kube-proxy', '--wait=false']);
}

/** Waits for the rollout and for :10256/healthz = 200 on every node. */
export async function waitHealthy(cluster: string, kubeconfig: string, image: string, budget: Budget = BUDGET): Promise<void> {
  const r = await execa(kubectlBinary(), ['--kubeconfig', kubeconfig, '-n', 'kube-system', 'rollout', 'status', 'daemonset/kube-proxy', `--timeout=${Math.round(budget.rolloutMs / 1000)}s`], { reject: false });
  if (r.exitCode !== 0) throw new SwapError(`kube-proxy rollout to ${image} did not finish: ${r.stderr || r.stdout}`);
  const pods = JSON.parse(await kubectl(kubeconfig, ['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-proxy', '-o', 'json'])) as {
    items: Array<{ metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName: string; containers: Array<{ image: string }> } }>;
  };
  const stale = pods.items.filter((p) => !p.metadata.deletionTimestamp && p.spec.containers[0]?.image !== image);
  if (stale.length) throw new SwapError(`kube-proxy pods still on another image: ${stale.map((p) => `${p.metadata.name} (${p.spec.containers[0]?.image})`).join(', ')}`);
  const nodes = (await nodeContainers(cluster)).filter((n) => n.role !== 'external-load-balancer');
  const deadline = Date.now() + budget.healthyMs;
  for (const n of nodes) {
    for (;;) {
      const h = await execa('docker', ['exec', n.name, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3', 'http://127.0.0.1:10256/healthz'], { reject: false });
      if (h.stdout.trim() === '200') break;
      if (Date.now() > deadline) throw new SwapError(`kube-proxy on ${n.name} is not healthy (:10256/healthz answered ${h.stdout.trim() || `exit ${h.exitCode}`})`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}

/** Imports `image` into every node, puts it into the DaemonSet, waits until it runs healthy everywhere. */
export async function swapImage(cluster: string, kubeconfig: string, image: string, annotations: Record<string, string | null>, initContainers?: object[]): Promise<void> {
  await loadImageIntoNodes(cluster, image);
  await setImage(kubeconfig, image, annotations, initContainers);
  await waitHealthy(cluster, kubeconfig, image);
}

/**
 * An init container that removes every rule kube-proxy left on the node (`kube-proxy
 * --cleanup` of the image about to run: iptables, ipvs and nftables alike) before it starts.
 * Another release does not know every chain the previous one made: v1.32's nftables proxier
 * flushes only its own base chains, so v1.34's `filter-prerouting-pre-dnat` would stay hooked
 * in. Its exit status is ignored: the ipvs part fails on kernels without IP_VS after the
 * iptables and nftables parts have run.
 */
export function cleanupInitContainer(image: string): object {
  return {
    name: 'kpc-clean-dataplane',
    image,
    command: ['/bin/sh', '-c', 'kube-proxy --cleanup --v=2 2>&1 | tail -n 20; exit 0'],
    securityContext: { privileged: true },
    volumeMounts: [
      { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
      { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
    ],
  };
}

/** Switches kube-proxy to a fault image and waits until it runs healthy on every node. */
export async function applyFault(cluster: string, kubeconfig: string, fault: string, image: string): Promise<void> {
  const ds = await readDs(kubeconfig);
  const original = ds.annotations[ORIGINAL_IMAGE_ANNOTATION] ?? (isFaultImage(ds.image) ? undefined : ds.image);
  if (!original) throw new SwapError(`kube-proxy runs fault image ${ds.image} and no original image is recorded: restore it by hand`);
  await swapImage(cluster, kubeconfig, image, { [ORIGINAL_IMAGE_ANNOTATION]: original, [FAULT_ANNOTATION]: fault });
}

/** `Kubernetes v1.33.13` (what `kube-proxy --version` prints) -> `v1.33.13`. */
export function parseVersionOutput(out: string): string | undefined {
  return /^Kubernetes (v\d+\.\d+\.\d+\S*)\s*$/m.exec(out)?.[1];
}

/** What `kube-proxy --version` says in every running kube-proxy pod: pod -> version (or why not). */
export async function runningKubeProxyVersions(kubeconfig: string): Promise<Map<string, string>> {
  const pods = JSON.parse(await kubectl(kubeconfig, ['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-proxy', '-o', 'json'])) as {
    items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }>;
  };
  const running = pods.items.filter((x) => !x.metadata.deletionTimestamp && x.status?.phase === 'Running');
  const versions = await Promise.all(
    running.map(async (p) => {
      const r = await execa(kubectlBinary(), ['--kubeconfig', kubeconfig, '-n', 'kube-system', 'exec', p.metadata.name, '-c', 'kube-proxy', '--', 'kube-proxy', '--version'], { reject: false, timeout: 30_000 });
      return [p.metadata.name, parseVersionOutput(r.stdout) ?? `unreadable (exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 200)})`] as const;
    }),
  );
  return new Map(versions);
}

/**
 * Runs kube-proxy `version` from `image` on every node of a kind cluster we made (a version
 * column): swaps the image when the DaemonSet runs another, then checks that every running
 * kube-proxy pod reports `version`. Returns that version.
 */
export async function useKubeProxyRelease(cluster: string, kubeconfig: string, version: string, image: string): Promise<string> {
  const ds = await readDs(kubeconfig);
  if (ds.image !== image) {
    await swapImage(cluster, kubeconfig, image, { [ORIGINAL_IMAGE_ANNOTATION]: ds.annotations[ORIGINAL_IMAGE_ANNOTATION] ?? ds.image, [RELEASE_ANNOTATION]: version }, [cleanupInitContainer(image)]);
  }
  const seen = await runningKubeProxyVersions(kubeconfig);
  const wrong = [...seen].filter(([, v]) => v !== version);
  if (!seen.size || wrong.length) {
    throw new SwapError(`kube-proxy ${version} (${image}) is not what runs in ${cluster}: ${seen.size ? wrong.map(([p, v]) => `${p} reports ${v}`).join(', ') : 'no running kube-proxy pod'}`);
  }
  return version;
}

/**
 * Puts the original image back when the DaemonSet runs a fault (this run's, or one left by a
 * run that died). Returns the image it restored, or undefined when nothing was to do.
 */
export async function restoreIfFaulty(cluster: string, kubeconfig: string, fallbackImage: string): Promise<string | undefined> {
  const ds = await readDs(kubeconfig);
  if (!isFaultImage(ds.image) && !ds.annotations[FAULT_ANNOTATION]) return undefined;
  const original = ds.annotations[ORIGINAL_IMAGE_ANNOTATION] ?? fallbackImage;
  await setImage(kubeconfig, original, { [ORIGINAL_IMAGE_ANNOTATION]: null, [FAULT_ANNOTATION]: null });
  await waitHealthy(cluster, kubeconfig, original);
  return original;
}
