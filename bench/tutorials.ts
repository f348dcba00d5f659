/**
 * Benchmark of tutorial replays on a warm cluster (not a test): runs `npm run tutorial` for the
 * given pages on one mode's kind cluster, which must already run (warm it with a first
 * `npm run tutorial -- <page> --mode M --keep-clusters`), and records per page the replay's own
 * duration (from results.json: the Playwright test, namespace to cleanup), the command's wall
 * time, the verdict and each step's duration. Merges into bench/results/tutorials.json, so
 * one mode or page can be measured at a time (each under the shared heavy-work lock).
 *
 *   npx tsx bench/tutorials.ts --mode iptables --pages using-source-ip
 *   npx tsx bench/tutorials.ts --mode nftables --pages using-source-ip,connecting-applications
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { getCluster } from '../clusters/cluster.ts';
import type { Results } from '../reports/model.ts';

const { values: opts } = parseArgs({ options: { mode: { type: 'string', default: 'iptables' }, pages: { type: 'string', default: 'using-source-ip' } } });
const pages = opts.pages.split(',').map((s) => s.trim()).filter(Boolean);
const out = path.resolve('bench/results/tutorials.json');
const report = path.resolve(process.env.KPC_REPORT_DIR ?? 'out/report', 'results.json');
const BOUND_SECONDS = 90;

interface PageRecord {
  measuredAt: string;
  command: string;
  replaySeconds: number;
  wallSeconds: number;
  withinBound: boolean;
  verdict: string;
  steps: Record<string, { verdict: string; seconds: number }>;
  loadAverage: number[];
}

interface BenchFile {
  bound: string;
  machine: Record<string, unknown>;
  perMode: Record<string, Record<string, PageRecord>>;
}

async function main(): Promise<number> {
  const name = `${process.env.KPC_CLUSTER_PREFIX ?? 'kpc-'}${opts.mode}`;
  if (!(await getCluster(name))) {
    console.error(`bench/tutorials: kind cluster ${name} does not run; warm it first: npm run tutorial -- ${pages[0]} --mode ${opts.mode} --keep-clusters`);
    return 2;
  }
  const args = ['run', 'tutorial', '--', ...pages, '--mode', opts.mode, '--keep-clusters'];
  const t0 = Date.now();
  await execa('npm', args, { stdio: 'inherit', reject: false });
  const wall = (Date.now() - t0) / 1000;
  if (!existsSync(report)) throw new Error(`no ${report} after the replay`);
  const results = JSON.parse(readFileSync(report, 'utf8')) as Results;
  const file: BenchFile = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as BenchFile)
    : { bound: `each replay <= ${BOUND_SECONDS} s on a warm cluster (issue 13)`, machine: {}, perMode: {} };
  file.machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version, samples: Number(process.env.KPC_SAMPLES ?? 5) };
  const perMode = (file.perMode[opts.mode] ??= {});
  for (const page of pages) {
    const run = results.tutorials?.runs.find((r) => r.page === page && r.project === opts.mode && Date.parse(r.startedAt) >= t0 - 1000);
    if (!run) {
      console.error(`bench/tutorials: no fresh replay of ${page} on ${opts.mode} in ${report}`);
      continue;
    }
    const replaySeconds = Math.round(run.durationMs / 100) / 10;
    perMode[page] = {
      measuredAt: new Date().toISOString(),
      command: `npx tsx bench/tutorials.ts --mode ${opts.mode} --pages ${pages.join(',')}  (runs: npm ${args.join(' ')})`,
      replaySeconds,
      wallSeconds: Math.round(wall * 10) / 10,
      withinBound: replaySeconds <= BOUND_SECONDS,
      verdict: run.verdict,
      steps: Object.fromEntries(run.steps.map((s) => [s.id, { verdict: s.verdict, seconds: Math.round(s.durationMs / 100) / 10 }])),
      loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
    };
    console.log(`${page} on ${opts.mode}: replay ${replaySeconds} s (${replaySeconds <= BOUND_SECONDS ? 'within' : 'OVER'} ${BOUND_SECONDS} s), wall ${perMode[page]?.wallSeconds} s, ${run.verdict}`);
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`written to ${out}`);
  return 0;
}

main().then((c) => process.exit(c), (e) => {
  console.error(e);
  process.exit(1);
});
