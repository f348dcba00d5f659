/**
 * `npm run images -- --kube-proxy-versions v1.33.13,v1.32.13`: one build step per release, each
 * running img-kube-proxy-release.sh with KPC_KUBE_PROXY_VERSION. Releases are checked against the
 * version-skew policy of the pinned API server first (clusters/kube-proxy-release.ts). A step's
 * key covers the base-net image it builds on, the script and the kube-proxy image recipe; its
 * output is the pointer $KPC_CACHE/kube-proxy-releases/<version>.json.
 */
import { parseReleases, releasePointer } from '../kube-proxy-release.ts';
import type { BuildStep } from './steps.ts';

export function releaseSteps(list: string, pinned: string): BuildStep[] {
  return parseReleases(list, pinned).map((r) => ({
    name: `kube-proxy-${r.version}`,
    script: 'img-kube-proxy-release.sh',
    env: { KPC_KUBE_PROXY_VERSION: r.version },
    after: ['img-base-net'],
    inputs: ['clusters/images/kube-proxy'],
    outputs: [`pointer:${releasePointer(r.version)}`],
  }));
}
