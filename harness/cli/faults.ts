/**
 * `npm run conformance -- --faults [--modes iptables,nftables] [--only-faults a,b] [--fault-scope all|declared] [--converge-sec N] [--keep-clusters] [--add-to-report]`
 *
 * Runs the whole catalogue against every fault of clusters/faults/catalogue.json on one warm
 * kind cluster per mode (harness/faults/runner.ts), writes the detection table into
 * <report>/results.json (`faults`) and re-renders the report. Exit 0 only when every fault was
 * caught by the case(s) it names; missed and inconclusive faults fail the run.
 *   --add-to-report  add the table to the results.json already there (the conformance run's),
 *                    whose cases also serve as the baseline of the modes they cover;
 *                    default: a baseline run per mode, whose results become the report's cases.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { builtNodeImage, ensureDocker } from '../../clusters/kind.ts';
import { isProxyMode, type ProxyMode } from '../../clusters/proxy-mode.ts';
import type { FaultsSection, Results } from '../../reports/model.ts';
import { faultsExitCode } from '../faults/detection.ts';
import { baselineResults, FAULT_CONVERGE_SEC, FaultRunner } from '../faults/runner.ts';
import { REPORT_DIR } from '../run/recorder.ts';

export const FAULTS_USAGE = `usage: npm run conformance -- --faults [--modes iptables,nftables] [--only-faults a,b] [--fault-scope all|declared] [--converge-sec N] [--keep-clusters] [--add-to-report]`;

/** Bad options: conformance.ts prints the message and the usage, without a stack, and exits 2. */
export class UsageError extends Error {}

export async function runFaults(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        faults: { type: 'boolean', default: true },
        modes: { type: 'string', default: 'iptables,nftables' },
        'only-faults': { type: 'string' },
        'keep-clusters': { type: 'boolean', default: false },
        'add-to-report': { type: 'boolean', default: false },
        'fault-scope': { type: 'string', default: 'all' },
        'converge-sec': { type: 'string' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${FAULTS_USAGE}`);
  }
  const a = parsed.values;
  const modes = (a.modes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = modes.filter((m) => !isProxyMode(m) || m === 'ipvs');
  if (bad.length || !modes.length) throw new UsageError(`--modes for faults: iptables and/or nftables (not ${bad.join(', ') || 'nothing'})`);
  const scope = a['fault-scope'];
  if (scope !== 'all' && scope !== 'declared') throw new UsageError(`--fault-scope: all (the whole catalogue per fault) or declared (only the cases that name the fault), not ${scope}`);
  const convergeSec = a['converge-sec'] === undefined ? undefined : Number(a['converge-sec']);
  if (convergeSec !== undefined && (!Number.isInteger(convergeSec) || convergeSec < 5 || convergeSec > 600)) {
    throw new UsageError(`--converge-sec: the convergence budget of the baseline and every fault run, an integer from 5 to 600 (default ${FAULT_CONVERGE_SEC}), not "${a['converge-sec']}"`);
  }
  await ensureDocker();
  if (!builtNodeImage()?.complete) throw new Error('no complete node image is built yet: run `npm run images -- --faults` first');
  const command = `npm run conformance -- ${argv.join(' ')}`.trim();
  const file = path.join(REPORT_DIR, 'results.json');
  const existing = a['add-to-report'] && existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Results) : undefined;
  const runner = new FaultRunner({
    ...(existing ? { baselineFrom: existing } : {}),
    modes: modes as ProxyMode[],
    ...(a['only-faults'] ? { only: a['only-faults'].split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    reportDir: REPORT_DIR,
    keepClusters: a['keep-clusters'] ?? false,
    command,
    scope,
    ...(convergeSec !== undefined ? { convergeSec } : {}),
    log: (l) => console.log(l),
  });
  const onSignal = (sig: NodeJS.Signals) => runner.interrupt(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let section: FaultsSection;
  try {
    section = await runner.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const results = existing ?? (await resultsFromBaselines(section));
  if (results) {
    const { RESULTS_SCHEMA_VERSION } = await import('../../reports/model.ts');
    const out: Results = { ...results, schemaVersion: RESULTS_SCHEMA_VERSION, faults: section };
    await mkdir(REPORT_DIR, { recursive: true });
    await writeFile(file, JSON.stringify(out, null, 2));
    const { writeViews } = await import('../../reports/views.ts');
    await writeViews(out, REPORT_DIR);
  }
  console.log('');
  for (const s of section.score) console.log(`faults ${s.mode}: ${s.caught}/${s.total} caught (${s.total ? Math.round((100 * s.caught) / s.total) : 0}%)`);
  for (const g of section.gaps) console.log(`  GAP ${g.mode} ${g.fault} (${g.kind}): ${g.detail}`);
  console.log(`faults: ${Math.round(section.durationMs / 1000)} s; report: ${path.join(REPORT_DIR, 'index.html')} (Controls view)`);
  return faultsExitCode(section);
}

async function resultsFromBaselines(section: FaultsSection): Promise<Results | undefined> {
  const base = await baselineResults(REPORT_DIR, section.modes);
  if (!base.length) return undefined;
  const { mergeResults } = await import('../../reports/merge.ts');
  const merged = mergeResults(base);
  // Evidence paths of the baselines are relative to their own directories.
  const prefix = (mode: string) => path.join('faults', `baseline-${mode}`);
  return {
    ...merged,
    run: { ...merged.run, command: section.command },
    cases: merged.cases.map((c) => ({ ...c, evidence: c.evidence.map((e) => (e.path ? { ...e, path: path.join(prefix(c.project), e.path) } : e)) })),
  };
}
