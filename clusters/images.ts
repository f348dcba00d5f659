/**
 * Every image the suite and its clusters use (clusters/images.json): the public image users get
 * from a registry by default, and the local equivalent `npm run images` builds. With no registry
 * reachable (auto-detected, or KPC_OFFLINE=1 / `--offline`) the local name is used.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ImageRole = 'base' | 'control-plane' | 'cni' | 'storage' | 'lb' | 'workload' | 'tool';

export interface ImageEntry {
  id: string;
  /** What users pull by default; null for our internal bases. */
  public: string | null;
  /** Our locally built image (docker tag). */
  local: string;
  /** Extra tags of the same local image (names kubeadm or kind also ask for). */
  alsoTagged?: string[];
  /** docker-save archive, relative to `imagesCacheDir()`. */
  tar: string;
  role: ImageRole;
  /** Baked into the kind node image and imported into its containerd at boot. */
  node: boolean;
}

export interface ImageCatalog {
  images: ImageEntry[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const IMAGES_JSON = path.join(here, 'images.json');

let catalog: ImageCatalog | undefined;
export function loadImages(): ImageCatalog {
  catalog ??= JSON.parse(readFileSync(IMAGES_JSON, 'utf8')) as ImageCatalog;
  return catalog;
}

export function imageEntry(id: string): ImageEntry {
  const e = loadImages().images.find((i) => i.id === id);
  if (!e) throw new Error(`unknown image id "${id}" (clusters/images.json has: ${loadImages().images.map((i) => i.id).join(', ')})`);
  return e;
}

/** The images to bake into a node image. */
export function nodeImages(): ImageEntry[] {
  return loadImages().images.filter((i) => i.node);
}

import { kpcCache } from './cache.ts';

export { kpcCache };

export function imagesCacheDir(): string {
  return path.join(kpcCache(), 'images');
}

export function imageTarPath(id: string): string {
  return path.join(imagesCacheDir(), imageEntry(id).tar);
}

/** The registry host a public reference is pulled from (Docker Hub for bare names). */
export function registryHost(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  const isHost = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!isHost || first === 'docker.io') return 'registry-1.docker.io';
  return first;
}

/** KPC_OFFLINE=1/true forces local images, KPC_OFFLINE=0/false forces public ones; unset: detect. */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const v = env.KPC_OFFLINE?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  return v === '1' || v === 'true' || v === 'yes';
}

const reachable = new Map<string, boolean>();

/** Whether a registry answers at all (any HTTP status on /v2/ counts), cached per process. */
export async function registryReachable(host: string, timeoutMs = 3000): Promise<boolean> {
  const known = reachable.get(host);
  if (known !== undefined) return known;
  let ok = false;
  try {
    await fetch(`https://${host}/v2/`, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    ok = true;
  } catch {
    ok = false;
  }
  reachable.set(host, ok);
  return ok;
}

/** Same probe, synchronous (for callers that pick images while building plain data). */
export function registryReachableSync(host: string, timeoutMs = 3000): boolean {
  const known = reachable.get(host);
  if (known !== undefined) return known;
  const script = `fetch(process.argv[1],{signal:AbortSignal.timeout(${timeoutMs})}).then(()=>process.exit(0),()=>process.exit(1))`;
  const r = spawnSync(process.execPath, ['-e', script, `https://${host}/v2/`], { timeout: timeoutMs + 2000, stdio: 'ignore' });
  const ok = r.status === 0;
  reachable.set(host, ok);
  return ok;
}

export interface ResolveOptions {
  /** true: always the local image; false: always the public one; undefined: detect. */
  offline?: boolean;
}

function pick(e: ImageEntry, offline: boolean): string {
  return offline || e.public === null ? e.local : e.public;
}

/** The image reference to use for `id`: public when its registry is reachable, else local. */
export async function resolveImage(id: string, opts: ResolveOptions = {}): Promise<string> {
  const e = imageEntry(id);
  const offline = opts.offline ?? offlineFromEnv() ?? (e.public === null || !(await registryReachable(registryHost(e.public))));
  return pick(e, offline);
}

/** Synchronous resolveImage. */
export function imageFor(id: string, opts: ResolveOptions = {}): string {
  const e = imageEntry(id);
  const offline = opts.offline ?? offlineFromEnv() ?? (e.public === null || !registryReachableSync(registryHost(e.public)));
  return pick(e, offline);
}
