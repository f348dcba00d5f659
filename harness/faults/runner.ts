/**
 * The fault run: for each mode, one warm kind cluster and one Playwright run of phases
 * (harness/run/phases.ts): the whole catalogue once with the real kube-proxy (baseline), then
 * once per fault with the fault's kube-proxy image in the DaemonSet. Every phase writes its own
 * report under <report>/faults/<fault>-<mode>/; the run's log is <report>/faults/<mode>.log. One fault's
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
import { PlaywrightChild } from '../run/playwright-child.ts';
import { PHASES_ENV, type PhaseSpec } from '../run/phases.ts';
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
      await this.phasedRun(mode, cluster, faults, given, runs, baselines);
    } finally {
      await this.restore(mode, cluster, original);
      if (created && !this.o.keepClusters) {
        this.o.log(`[${mode}] deleting ${name} (--keep-clusters keeps it)`);
        await deleteCluster(name);
      }
    }
  }

  /**
   * One Playwright run per mode, a phase per kube-proxy image (harness/run/phases.ts): the
   * baseline (unless given), then each fault. When a phase's results are written, the next
   * fault's image goes in while its cases wait at their gate; the phase is judged meanwhile.
   */
  private async phasedRun(mode: ProxyMode, c: { cluster: string; kubeconfig: string }, faults: Fault[], given: Results | undefined, runs: FaultRun[], baselines: FaultsSection['baselines']): Promise<void> {
    const t0 = Date.now();
    const root = path.join(this.o.reportDir, 'faults');
    await mkdir(root, { recursive: true });
    const phaseFor = (label: string, extra: Partial<PhaseSpec> = {}): PhaseSpec => ({
      name: `${label}-${mode}`,
      dir: path.join(root, `${label}-${mode}`),
      gate: path.join(root, `${label}-${mode}.gate`),
      command: `${this.o.command} (${label} on ${mode})`,
      ...extra,
    });
    const phases: Array<{ spec: PhaseSpec; fault?: Fault }> = [
      ...(given ? [] : [{ spec: phaseFor('baseline') }]),
      // Against a fault, failing cases are the point: their workers are kept (finishCase).
      ...faults.map((f) => ({ fault: f, spec: phaseFor(f.name, { verdictsExpected: true, ...(this.o.scope === 'declared' ? { cases: [...new Set(f.catches.map((k) => k.case))] } : {}) }) })),
    ];
    if (!phases.length) return;
    // Nothing of an earlier run may pass for this one's: its gates, results and evidence go first.
    for (const p of phases) {
      await rm(p.spec.gate, { force: true });
      await rm(p.spec.dir, { recursive: true, force: true });
    }
    let preload: Promise<unknown> = Promise.resolve();
    /** Puts phase i's kube-proxy in place and opens its gate; resolves with the swap's failure, if any. */
    const open = async (i: number): Promise<string | undefined> => {
      const { spec, fault } = phases[i] as (typeof phases)[number];
      let failure: string | undefined;
      if (this.stopping) failure = 'interrupted';
      else if (fault) failure = await this.swapTo(mode, c, fault, () => preload);
      const next = phases.slice(i + 1).find((p) => p.fault)?.fault;
      const nextImage = next && !failure ? faultImage(next.name) : undefined;
      // The next fault's image goes into the nodes while this phase runs (containerd only stores
      // it; nothing starts it). A failure here is left to that fault's own swap to report.
      if (nextImage) preload = loadImageIntoNodes(c.cluster, nextImage).catch(() => undefined);
      await writeFile(spec.gate, failure ? `abort: ${failure}\n` : 'go\n');
      return failure;
    };
    // A first phase that is a fault swaps before the run starts: the global setup looks at the cluster.
    let opened: Promise<string | undefined> = phases[0]?.fault ? Promise.resolve(await open(0)) : open(0);
    const logFile = path.join(root, `${mode}.log`);
    const out = createWriteStream(logFile);
    this.child = new PlaywrightChild({
      tool: 'faults',
      output: out,
      env: {
        KPC_PROJECTS: mode,
        KPC_REPORT_DIR: path.join(root, `run-${mode}`),
        KPC_KEEP_CLUSTERS: '1',
        KPC_COMMAND: `${this.o.command} (${mode})`,
        [PHASES_ENV]: JSON.stringify(phases.map((p) => p.spec)),
        ...this.convergeEnv,
      },
      log: this.o.log,
      onStop: (sig) => this.interrupt(sig),
    });
    // Cases tagged control-plane judge no proxy behaviour (DNS records, env vars, EndpointSlice
    // conditions): a broken kube-proxy cannot change their verdict, so fault runs leave them out.
    const exited = this.child.run(['test', '--grep-invert', '@control-plane']).then((r) => ({ exit: `${r.exitCode ?? r.signal}` }));
    let baseCells: FaultCaseCell[] = given?.cases.filter((x) => x.project === mode).map(cellOf) ?? [];
    let since = t0;
    try {
      for (const [i, { spec, fault }] of phases.entries()) {
        const swapFailure = await opened;
        const results = await phaseResults(spec, exited);
        const ended = Date.now();
        // The next phase's swap starts now; this one is judged meanwhile.
        if (phases[i + 1]) opened = open(i + 1);
        const error = results ? undefined : `Playwright exited ${(await exited).exit} before the phase ${spec.name} ended; log ${logFile}`;
        if (!fault) {
          baseCells = results?.cases.filter((x) => x.project === mode).map(cellOf) ?? [];
          baselines.push({ mode, report: path.relative(this.o.reportDir, path.join(spec.dir, 'index.html')), cases: baseCells });
          const red = baseCells.filter((x) => x.status !== 'passed');
          this.o.log(`[${mode}] baseline: ${baseCells.length - red.length}/${baseCells.length} passed in ${fmt(ended - since)}${red.length ? `; not passing: ${red.map((x) => `${x.caseId} (${x.status})`).join(', ')}` : ''}${error ? `; ${error}` : ''}`);
        } else {
          const r = this.judgeFault(mode, fault, spec, results, baseCells, swapFailure ?? error, ended - since);
          runs.push(r);
          this.o.log(`[${mode}] ${runs.filter((x) => x.mode === mode).length}/${faults.length} ${fault.name}: ${r.verdict.toUpperCase()} in ${fmt(r.durationMs)} (elapsed ${fmt(Date.now() - t0)})${r.verdict === 'caught' ? '' : ` — ${r.reason}`}; failing cases: ${r.caughtBy.join(', ') || 'none'}`);
        }
        since = ended;
      }
    } finally {
      // Whatever ends the loop, no case may wait at a gate nobody will open.
      for (const p of phases) if (!existsSync(p.spec.gate)) await writeFile(p.spec.gate, 'abort: the fault run stopped\n').catch(() => undefined);
      await opened.catch(() => undefined);
      await exited;
      this.child = undefined;
      out.end();
      await preload;
      for (const p of phases) await rm(p.spec.gate, { force: true });
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

  /** Swaps kube-proxy to the fault's image; returns why it failed (the real kube-proxy is then back). */
  private async swapTo(mode: ProxyMode, c: { cluster: string; kubeconfig: string }, f: Fault, preloaded: () => Promise<unknown>): Promise<string | undefined> {
    const image = faultImage(f.name);
    if (!image) return `no image for fault ${f.name}: run npm run images -- --faults`;
    const t1 = Date.now();
    try {
      await preloaded();
      await applyFault(c.cluster, c.kubeconfig, f.name, image);
      this.o.log(`[${mode}] ${f.name}: kube-proxy runs ${image} on every node (${fmt(Date.now() - t1)})`);
      return undefined;
    } catch (e) {
      // A failed swap: the next fault starts from the real kube-proxy.
      await this.restore(mode, c, imageEntry('kube-proxy').local);
      return `the swap to ${f.name} failed: ${(e as Error).message}`;
    }
  }

  private judgeFault(mode: ProxyMode, f: Fault, spec: PhaseSpec, results: Results | undefined, baseline: FaultCaseCell[], failure: string | undefined, durationMs: number): FaultRun {
    const image = faultImage(f.name);
    const base = { fault: f.name, mode, ...(image ? { image } : {}), report: path.relative(this.o.reportDir, path.join(spec.dir, 'index.html')) };
    if (failure || !results) return { ...base, verdict: 'inconclusive', reason: `infrastructure error: ${failure ?? 'the phase wrote no results'}`, controls: [], caughtBy: [], cases: [], durationMs };
    const cases = results.cases.filter((x) => x.project === mode);
    const controls = f.catches.map((k) =>
      judgeControl(mode, f.description, { caseId: k.case, rows: k.rows, deviation: k.deviation }, cases.find((x) => x.id === k.case), baselineOf(baseline, k.case)),
    );
    const { verdict, reason } = faultVerdict(controls, this.stopping ? 'interrupted' : undefined);
    return { ...base, verdict, reason, controls, caughtBy: cases.filter((x) => x.status === 'failed').map((x) => x.id), cases: cases.map(cellOf), durationMs };
  }
}

/** The phase's results.json once its last case has ended (reporter.ts), or undefined when the run exits first. */
async function phaseResults(spec: PhaseSpec, exited: Promise<unknown>, pollMs = 300): Promise<Results | undefined> {
  const file = path.join(spec.dir, 'results.json');
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Results;
    if (done) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
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
