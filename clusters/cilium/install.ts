/**
 * Installs Cilium as CNI and kube-proxy replacement into a kind cluster made with
 * `kubeProxyMode: none` and `disableDefaultCNI: true` (clusters/cluster.ts, replacement
 * `cilium`): our image imported into every node, our manifests (clusters/cilium/cilium.yaml)
 * with the cluster's API address and pod subnet filled in, then the agent and the operator
 * rolled out. docs/cilium.md says why each setting is what it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kpcCache } from '../cache.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CILIUM_MANIFEST = path.join(HERE, 'cilium.yaml');
/** kind's default pod subnet, which the config asks for explicitly (Cilium's native-routing CIDR). */
export const CILIUM_POD_CIDR = '10.244.0.0/16';

/** The Cilium image `npm run images -- --cilium` built last, or why there is none. */
export function builtCiliumImage(cache = kpcCache()): { image: string; version: string } {
  const file = path.join(cache, 'cilium', 'image.json');
  if (!existsSync(file)) throw new Error(`no Cilium image built yet (${file} is missing): run \`npm run images -- --cilium\` (a Go build of Cilium, docs/cilium.md)`);
  const j = JSON.parse(readFileSync(file, 'utf8')) as { image?: string; version?: string; complete?: boolean };
  if (!j.image || !j.version || j.complete === false) throw new Error(`${file} does not name a complete Cilium image: run \`npm run images -- --cilium\` again`);
  return { image: j.image, version: j.version };
}

/** Our manifests with the placeholders filled in; throws on any placeholder left or missing. */
export function ciliumManifest(o: { image: string; apiHost: string; apiPort: number; podCidr: string }, text = readFileSync(CILIUM_MANIFEST, 'utf8')): string {
  const values: Record<string, string> = { '@IMAGE@': o.image, '@API_HOST@': o.apiHost, '@API_PORT@': String(o.apiPort), '@POD_CIDR@': o.podCidr };
  for (const [k, v] of Object.entries(values)) {
    if (!text.includes(k)) throw new Error(`${CILIUM_MANIFEST} has no ${k} placeholder`);
    if (!v) throw new Error(`no value for ${k} in the Cilium manifests`);
  }
  let out = text;
  for (const [k, v] of Object.entries(values)) out = out.replaceAll(k, v);
  // Only the file's header comment names the placeholders; no other @WORD@ may be left.
  const left = out.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n').match(/@[A-Z_]+@/g);
  if (left) throw new Error(`placeholders left in the Cilium manifests: ${[...new Set(left)].join(', ')}`);
  return out;
}

export interface CiliumInstallDeps {
  /** kubectl against the new cluster. */
  k(args: string[], input?: string): Promise<string>;
  /** docker save | ctr import into every node. */
  importImage(image: string): Promise<void>;
  log(line: string): void;
}

/** Installs Cilium and waits for the agent on every node and the operator. */
export async function installCilium(o: { apiHost: string; apiPort?: number; podCidr?: string }, d: CiliumInstallDeps): Promise<{ image: string; version: string }> {
  const built = builtCiliumImage();
  d.log(`loading ${built.image} into every node`);
  await d.importImage(built.image);
  const manifest = ciliumManifest({ image: built.image, apiHost: o.apiHost, apiPort: o.apiPort ?? 6443, podCidr: o.podCidr ?? CILIUM_POD_CIDR });
  d.log(`installing Cilium ${built.version} (CNI and kube-proxy replacement, API at ${o.apiHost}:${o.apiPort ?? 6443})`);
  await d.k(['apply', '-f', '-'], manifest);
  try {
    await d.k(['-n', 'kube-system', 'rollout', 'status', 'daemonset/cilium', '--timeout=300s']);
  } catch (e) {
    // Say why before the half-made cluster goes: the agent's last words.
    const logs = await d.k(['-n', 'kube-system', 'logs', '-l', 'k8s-app=cilium', '--tail=30', '--prefix']).catch((x: unknown) => `(no logs: ${String(x)})`);
    throw new Error(`the Cilium agent did not become ready: ${String(e)}\n${logs}`);
  }
  await d.k(['-n', 'kube-system', 'rollout', 'status', 'deployment/cilium-operator', '--timeout=120s']);
  return built;
}
