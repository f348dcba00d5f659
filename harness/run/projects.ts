/**
 * The columns of the conformance matrix: one Playwright project per implementation
 * (harness/implementations/), generated from the registry. What differs between columns is
 * the implementation's declared facts; tests never branch on a column's name.
 */
import { versions } from '../../clusters/kind.ts';
import { parseReleases } from '../../clusters/kube-proxy-release.ts';
import { isProxyMode } from '../../clusters/proxy-mode.ts';
import { IMPLEMENTATIONS, implementationByName, installedProxyMode, type Implementation } from '../implementations/index.ts';
import { implementationAt } from '../implementations/release.ts';

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
  /** Only these cases run in this column (ids); absent: every case (a control: its mustFail). */
  cases?: readonly string[];
  /** Run only when named: why it is not a default column. */
  optIn?: string;
}

export function projectOf(impl: Implementation): ProjectSpec {
  return {
    name: impl.name,
    implementation: impl,
    lbProvider: 'metallb',
    ...(impl.control ? { control: impl.control } : {}),
    ...(impl.cases ? { cases: impl.cases } : {}),
    ...(impl.optIn ? { optIn: impl.optIn } : {}),
  };
}

/** Every known column, opt-in ones included (`--modes` may name any of them). */
export const PROJECTS: readonly ProjectSpec[] = IMPLEMENTATIONS.map(projectOf);

/** The columns of a run without `--modes`: every column that is not opt-in. */
export function defaultProjects(all: readonly ProjectSpec[] = PROJECTS): ProjectSpec[] {
  return all.filter((p) => !p.optIn);
}

/** The case ids a column runs, when it runs only some: a control's mustFail, else its cases. */
export function casesOf(p: ProjectSpec): readonly string[] | undefined {
  return p.control?.mustFail ?? p.cases;
}

/**
 * Column specs: a column name (`iptables`), or an implementation at another kube-proxy release
 * (`iptables@v1.33.13`, the column `iptables@v1.33`). A release must sit within the version-skew
 * policy of `pinned` (the cluster's API server); only kube-proxy implementations without a
 * negative control have version columns.
 */
export function projectsFromSpecs(specs: readonly string[], all: readonly ProjectSpec[] = PROJECTS, pinned: string = versions().kubernetes): ProjectSpec[] {
  const out: ProjectSpec[] = [];
  for (const spec of specs) {
    const at = spec.indexOf('@');
    if (at < 0) {
      out.push(projectByName(spec, all));
      continue;
    }
    const base = projectByName(spec.slice(0, at), all);
    if (base.implementation === 'detect' || base.control || base.optIn) throw new Error(`"${spec}": only a kube-proxy column without a negative control has version columns (${versionable(all).join(', ')})`);
    const [release] = parseReleases(spec.slice(at + 1), pinned);
    out.push(projectOf(implementationAt(base.implementation, release!.version)));
  }
  const names = out.map((p) => p.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new Error(`column(s) given twice: ${[...new Set(twice)].join(', ')} (a version column is named by its minor: one patch per minor)`);
  return out;
}

/** Column names that may take `@<release>`. */
export function versionable(all: readonly ProjectSpec[] = PROJECTS): string[] {
  return all.filter((p) => p.implementation !== 'detect' && !p.control && !p.optIn).map((p) => p.name);
}

/**
 * `--modes a,b --kube-proxy-version v1.33.13,v1.32.13`: the plain columns, then for each release
 * one column per plain column that may take one (release by release, in the order given).
 */
export function withReleases(modes: readonly string[], releases: readonly string[], all: readonly ProjectSpec[] = PROJECTS): string[] {
  const plain = modes.filter((m) => !m.includes('@'));
  const able = new Set(versionable(all));
  return [...modes, ...releases.flatMap((r) => plain.filter((m) => able.has(m)).map((m) => `${m}@${r}`))];
}

/** kube-proxy's mode for a column ('detect' / 'none' when it has none of its own). */
export function proxyModeOf(p: ProjectSpec): string {
  return p.implementation === 'detect' ? 'detect' : installedProxyMode(p.implementation);
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
    const declared = env.KPC_IMPLEMENTATION ? implementationByName(env.KPC_IMPLEMENTATION, known) : mode ? known.find((i) => !i.control && i.install.kubeProxy?.mode === mode) : undefined;
    const lb = env.KPC_LB_PROVIDER ?? 'metallb';
    if (lb !== 'metallb' && lb !== 'cloud-provider-kind' && lb !== 'none') throw new Error(`KPC_LB_PROVIDER must be metallb, cloud-provider-kind or none, not "${lb}"`);
    return [{ name: env.KPC_NAME ?? declared?.name ?? 'under-test', implementation: declared ?? 'detect', lbProvider: lb }];
  }
  const wanted = env.KPC_PROJECTS?.split(',').map((x) => x.trim()).filter(Boolean);
  if (!wanted) return defaultProjects(all);
  return projectsFromSpecs(wanted, all);
}

export function projectByName(name: string, all: readonly ProjectSpec[] = PROJECTS): ProjectSpec {
  const p = all.find((x) => x.name === name);
  if (!p) throw new Error(`unknown project "${name}"; known: ${all.map((x) => x.name).join(', ')}`);
  return p;
}
