/**
 * The columns of the conformance matrix: one Playwright project per implementation
 * (harness/implementations/), generated from the registry. What differs between columns is
 * the implementation's declared facts; tests never branch on a column's name.
 */
import { isProxyMode } from '../../clusters/proxy-mode.ts';
import { IMPLEMENTATIONS, implementationByName, type Implementation } from '../implementations/index.ts';

export type LbProvider = 'metallb' | 'cloud-provider-kind' | 'none';

export interface ProjectSpec {
  /** Column name, also the Playwright project name. */
  name: string;
  /**
   * The implementation under test. For an existing cluster without a declared one, it is
   * recognised at run time from what kube-proxy reports (`detect`).
   */
  implementation: Implementation | 'detect';
  lbProvider: LbProvider;
  /** A negative control: the suite must report these cases as failed here. */
  control?: { description: string; mustFail: readonly string[] };
}

export function projectOf(impl: Implementation): ProjectSpec {
  return { name: impl.name, implementation: impl, lbProvider: 'metallb', ...(impl.control ? { control: impl.control } : {}) };
}

export const PROJECTS: readonly ProjectSpec[] = IMPLEMENTATIONS.map(projectOf);

/** kube-proxy's mode for a column ('detect' / 'none' when it has none of its own). */
export function proxyModeOf(p: ProjectSpec): string {
  return p.implementation === 'detect' ? 'detect' : p.implementation.install.kubeProxy.mode;
}

/**
 * The projects of this run. With KUBECONFIG_UNDER_TEST (or --kubeconfig) there is one column
 * for the existing cluster: its implementation is declared (KPC_IMPLEMENTATION naming a
 * registered one, or KPC_PROXY_MODE for a kube-proxy mode) or recognised from kube-proxy; the
 * column is named KPC_NAME (default: the implementation's name, or `under-test`).
 */
export function selectedProjects(env: NodeJS.ProcessEnv = process.env, known: readonly Implementation[] = IMPLEMENTATIONS): ProjectSpec[] {
  const all = known.map(projectOf);
  if (env.KUBECONFIG_UNDER_TEST) {
    const mode = env.KPC_PROXY_MODE || undefined;
    if (mode !== undefined && !isProxyMode(mode)) throw new Error(`KPC_PROXY_MODE must be iptables, nftables or ipvs, not "${mode}"`);
    const declared = env.KPC_IMPLEMENTATION ? implementationByName(env.KPC_IMPLEMENTATION, known) : mode ? known.find((i) => !i.control && i.install.kubeProxy.mode === mode) : undefined;
    const lb = env.KPC_LB_PROVIDER ?? 'metallb';
    if (lb !== 'metallb' && lb !== 'cloud-provider-kind' && lb !== 'none') throw new Error(`KPC_LB_PROVIDER must be metallb, cloud-provider-kind or none, not "${lb}"`);
    return [{ name: env.KPC_NAME ?? declared?.name ?? 'under-test', implementation: declared ?? 'detect', lbProvider: lb }];
  }
  const wanted = env.KPC_PROJECTS?.split(',').map((x) => x.trim()).filter(Boolean);
  if (!wanted) return all;
  return wanted.map((name) => projectByName(name, all));
}

export function projectByName(name: string, all: readonly ProjectSpec[] = PROJECTS): ProjectSpec {
  const p = all.find((x) => x.name === name);
  if (!p) throw new Error(`unknown project "${name}"; known: ${all.map((x) => x.name).join(', ')}`);
  return p;
}
