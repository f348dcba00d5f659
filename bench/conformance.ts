/**
 * Benchmark of the conformance catalogue against warm clusters (not a test). For each mode:
 * makes sure its kind cluster runs (creating it once, untimed), then runs the whole catalogue
 * `--runs` times in a row on that same cluster and records wall time, Playwright's own
 * duration, per-case durations and the outcome of every run (a second run with a different
 * outcome is a flaky case). Writes bench/results/conformance.json with the command and machine.
 *
 *   npx tsx bench/conformance.ts                       # iptables,nftables, 2 runs each
 *   npx tsx bench/conformance.ts --modes nftables --runs 3 --keep-clusters
 *   npx tsx bench/conformance.ts --runs 10 --out bench/results/stability.json   # issue 12: 0 flaky cells in 10 runs
 *
 * Every run records each cell's outcome (`outcomes`: "project case-id" -> status); each mode
 * gets a `stability` summary over its runs: cells whose runs reached different proxy verdicts
 * (flaky, the same rule as `--repeat`), cells failed in every run, and runs with an
 * infrastructure error, each with the run numbers.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runChild } from './child.ts';
import { measuredCommit } from './commit.ts';
import { deleteCluster, getCluster, kubeconfigPath } from '../clusters/cluster.ts';
import { RUN_LABEL } from '../harness/run-id.ts';
import { Kube } from '../harness/probes/kube.ts';
import { combinedStatus } from '../harness/run/repeats.ts';
import type { Results, RunOutcome } from '../reports/model.ts';

const { values: opts } = parseArgs({
  options: {
    modes: { type: 'string', default: 'iptables,nftables' },
    runs: { type: 'string', default: '2' },
    'keep-clusters': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/conformance.json' },
  },
});
const modes = opts.modes.split(',').map((s) => s.trim()).filter(Boolean);
const runs = Number(opts.runs);
const out = path.resolve(opts.out);
const report = path.resolve('out/report/results.json');

interface RunRecord {
  run: number;
  /** Untimed wait before the run for earlier runs' namespaces to be gone (quietCluster). */
  quietWaitSeconds?: number;
  wallSeconds: number;
  playwrightSeconds: number;
  totals: Results['totals'];
  failed: string[];
  caseSeconds: Record<string, number>;
  /** "project case-id" -> the cell's status in this run. */
  outcomes: Record<string, RunOutcome['status']>;
}

interface Stability {
  runs: number;
  cells: number;
  /** Cells with passed and failed runs: the target is none. */
  flaky: { cell: string; outcomes: string }[];
  /** Cells failed in every run (a deviation, not a flake). */
  failedEveryRun: string[];
  /** Cells with an infrastructure error in some run, not counted as a proxy verdict. */
  errors: { cell: string; outcomes: string }[];
}

/** Cells across runs: flaky (mixed proxy verdicts), failed every time, or errored somewhere. */
function stability(runs: readonly RunRecord[]): Stability {
  const cells = [...new Set(runs.flatMap((r) => Object.keys(r.outcomes)))].sort();
  const line = (cell: string): RunOutcome['status'][] => runs.map((r) => r.outcomes[cell] ?? 'skipped');
  const show = (cell: string): string => line(cell).map((s, i) => `${i + 1}:${s}`).join(' ');
  return {
    runs: runs.length,
    cells: cells.length,
    flaky: cells.filter((c) => combinedStatus(line(c)) === 'flaky').map((cell) => ({ cell, outcomes: show(cell) })),
    failedEveryRun: cells.filter((c) => line(c).every((s) => s === 'failed')),
    errors: cells.filter((c) => line(c).includes('error')).map((cell) => ({ cell, outcomes: show(cell) })),
  };
}

/**
 * A warm cluster is a quiet one: a run asks for its namespaces' deletion and does not wait
 * (global-setup.ts), so back-to-back runs made the next run pay for the last one's deletions
 * (178 s then 211 s at c404a51). Before each counted run, wait (untimed, recorded) until no
 * namespace of an earlier run is left.
 */
async function quietCluster(name: string): Promise<number> {
  const t0 = Date.now();
  const kube = new Kube(kubeconfigPath(name));
  for (;;) {
    const left = (await kube.core.listNamespace({ labelSelector: RUN_LABEL })).items.length;
    if (!left) return Math.round((Date.now() - t0) / 100) / 10;
    if (Date.now() - t0 > 300_000) throw new Error(`${left} namespace(s) of earlier runs still on ${name} after 5 min`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function conformance(mode: string): Promise<{ wall: number; results: Results }> {
  const t0 = Date.now();
  await runChild('npm', ['run', 'conformance', '--', '--modes', mode, '--keep-clusters']);
  const wall = (Date.now() - t0) / 1000;
  if (!existsSync(report)) throw new Error(`no ${report} after the ${mode} run`);
  return { wall, results: JSON.parse(readFileSync(report, 'utf8')) as Results };
}

async function main(): Promise<void> {
  // The code measured: each mode's entry keeps it, since entries of other modes stay from earlier runs.
  const commit = await measuredCommit();
  const perMode: Record<string, { clusterCreatedSeconds?: number; runs: RunRecord[]; stability?: Stability; command?: string; measuredAt?: string; loadAverageAtEnd?: number[]; commit?: string }> = {};
  for (const mode of modes) {
    const name = `${process.env.KPC_CLUSTER_PREFIX ?? 'kpc-'}${mode}`;
    const existed = !!(await getCluster(name));
    const entry: { clusterCreatedSeconds?: number; runs: RunRecord[] } = { runs: [] };
    if (!existed) {
      // Warm-up: the first run creates the cluster; its time includes the create and is not counted.
      const w = await conformance(mode);
      entry.clusterCreatedSeconds = Math.round(w.wall);
    }
    for (let i = 1; i <= runs; i++) {
      const quiet = await quietCluster(name);
      const { wall, results } = await conformance(mode);
      entry.runs.push({
        run: i,
        quietWaitSeconds: quiet,
        wallSeconds: Math.round(wall * 10) / 10,
        playwrightSeconds: Math.round(results.run.durationMs / 100) / 10,
        totals: results.totals,
        failed: results.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => `${c.id} (${c.status}): ${c.reason ?? ''}`),
        caseSeconds: Object.fromEntries(results.cases.map((c) => [c.id, Math.round(c.durationMs / 100) / 10])),
        outcomes: Object.fromEntries(results.cases.map((c) => [`${c.project} ${c.id}`, c.status === 'flaky' ? 'failed' : c.status])),
      });
      console.log(`${mode} run ${i}/${runs}: ${JSON.stringify(results.totals)}`);
    }
    // Each mode's entry carries its own command and conditions: modes measured now replace
    // their entries, the others stay (the catalogue's start order reads every mode's durations).
    perMode[mode] = {
      ...entry,
      stability: stability(entry.runs),
      command: `KPC_WORKERS=${process.env.KPC_WORKERS ?? 2} npx tsx bench/conformance.ts ${process.argv.slice(2).join(' ')}`.trim(),
      measuredAt: new Date().toISOString(),
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10),
      commit,
    };
    if (!opts['keep-clusters']) await deleteCluster(name);
  }
  let earlier: Record<string, unknown> = {};
  try {
    earlier = (JSON.parse(readFileSync(out, 'utf8')) as { perMode?: Record<string, unknown> }).perMode ?? {};
  } catch {
    earlier = {};
  }
  const record = {
    command: `npx tsx bench/conformance.ts ${process.argv.slice(2).join(' ')}`.trim(),
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10) },
    workers: Number(process.env.KPC_WORKERS ?? 2),
    samples: Number(process.env.KPC_SAMPLES ?? 5),
    bound: 'whole catalogue against one warm cluster: at most 3 minutes per mode (issue 8), every case converged then sampled (5 judged attempts per path)',
    perMode: { ...earlier, ...perMode },
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  for (const [mode, e] of Object.entries(perMode)) {
    for (const r of e.runs) {
      const sourceIp = Object.entries(r.caseSeconds).filter(([id]) => id.startsWith('source-ip/') || id.startsWith('proxy/')).reduce((a, [, s]) => a + s, 0);
      console.log(`${mode} run ${r.run}: wall ${r.wallSeconds}s, playwright ${r.playwrightSeconds}s, Source IP + proxy cases ${sourceIp.toFixed(1)}s, ${JSON.stringify(r.totals)}${r.failed.length ? `, failed: ${r.failed.join('; ')}` : ''}`);
    }
  }
  for (const [mode, e] of Object.entries(perMode)) {
    const st = e.stability;
    if (st) console.log(`${mode} stability over ${st.runs} runs: ${st.cells} cells, ${st.flaky.length} flaky, ${st.failedEveryRun.length} failed in every run, ${st.errors.length} with an infrastructure error`);
  }
  console.log(`written to ${out}`);
}

void main();
