/**
 * The fault run: for each mode, one warm kind cluster; the whole catalogue once with the real
 * kube-proxy (baseline), then once per fault with the fault's kube-proxy image in the DaemonSet.
 * Every Playwright run writes its own report under <report>/faults/<fault>-<mode>/. One fault's
 * image replaces the previous one's directly (each kube-proxy starts with a full sync of its own
 * rules, as the restored one would); the original image is put back after the mode's last fault,
 * after a failed swap, on Ctrl-C / SIGTERM, and first thing when a previous run died with a fault
 * in place.
 *
 * Convergence budget: a fault that breaks a path makes that path wait out the whole budget, so
 * the runner's own baseline and every fault run use a shorter one (FAULT_CONVERGE_SEC, `--converge-sec`).
 * The baseline, same cluster, same budget, all green, is what shows the budget is enough for the
 * real kube-proxy there. A baseline taken from elsewhere (`baselineFrom`) ran with the normal
 * budget, so the faults keep it too.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { grepForCases } from '../run/order.ts';
import { PlaywrightChild } from '../run/playwright-child.ts';
import { VERDICTS_EXPECTED_ENV } from '../run/recorder.ts';
import { START_GATE_ENV } from '../run/start-gate.ts';
import { execa } from 'execa';
import { createCluster, deleteCluster, getCluster } from '../../clusters/cluster.ts';
import { kpcCache } from '../../clusters/kind.ts';
import { imageEntry } from '../../clusters/images.ts';
import { loadCatalogue, type Fault } from '../../clusters/faults/catalogue.ts';
import type { ProxyMode } from '../../clusters/proxy-mode.ts';
import type { FaultCaseCell, FaultRun, FaultsSection, Results } from '../../reports/model.ts';
import { applyFault, loadImageIntoNodes, restoreIfFaulty } from './daemonset.ts';
import { cellOf, faultVerdict, judgeControl, summarise } from './detection.ts';

export interface FaultRunOptions {
  modes: ProxyMode[];
  /** Only these faults (default: every fault of the catalogue that applies to the mode). */
  only?: string[];
  reportDir: string;
  keepClusters: boolean;
  command: string;
  /** `all` (default): the whole catalogue per fault; `declared`: only the cases that name the fault. */
  scope?: 'all' | 'declared';
  /**
   * Results of a conformance run of the same catalogue with the real kube-proxy (e.g. the run
   * just before, in `npm test`): a mode it covers needs no baseline run of its own.
   */
  baselineFrom?: Results;
  /** Convergence budget of the runner's own baseline and fault runs, seconds (default FAULT_CONVERGE_SEC). */
  convergeSec?: number;
  log(line: string): void;
}

/**
 * The fault runs' convergence budget (seconds). The real kube-proxy programs a new Service within
 * a second or two of its EndpointSlice here; the normal 60 s budget is for slower implementations
 * and loaded machines. The runner's baseline runs with this budget too and must be all green.
 */
export const FAULT_CONVERGE_SEC = 15;

/** A mode's Playwright run with its results (or why it produced none). */
interface CatalogueRun {
  results?: Results;
  error?: string;
  dir: string;
  durationMs: number;
}

export function faultImage(name: string): string | undefined {
  const file = path.join(kpcCache(), 'faults', `${name}.json`);
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { image?: string }).image;
}

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export class FaultRunner {
  private stopping = false;
  private child?: PlaywrightChild;
  /** KPC_CONVERGE_SEC for the current mode's Playwright runs (empty: the normal budget). */
  private convergeEnv: Record<string, string> = {};
  private readonly started = Date.now();

  constructor(private readonly o: FaultRunOptions) {}

  /** Ctrl-C / SIGTERM: stop the current Playwright run; the loops restore and stop. */
  interrupt(sig: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.o.log(`\nfaults: ${sig}: stopping after restoring kube-proxy's original image…`);
    this.child?.interrupt('SIGINT');
  }

  async run(): Promise<FaultsSection> {
    const catalogue = loadCatalogue();
    const wanted = this.o.only;
    const unknown = (wanted ?? []).filter((n) => !catalogue.faults.some((f) => f.name === n));
    if (unknown.length) throw new Error(`unknown fault(s): ${unknown.join(', ')}`);
    const faults = catalogue.faults.filter((f) => !wanted || wanted.includes(f.name));
    const runs: FaultRun[] = [];
    const baselines: FaultsSection['baselines'] = [];
    for (const mode of this.o.modes) {
      if (this.stopping) break;
      await this.runMode(mode, faults.filter((f) => f.modes.includes(mode)), runs, baselines);
    }
    const { score, gaps } = summarise(runs, this.o.modes);
    return {
      command: this.o.command,
      startedAt: new Date(this.started).toISOString(),
      durationMs: Date.now() - this.started,
      modes: [...this.o.modes],
      scope: this.o.scope ?? 'all',
      faults: faults.map((f) => ({ name: f.name, family: f.family, description: f.description, modes: [...f.modes], patch: `clusters/faults/${f.name}.patch`, catches: f.catches.map((c) => ({ ...c, rows: [...c.rows] })) })),
      baselines,
      runs,
      score,
      gaps,
    };
  }

  private async runMode(mode: ProxyMode, faults: Fault[], runs: FaultRun[], baselines: FaultsSection['baselines']): Promise<void> {
    // The same cluster the catalogue's own provisioning picks for this column (KPC_CLUSTER_PREFIX).
    const name = `${process.env.KPC_CLUSTER_PREFIX ?? 'kpc-'}${mode}`;
    const t0 = Date.now();
    let info = await getCluster(name);
    let created = false;
    if (!info) {
      this.o.log(`[${mode}] creating kind cluster ${name} (kept warm for the whole fault run)`);
      info = await createCluster({ name, proxyMode: mode, log: (l) => this.o.log(`[${mode}] ${l}`) });
      created = true;
    }
    const cluster = { cluster: name, kubeconfig: info.kubeconfig };
    const original = imageEntry('kube-proxy').local;
    try {
      const restored = await restoreIfFaulty(name, info.kubeconfig, original);
      if (restored) this.o.log(`[${mode}] a previous run left a fault in kube-proxy: restored ${restored}`);
      const given = this.o.baselineFrom?.cases.some((c) => c.project === mode) ? this.o.baselineFrom : undefined;
      this.o.log(`[${mode}] baseline: ${given ? 'the conformance results already in the report' : 'the catalogue with the real kube-proxy'}`);
      this.convergeEnv = given ? {} : { KPC_CONVERGE_SEC: String(this.o.convergeSec ?? FAULT_CONVERGE_SEC) };
      if (!given) this.o.log(`[${mode}] convergence budget of the baseline and every fault: ${this.convergeEnv.KPC_CONVERGE_SEC} s (the baseline shows whether that is enough)`);
      const firstImage = faults[0] ? faultImage(faults[0].name) : undefined;
      const preload = firstImage ? loadImageIntoNodes(name, firstImage).catch(() => undefined) : Promise.resolve();
      const base: CatalogueRun = given ? { dir: this.o.reportDir, durationMs: 0, results: given } : await this.catalogue(mode, 'baseline');
      await preload;
      const baseCells = base.results?.cases.filter((c) => c.project === mode).map(cellOf) ?? [];
      baselines.push({ mode, report: path.relative(this.o.reportDir, path.join(base.dir, 'index.html')), cases: baseCells });
      const red = baseCells.filter((c) => c.status !== 'passed');
      this.o.log(`[${mode}] baseline: ${baseCells.length - red.length}/${baseCells.length} passed in ${fmt(base.durationMs)}${red.length ? `; not passing: ${red.map((c) => `${c.caseId} (${c.status})`).join(', ')}` : ''}${base.error ? `; ${base.error}` : ''}`);
      if (!base.results) {
        // No baseline, no verdicts: every fault of this mode is inconclusive, none is run.
        for (const f of faults) runs.push({ fault: f.name, mode, verdict: 'inconclusive', reason: `infrastructure error: the baseline run failed (${base.error ?? 'no results'})`, controls: [], caughtBy: [], cases: [], durationMs: 0 });
        return;
      }
      for (const [i, f] of faults.entries()) {
        if (this.stopping) break;
        const r = await this.runFault(mode, f, cluster, baseCells, faults[i + 1]);
        runs.push(r);
        this.o.log(`[${mode}] ${i + 1}/${faults.length} ${f.name}: ${r.verdict.toUpperCase()} in ${fmt(r.durationMs)} (elapsed ${fmt(Date.now() - t0)})${r.verdict === 'caught' ? '' : ` — ${r.reason}`}; failing cases: ${r.caughtBy.join(', ') || 'none'}`);
      }
    } finally {
      await this.restore(mode, cluster, original);
      if (created && !this.o.keepClusters) {
        this.o.log(`[${mode}] deleting ${name} (--keep-clusters keeps it)`);
        await deleteCluster(name);
      }
    }
  }

  private async restore(mode: string, c: { cluster: string; kubeconfig: string }, original: string): Promise<void> {
    try {
      const restored = await restoreIfFaulty(c.cluster, c.kubeconfig, original);
      if (restored) this.o.log(`[${mode}] kube-proxy restored to ${restored}`);
    } catch (e) {
      this.o.log(`[${mode}] RESTORE FAILED: ${(e as Error).message}; the next fault run restores it first, or: kubectl -n kube-system set image ds/kube-proxy kube-proxy=${original}`);
    }
  }

  private async runFault(mode: ProxyMode, f: Fault, c: { cluster: string; kubeconfig: string }, baseline: FaultCaseCell[], next?: Fault): Promise<FaultRun> {
    const t0 = Date.now();
    const image = faultImage(f.name);
    const dir = path.join(this.o.reportDir, 'faults', `${f.name}-${mode}`);
    const base: Omit<FaultRun, 'verdict' | 'reason' | 'controls' | 'caughtBy' | 'cases' | 'durationMs'> = { fault: f.name, mode, ...(image ? { image } : {}), report: path.relative(this.o.reportDir, path.join(dir, 'index.html')) };
    const inconclusive = (why: string): FaultRun => ({ ...base, verdict: 'inconclusive', reason: `infrastructure error: ${why}`, controls: [], caughtBy: [], cases: [], durationMs: Date.now() - t0 });
    if (!image) return inconclusive(`no image for fault ${f.name}: run npm run images -- --faults`);
    // The Playwright run starts while the image is swapped: its start (loading the harness,
    // listing the cases, 10-15 s on this machine) overlaps the swap (4-9 s), and its global
    // setup waits at the gate until the swap is done (go) or failed (abort: no case runs).
    const gate = `${dir}.gate`;
    await rm(gate, { force: true });
    const nextImage = next ? faultImage(next.name) : undefined;
    let preload: Promise<unknown> = Promise.resolve();
    const swap = (async () => {
      const t1 = Date.now();
      await applyFault(c.cluster, c.kubeconfig, f.name, image);
      this.o.log(`[${mode}] ${f.name}: kube-proxy runs ${image} on every node (${fmt(Date.now() - t1)})`);
      if (this.stopping) throw new Error('interrupted');
      // The next fault's image goes into the nodes while this one's cases run (containerd only
      // stores it; nothing starts it). A failure here is left to that fault's own swap to report.
      preload = nextImage ? loadImageIntoNodes(c.cluster, nextImage).catch(() => undefined) : Promise.resolve();
    })();
    const opened = swap.then(
      () => writeFile(gate, 'go\n'),
      (e: unknown) => writeFile(gate, `abort: the swap to ${f.name} failed: ${(e as Error).message}\n`),
    );
    let run: CatalogueRun;
    try {
      run = await this.catalogue(mode, f.name, this.o.scope === 'declared' ? [...new Set(f.catches.map((k) => k.case))] : undefined, gate);
      await opened;
      await swap;
      await preload;
    } catch (e) {
      await opened.catch(() => undefined);
      // A swap or run that failed: the next fault starts from the real kube-proxy.
      await this.restore(mode, c, imageEntry('kube-proxy').local);
      return inconclusive((e as Error).message);
    } finally {
      await rm(gate, { force: true });
    }
    if (!run.results) return inconclusive(run.error ?? 'the catalogue wrote no results');
    const cases = run.results.cases.filter((x) => x.project === mode);
    const controls = f.catches.map((k) =>
      judgeControl(mode, f.description, { caseId: k.case, rows: k.rows, deviation: k.deviation }, cases.find((x) => x.id === k.case), baselineOf(baseline, k.case)),
    );
    const { verdict, reason } = faultVerdict(controls, this.stopping ? 'interrupted' : undefined);
    return { ...base, verdict, reason, controls, caughtBy: cases.filter((x) => x.status === 'failed').map((x) => x.id), cases: cases.map(cellOf), durationMs: Date.now() - t0 };
  }

  /** The whole catalogue (or only the cases `ids`) on the mode's warm cluster, into <report>/faults/<label>-<mode>/. */
  private async catalogue(mode: ProxyMode, label: string, ids?: string[], gate?: string): Promise<CatalogueRun> {
    const dir = path.join(this.o.reportDir, 'faults', `${label}-${mode}`);
    await mkdir(path.dirname(dir), { recursive: true });
    const logFile = `${dir}.log`;
    const t0 = Date.now();
    const out = createWriteStream(logFile);
    // Cases tagged control-plane judge no proxy behaviour (DNS records, env vars, EndpointSlice
    // conditions): a broken kube-proxy cannot change their verdict, so fault runs leave them out.
    this.child = new PlaywrightChild({
      tool: 'faults',
      output: out,
      env: {
        KPC_PROJECTS: mode,
        KPC_REPORT_DIR: dir,
        KPC_KEEP_CLUSTERS: '1',
        KPC_COMMAND: `${this.o.command} (${label} on ${mode})`,
        ...this.convergeEnv,
        ...(gate ? { [START_GATE_ENV]: gate } : {}),
        // Against a fault, failing cases are the point: their workers are kept (finishCase).
        ...(label === 'baseline' ? {} : { [VERDICTS_EXPECTED_ENV]: '1' }),
      },
      log: this.o.log,
      onStop: (sig) => this.interrupt(sig),
    });
    const r = await this.child.run(['test', '--grep-invert', '@control-plane', ...(ids ? ['--grep', grepForCases(ids)] : [])]);
    this.child = undefined;
    out.end();
    const file = path.join(dir, 'results.json');
    if (!existsSync(file)) return { dir, durationMs: Date.now() - t0, error: `Playwright exited ${r.exitCode ?? r.signal} without results; log ${logFile}` };
    return { dir, durationMs: Date.now() - t0, results: JSON.parse(await readFile(file, 'utf8')) as Results };
  }
}

function baselineOf(cells: FaultCaseCell[], caseId: string): { status: FaultCaseCell['status'] } | undefined {
  const c = cells.find((x) => x.caseId === caseId);
  return c ? { status: c.status } : { status: 'skipped' };
}

/** Reads <report>/faults/baseline-<mode>/results.json of every mode (the catalogue without faults). */
export async function baselineResults(reportDir: string, modes: readonly string[]): Promise<Results[]> {
  const out: Results[] = [];
  for (const m of modes) {
    const f = path.join(reportDir, 'faults', `baseline-${m}`, 'results.json');
    if (existsSync(f)) out.push(JSON.parse(await readFile(f, 'utf8')) as Results);
  }
  return out;
}

export async function dockerAvailable(): Promise<boolean> {
  return (await execa('docker', ['info'], { reject: false })).exitCode === 0;
}
