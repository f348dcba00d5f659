/**
 * `npm run conformance` — runs the suite (Playwright, one project per proxy mode), then prints
 * where the report is and one summary line per project.
 *
 *   npm run conformance                       # kind clusters for iptables, nftables, ipvs (+ control)
 *   npm run conformance -- --modes nftables   # only some projects
 *   npm run conformance -- --modes iptables,nftables --kube-proxy-version v1.33.13,v1.32.13   # + version columns
 *   npm run conformance -- --kubeconfig ~/.kube/config [--proxy-mode nftables] [--name my-proxy]
 *   npm run conformance -- --node-access pod  # node-side probes through a pod per node (any cluster)
 *   npm run conformance -- --faults [--modes iptables,nftables] [--only-faults a,b]   # harness/cli/faults.ts
 *
 *   npm run conformance -- --baseline last-night/results.json [--fail-on regressions] [--repeat 3]
 *
 * The exit status comes from the results (reports/exit-code.ts, docs/exit-codes.md): 1 for a
 * proxy verdict (a failed or flaky case outside a negative control, a missed or inconclusive
 * control; with --fail-on regressions only what got worse since the baseline), 3 when the only
 * trouble is cells without a verdict (infrastructure errors), 2 for bad input.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { builtNodeImage, ensureDocker } from '../../clusters/kind.ts';
import { isProxyMode } from '../../clusters/proxy-mode.ts';
import { IMPLEMENTATIONS } from '../implementations/index.ts';
import { defaultProjects, PROJECTS, projectsFromSpecs, versionable, withReleases } from '../run/projects.ts';
import { buildCommand, builtReleaseImage, parseReleases } from '../../clusters/kube-proxy-release.ts';
import { dockerImageExists, versions } from '../../clusters/kind.ts';
import { REPORT_DIR } from '../run/recorder.ts';
import type { Results } from '../../reports/model.ts';
import { parseNodeAccess, type NodeAccessKind } from '../probes/node-access.ts';
import { exitCodeFor, FailOnError, parseFailOn, type FailOn } from '../../reports/exit-code.ts';

const USAGE = `usage: npm run conformance -- [--modes iptables,nftables,...] [--kube-proxy-version v1.33.13,...] [--kubeconfig FILE [--implementation NAME | --proxy-mode MODE] [--name NAME]] [--node-access docker|pod|auto] [--grep TEXT] [--samples N] [--repeat N] [--baseline FILE [--fail-on regressions|failures]] [--keep | --keep-clusters]
  --modes       projects to run (default: all of ${defaultProjects().map((p) => p.name).join(', ')}); a column
                spec NAME@RELEASE (iptables@v1.33.13) runs that column with kube-proxy of RELEASE;
                opt-in columns run only when named: ${PROJECTS.filter((p) => p.optIn).map((p) => `${p.name} (${p.optIn})`).join('; ') || 'none'}
  --kube-proxy-version  also run each of ${versionable().join(', ')} of --modes with kube-proxy of
                these releases (columns iptables@v1.33, ...; within the version-skew policy of the
                pinned ${versions().kubernetes}; build them first: npm run images -- --kube-proxy-versions LIST)
  --kubeconfig  validate an existing cluster instead of creating kind clusters
  --implementation  declare the existing cluster's implementation (one of ${IMPLEMENTATIONS.filter((i) => !i.control).map((i) => i.name).join(', ')})
  --proxy-mode  declare the existing cluster's kube-proxy mode (default: recognised from kube-proxy)
  --name        column name for the existing cluster (default: the implementation's name)
  --node-access how node-side probes reach the nodes: docker (exec into kind node containers), pod (a
                hostNetwork pod per node through the API, any cluster) or auto (default: docker for kind
                clusters; for --kubeconfig docker when the nodes are containers on this host, else pod)
  --samples     judged attempts per probe path after convergence (default 5)
  --grep        only cases whose id matches
  --repeat      run each selected case N times; a cell whose runs disagree is flaky (never passed)
  --baseline    an earlier results.json: the report gets a Changes view, the summary a changes line
  --fail-on     what makes the exit status 1: failures (default) or regressions (needs --baseline);
                3 means only cells without a verdict (infrastructure errors); see docs/exit-codes.md
  --keep        keep clusters and test namespaces afterwards (for debugging)
  --keep-clusters  keep the kind clusters (a later run reuses them) but remove test namespaces
  --faults      run the whole catalogue against every broken kube-proxy of clusters/faults/ (docs/fault-catalogue.md):
                --faults [--modes iptables,nftables] [--only-faults a,b] [--keep-clusters] [--add-to-report]`;

function fail(msg: string): never {
  console.error(`conformance: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<number> {
  if (process.argv.includes('--faults')) {
    const { runFaults, UsageError } = await import('./faults.ts');
    try {
      return await runFaults(process.argv.slice(2));
    } catch (e) {
      if (e instanceof UsageError) {
        console.error(`conformance: ${e.message}`);
        return 2;
      }
      throw e;
    }
  }
  let args;
  try {
    args = parseArgs({
      options: {
        modes: { type: 'string' },
        'kube-proxy-version': { type: 'string' },
        kubeconfig: { type: 'string' },
        'proxy-mode': { type: 'string' },
        implementation: { type: 'string' },
        name: { type: 'string' },
        samples: { type: 'string' },
        grep: { type: 'string' },
        repeat: { type: 'string' },
        baseline: { type: 'string' },
        'fail-on': { type: 'string' },
        keep: { type: 'boolean', default: false },
        'keep-clusters': { type: 'boolean', default: false },
        'node-access': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    fail((e as Error).message);
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const env: Record<string, string> = { KPC_COMMAND: `npm run conformance -- ${process.argv.slice(2).join(' ')}`.trim() };
  const kubeconfig = args.kubeconfig ?? process.env.KUBECONFIG_UNDER_TEST;
  if (kubeconfig) {
    env.KUBECONFIG_UNDER_TEST = path.resolve(kubeconfig);
    if (args['proxy-mode']) {
      if (!isProxyMode(args['proxy-mode'])) fail(`--proxy-mode must be iptables, nftables or ipvs, not "${args['proxy-mode']}"`);
      env.KPC_PROXY_MODE = args['proxy-mode'];
    }
    if (args.implementation) {
      if (!IMPLEMENTATIONS.some((i) => i.name === args.implementation && !i.control)) fail(`unknown --implementation "${args.implementation}" (known: ${IMPLEMENTATIONS.filter((i) => !i.control).map((i) => i.name).join(', ')})`);
      if (args['proxy-mode']) fail('give --implementation or --proxy-mode, not both');
      env.KPC_IMPLEMENTATION = args.implementation;
    }
    if (args.name) env.KPC_NAME = args.name;
    if (args.modes) fail('--modes chooses kind clusters to create; it cannot be combined with --kubeconfig');
    if (args['kube-proxy-version']) fail('--kube-proxy-version swaps kube-proxy in kind clusters this run creates; it cannot be combined with --kubeconfig');
  } else if (args.modes || args['kube-proxy-version']) {
    const known = new Set(PROJECTS.map((p) => p.name));
    const modes = args.modes ? args.modes.split(',').map((s) => s.trim()).filter(Boolean) : defaultProjects().map((p) => p.name);
    const bad = modes.filter((m) => !known.has(m.split('@')[0] ?? m));
    if (bad.length) fail(`unknown mode/project: ${bad.join(', ')} (known: ${[...known].join(', ')})`);
    let releases: string[] = [];
    try {
      if (args['kube-proxy-version'] !== undefined) releases = parseReleases(args['kube-proxy-version'], versions().kubernetes).map((r) => r.version);
    } catch (e) {
      fail(`--kube-proxy-version: ${(e as Error).message}`);
    }
    const wanted = withReleases(modes, releases);
    let specs: ReturnType<typeof projectsFromSpecs> = [];
    try {
      specs = projectsFromSpecs(wanted);
    } catch (e) {
      fail((e as Error).message);
    }
    const missing: string[] = [];
    for (const v of new Set(specs.flatMap((p) => (p.implementation !== 'detect' && p.implementation.kubeProxyRelease ? [p.implementation.kubeProxyRelease] : [])))) {
      const image = builtReleaseImage(v);
      if (!image || !(await dockerImageExists(image))) missing.push(v);
    }
    if (missing.length) fail(`kube-proxy ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not built yet: run ${buildCommand(missing)}`);
    env.KPC_PROJECTS = wanted.join(',');
  } else if (args['proxy-mode'] || args.name || args.implementation) {
    fail('--implementation, --proxy-mode and --name describe an existing cluster: give --kubeconfig too');
  }
  if (args.samples !== undefined) {
    const n = Number(args.samples);
    if (!Number.isInteger(n) || n < 1 || n > 100) fail(`--samples must be an integer from 1 to 100, not "${args.samples}"`);
    env.KPC_SAMPLES = String(n);
  }
  let nodeAccess: NodeAccessKind | 'auto' = 'auto';
  try {
    nodeAccess = parseNodeAccess(args['node-access'] ?? process.env.KPC_NODE_ACCESS);
  } catch (e) {
    fail((e as Error).message);
  }
  env.KPC_NODE_ACCESS = nodeAccess;
  let repeat = 1;
  if (args.repeat !== undefined) {
    repeat = Number(args.repeat);
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) fail(`--repeat must be an integer from 1 to 20, not "${args.repeat}"`);
    env.KPC_REPEAT = String(repeat);
  }
  let failOn: FailOn = 'failures';
  try {
    failOn = parseFailOn(args['fail-on']);
  } catch (e) {
    fail((e as Error).message);
  }
  if (failOn === 'regressions' && !args.baseline) fail('--fail-on regressions needs --baseline PATH/results.json');
  let baseline: Results | undefined;
  if (args.baseline) {
    // Read before anything is created: a wrong path or another major version fails in a second.
    const { readResults, ResultsFileError } = await import('../../reports/read.ts');
    try {
      const read = await readResults(args.baseline);
      for (const w of read.warnings) console.warn(`conformance: warning: baseline ${args.baseline}: ${w}`);
      baseline = read.results;
    } catch (e) {
      if (!(e instanceof ResultsFileError)) throw e;
      console.error(`conformance: --baseline ${e.message.split('\n').join(' ')}`);
      return 2;
    }
  }
  if (args.keep) env.KPC_KEEP = '1';
  if (args['keep-clusters']) env.KPC_KEEP_CLUSTERS = '1';

  if (kubeconfig) {
    // Before anything is created: the kubeconfig, the API server, nodes, kube-proxy, the LB provider.
    const { preflight, PreflightFailure } = await import('../run/preflight.ts');
    try {
      const facts = await preflight(kubeconfig, { nodeAccess, ...(process.env.KPC_LB_PROVIDER ? { lbProvider: process.env.KPC_LB_PROVIDER } : {}) });
      env.KPC_NODE_ACCESS = facts.nodeAccess;
      console.log(`conformance: preflight ok: ${facts.server}, ${facts.nodes.length} nodes, kube-proxy ${facts.kubeProxy ? `${facts.kubeProxy.namespace}/${facts.kubeProxy.name}` : 'absent'}, LoadBalancer provider ${facts.lbProvider}, node access ${facts.nodeAccess}`);
    } catch (e) {
      if (!(e instanceof PreflightFailure)) throw e;
      for (const line of e.lines) console.error(`conformance: ${line}`);
      return 2;
    }
  }
  // Probes use docker (node exec, outside client, captures); kind clusters need our node image.
  await ensureDocker();
  if (!kubeconfig && !builtNodeImage()?.complete) fail('no complete node image is built yet: run `npm run images` first (see docs/airgapped.md)');
  const pwArgs = ['test', ...(args.grep ? ['--grep', args.grep] : []), ...(repeat > 1 ? ['--repeat-each', String(repeat)] : [])];
  console.log(`conformance: running ${env.KPC_PROJECTS ?? (kubeconfig ? 'the existing cluster' : 'all projects')}; report in ${REPORT_DIR}`);
  // Ctrl-C / SIGTERM: one SIGINT to Playwright, whose teardown removes clusters, namespaces and
  // containers the run created, and whose reporter still writes results.json (an interrupted run).
  const { PlaywrightChild } = await import('../run/playwright-child.ts');
  const r = await new PlaywrightChild({
    tool: 'conformance',
    output: 'inherit',
    env,
    leftovers: kubeconfig
      ? 'The namespaces the run created may remain: kubectl delete ns -l kpc.run'
      : 'Clusters it created may remain: npm run cluster -- list, then npm run cluster -- delete --name NAME',
  }).run(pwArgs);
  const resultsFile = path.join(REPORT_DIR, 'results.json');
  if (existsSync(resultsFile)) {
    const { summaryLines } = await import('../../reports/summary.ts');
    const results = JSON.parse(await readFile(resultsFile, 'utf8')) as Results;
    if (baseline) {
      // The comparison is part of the record: results.json carries it, the views show it.
      const { computeChanges } = await import('../../reports/changes.ts');
      const { writeViews } = await import('../../reports/views.ts');
      results.changes = computeChanges(baseline, results, path.resolve(args.baseline ?? ''));
      await writeFile(resultsFile, JSON.stringify(results, null, 2));
      await writeViews(results, REPORT_DIR);
    }
    console.log(`\n${summaryLines(results, path.join(REPORT_DIR, 'index.html')).join('\n')}`);
    if (r.interruptedBy) {
      console.error(`conformance: interrupted by ${r.interruptedBy}: the results above cover what ran before it`);
      return 130;
    }
    // Playwright fails on a caught control (its case failed, as it must): judge from the results.
    if (r.exitCode !== 0 && r.exitCode !== 1) return r.exitCode ?? 1;
    // No case at all and Playwright failed: its global set-up threw (a cluster that could not be
    // made or reused, see the error above) or --grep matched nothing. Not a pass.
    if (r.exitCode === 1 && results.cases.length === 0) {
      console.error('conformance: no case ran and Playwright failed (the set-up error or "No tests found" above): no proxy verdict, exit 3');
      return 3;
    }
    try {
      return exitCodeFor(results, failOn);
    } catch (e) {
      if (!(e instanceof FailOnError)) throw e;
      console.error(`conformance: ${e.message}`);
      return 2;
    }
  }
  console.error(`conformance: no results were written (${resultsFile} missing)`);
  return r.interruptedBy ? 130 : r.exitCode || 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`conformance: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
