/**
 * `npm run tutorial` — replays docs tutorials step by step on a kind cluster of the chosen mode
 * (created through the same provisioning as the conformance run, or reused) or on an existing
 * cluster, and adds them to the report (results.json `tutorials`, the Tutorials view).
 *
 *   npm run tutorial -- using-source-ip                     # iptables kind cluster
 *   npm run tutorial -- using-source-ip --mode nftables
 *   npm run tutorial -- --all [--mode iptables,nftables] [--keep-clusters]
 *   npm run tutorial -- using-source-ip --kubeconfig ~/.kube/config [--proxy-mode nftables]
 *
 * Exit status: 0 when every replayed step agrees with the page (or differs as documented),
 * 1 when a step differs or could not run, 2 for bad arguments.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { builtNodeImage, ensureDocker } from '../clusters/kind.ts';
import { isProxyMode } from '../clusters/proxy-mode.ts';
import { PROJECTS } from '../harness/run/projects.ts';
import { REPORT_DIR } from '../harness/run/recorder.ts';
import type { Results } from '../reports/model.ts';
import { tutorialTestTitle } from '../harness/tutorials/types.ts';
import { TUTORIALS } from './index.ts';

const CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), '../harness/tutorials/playwright.config.ts');

function usage(pages: string[]): string {
  return `usage: npm run tutorial -- <page>... | --all  [--mode iptables[,nftables]] [--kubeconfig FILE [--proxy-mode MODE]] [--keep-clusters]
  pages: ${pages.join(', ')}
  --mode          kind cluster(s) to replay on (default iptables): ${PROJECTS.filter((p) => !p.control).map((p) => p.name).join(', ')}
  --kubeconfig    replay on an existing cluster instead
  --proxy-mode    declare the existing cluster's kube-proxy mode (default: recognised)
  --keep-clusters keep kind clusters this command created (a later replay reuses them)
  --keep          keep clusters and the replay's namespace (debugging)`;
}

async function main(): Promise<number> {
  const pages = TUTORIALS.map((t) => t.id);
  const fail = (msg: string): number => {
    console.error(`tutorial: ${msg}\n\n${usage(pages)}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        all: { type: 'boolean', default: false },
        mode: { type: 'string' },
        kubeconfig: { type: 'string' },
        'proxy-mode': { type: 'string' },
        'keep-clusters': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
  const { values: args, positionals } = parsed;
  if (args.help) {
    console.log(usage(pages));
    return 0;
  }
  const unknown = positionals.filter((p) => !pages.includes(p));
  if (unknown.length) return fail(`unknown page(s): ${unknown.join(', ')}`);
  const chosen = args.all ? pages : positionals;
  if (!chosen.length) return fail('name a page or give --all');
  const env: Record<string, string> = { KPC_COMMAND: `npm run tutorial -- ${process.argv.slice(2).join(' ')}`.trim() };
  if (args.kubeconfig) {
    if (args.mode) return fail('--mode chooses kind clusters; it cannot be combined with --kubeconfig');
    env.KUBECONFIG_UNDER_TEST = path.resolve(args.kubeconfig);
    if (args['proxy-mode']) {
      if (!isProxyMode(args['proxy-mode'])) return fail(`--proxy-mode must be iptables, nftables or ipvs, not "${args['proxy-mode']}"`);
      env.KPC_PROXY_MODE = args['proxy-mode'];
    }
  } else {
    if (args['proxy-mode']) return fail('--proxy-mode describes an existing cluster: give --kubeconfig too (or --mode for kind)');
    const modes = (args.mode ?? 'iptables').split(',').map((m) => m.trim()).filter(Boolean);
    const known = PROJECTS.filter((p) => !p.control).map((p) => p.name);
    const bad = modes.filter((m) => !known.includes(m));
    if (bad.length) return fail(`unknown mode: ${bad.join(', ')} (known: ${known.join(', ')})`);
    env.KPC_PROJECTS = modes.join(',');
  }
  if (args.keep) env.KPC_KEEP = '1';
  if (args['keep-clusters']) env.KPC_KEEP_CLUSTERS = '1';
  if (args.kubeconfig) {
    const { preflight, PreflightFailure } = await import('../harness/run/preflight.ts');
    try {
      await preflight(args.kubeconfig, process.env.KPC_LB_PROVIDER ? { lbProvider: process.env.KPC_LB_PROVIDER } : {});
    } catch (e) {
      if (!(e instanceof PreflightFailure)) throw e;
      console.error(`tutorial: ${e.message}`);
      return 2;
    }
  }
  await ensureDocker();
  if (!args.kubeconfig && !builtNodeImage()?.complete) return fail('no complete node image is built yet: run `npm run images` first (see docs/airgapped.md)');
  // Playwright matches --grep against the whole title path (file, title, tags): bound the page id by blanks.
  const grep = chosen.map((p) => `(^|\\s)${tutorialTestTitle(p).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).join('|');
  console.log(`tutorial: replaying ${chosen.join(', ')} on ${env.KPC_PROJECTS ?? 'the existing cluster'}; report in ${REPORT_DIR}`);
  // Ctrl-C / SIGTERM: one SIGINT to Playwright; its teardown removes the namespace, the client
  // pods, the outside client and clusters it created.
  const { PlaywrightChild } = await import('../harness/run/playwright-child.ts');
  const r = await new PlaywrightChild({
    tool: 'tutorial',
    output: 'inherit',
    env,
    leftovers: 'Clusters it created may remain: npm run cluster -- list, then npm run cluster -- delete --name NAME',
  }).run(['test', '-c', CONFIG, '--grep', grep]);
  const file = path.join(REPORT_DIR, 'results.json');
  if (!existsSync(file)) {
    console.error(`tutorial: no results were written (${file} missing)`);
    return r.interruptedBy ? 130 : r.exitCode || 1;
  }
  const results = JSON.parse(await readFile(file, 'utf8')) as Results;
  const runs = (results.tutorials?.runs ?? []).filter((t) => chosen.includes(t.page) && Date.parse(t.startedAt) >= Date.now() - (r.durationMs ?? 0) - 1000);
  for (const t of runs) {
    const count = (v: string) => t.steps.filter((s) => s.verdict === v).length;
    console.log(`${t.page} on ${t.project}: ${t.verdict} in ${(t.durationMs / 1000).toFixed(1)} s — ${count('agrees')} agree, ${count('differs')} differ, ${count('error')} error, ${count('skipped')} skipped${t.error ? ` (${t.error})` : ''}`);
  }
  console.log(`report: ${path.join(REPORT_DIR, 'index.html')} (Tutorials)`);
  return runs.length && runs.every((t) => t.verdict === 'agrees') && r.exitCode === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`tutorial: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
