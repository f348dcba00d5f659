/**
 * kube-proxy of another Kubernetes release, run in place of the pinned one (a version column).
 * The release is built from its k8s.io/kubernetes module (`npm run images --
 * --kube-proxy-versions v1.33.13`, clusters/build/img-kube-proxy-release.sh), and must sit within
 * the version-skew policy of the cluster's API server:
 * https://kubernetes.io/releases/version-skew-policy/#kube-proxy — "kube-proxy must not be newer
 * than kube-apiserver. kube-proxy may be up to three minor versions older than kube-apiserver
 * (kube-proxy < 1.25 may only be up to two minor versions older)". The policy speaks of minor
 * versions; any patch of an allowed minor is allowed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kpcCache } from './cache.ts';

export const SKEW_POLICY_URL = 'https://kubernetes.io/releases/version-skew-policy/#kube-proxy';

export interface Release {
  /** Canonical form, `v1.33.13`. */
  version: string;
  major: number;
  minor: number;
  patch: number;
}

/** `v1.33.13` or `1.33.13`; pre-releases and shortened versions are refused. */
export function parseRelease(text: string): Release {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a Kubernetes release version: give v<major>.<minor>.<patch>, e.g. v1.33.13 (the releases the Go module proxy has: go list -m -versions k8s.io/kubernetes)`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { version: `v${major}.${minor}.${patch}`, major, minor, patch };
}

/** `v1.33`: the part of a release a column name carries. */
export function minorOf(r: Release): string {
  return `v${r.major}.${r.minor}`;
}

/** How many minors older kube-proxy may be than the API server (two before 1.25). */
export function maxMinorsOlder(kubeProxy: Release): number {
  return kubeProxy.major === 1 && kubeProxy.minor < 25 ? 2 : 3;
}

/** Why kube-proxy `kubeProxy` may not run against API server `apiServer`, or undefined when it may. */
export function skewProblem(kubeProxy: Release, apiServer: Release): string | undefined {
  if (kubeProxy.major !== apiServer.major) return `kube-proxy ${kubeProxy.version} and the API server ${apiServer.version} differ in major version`;
  const older = apiServer.minor - kubeProxy.minor;
  if (older < 0) return `kube-proxy ${kubeProxy.version} is newer than the API server ${apiServer.version}: kube-proxy must not be newer than kube-apiserver (${SKEW_POLICY_URL})`;
  const max = maxMinorsOlder(kubeProxy);
  if (older > max) return `kube-proxy ${kubeProxy.version} is ${older} minor versions older than the API server ${apiServer.version}: at most ${max} are supported (${SKEW_POLICY_URL})`;
  return undefined;
}

/**
 * The releases a version column may run next to a cluster at `pinned`: parsed, de-duplicated,
 * within the skew policy, and not the pinned release itself (the plain column runs that).
 */
export function parseReleases(list: string, pinned: string): Release[] {
  const api = parseRelease(pinned);
  const out: Release[] = [];
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const r = parseRelease(item);
    if (r.version === api.version) throw new Error(`${r.version} is the pinned release (clusters/versions.json): its columns are the plain ones`);
    const why = skewProblem(r, api);
    if (why) throw new Error(why);
    const sameMinor = out.find((o) => o.major === r.major && o.minor === r.minor);
    if (sameMinor?.version === r.version) continue;
    if (sameMinor) throw new Error(`${sameMinor.version} and ${r.version} are the same minor: a column is named by its minor (${minorOf(r)}), give one patch per minor`);
    out.push(r);
  }
  if (!out.length) throw new Error('no kube-proxy release given');
  return out;
}

/** The pointer img-kube-proxy-release.sh writes, relative to $KPC_CACHE. */
export function releasePointer(version: string): string {
  return `kube-proxy-releases/${version}.json`;
}

/** The built image of a release (its pointer), or undefined when it was not built yet. */
export function builtReleaseImage(version: string): string | undefined {
  const p = path.join(kpcCache(), releasePointer(version));
  if (!existsSync(p)) return undefined;
  const ptr = JSON.parse(readFileSync(p, 'utf8')) as { version?: string; image?: string };
  return ptr.version === version && ptr.image ? ptr.image : undefined;
}

/** The command that builds a release's image, for error messages. */
export function buildCommand(versions: readonly string[]): string {
  return `npm run images -- --kube-proxy-versions ${versions.join(',')}`;
}
