/**
 * An implementation at another kube-proxy release (a version column, `iptables@v1.33`): the same
 * install and dataplane, kube-proxy's image swapped for that release's after the cluster is
 * created (harness/run/provision.ts), and the behaviour facts of that release. A fact a release
 * changed is declared once, on the implementation (`releaseChanges`: since which release, the
 * value before, the source); this module applies it, and the fact's source then names the
 * release that changed it. Nothing here switches on a name.
 */
import { minorOf, parseRelease, type Release } from '../../clusters/kube-proxy-release.ts';
import type { Behaviour, BehaviourFact, Implementation } from './types.ts';

/** a < b by release order (major, minor, patch). */
export function releaseBefore(a: Release, b: Release): boolean {
  return a.major !== b.major ? a.major < b.major : a.minor !== b.minor ? a.minor < b.minor : a.patch < b.patch;
}

/** The behaviour facts at `version`, with each changed fact's source naming the change. */
export function behaviourAt(impl: Pick<Implementation, 'behaviour' | 'behaviourSources' | 'releaseChanges'>, version: string): { behaviour: Behaviour; behaviourSources: Record<BehaviourFact, string> } {
  const at = parseRelease(version);
  const behaviour = { ...impl.behaviour };
  const behaviourSources = { ...impl.behaviourSources };
  // Newest change first, so that the oldest change a release predates wins.
  for (const c of [...(impl.releaseChanges ?? [])].sort((x, y) => (releaseBefore(parseRelease(x.since), parseRelease(y.since)) ? 1 : -1))) {
    if (!releaseBefore(at, parseRelease(c.since))) continue;
    behaviour[c.fact] = c.before;
    behaviourSources[c.fact] = `${c.before} before ${c.since}, changed in ${c.since}: ${c.source}`;
  }
  return { behaviour, behaviourSources };
}

/** `impl` with kube-proxy at `version`: its facts, a title and a name that say so. */
export function implementationAt(impl: Implementation, version: string): Implementation {
  const r = parseRelease(version);
  return {
    ...impl,
    ...behaviourAt(impl, r.version),
    name: `${impl.name}@${minorOf(r)}`,
    title: `${impl.title}, kube-proxy ${r.version}`,
    kubeProxyRelease: r.version,
  };
}
