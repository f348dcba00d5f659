/**
 * Benchmark of the fault catalogue (not a test): for each mode, `npm run conformance -- --faults
 * --modes <mode>` on a warm cluster (created first, untimed, when absent), the fault images
 * already built (`npm run images -- --faults`, timed separately when --build is given). Records
 * wall time per mode, per fault, the detection score and the gaps in bench/results/faults.json
 * (modes measured now replace their entries; other modes' entries stay).
 *
 *   npx tsx bench/faults.ts                      # iptables,nftables
 *   npx tsx bench/faults.ts --modes iptables --build --keep-clusters
 *   npx tsx bench/faults.ts --modes nftables --only-faults a,b   # a subset (recorded as such)
 *   npx tsx bench/faults.ts --fault-scope declared                # each fault against its declared cases only (the CI subset)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runChild } from './child.ts';
import { measuredCommit } from './commit.ts';
import { createCluster, deleteCluster, getCluster } from '../clusters/cluster.ts';
import { isProxyMode } from '../clusters/proxy-mode.ts';
import type { Results } from '../reports/model.ts';

const { values: opts } = parseArgs({
  options: {
    modes: { type: 'string', default: 'iptables,nftables' },
    build: { type: 'boolean', default: false },
    'only-faults': { type: 'string' },
    'fault-scope': { type: 'string', default: 'all' },
    'keep-clusters': { type: 'boolean', default: false },
  },
});
const modes = opts.modes.split(',').map((s) => s.trim()).filter(Boolean);
const out = path.resolve('bench/results/faults.json');
const report = path.resolve(process.env.KPC_REPORT_DIR ?? 'out/report', 'results.json');

async function main(): Promise<void> {
  const record: Record<string, unknown> = {
    command: `npx tsx bench/faults.ts ${process.argv.slice(2).join(' ')}`.trim(),
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version },
    bound: 'a full fault run (baseline + every fault, whole catalogue each) <= 40 minutes per mode on a warm cluster',
  };
  if (opts.build) {
    const t0 = Date.now();
    const r = await runChild('npm', ['run', 'images', '--', '--faults']);
    record.imagesFaults = { command: 'npm run images -- --faults', seconds: Math.round((Date.now() - t0) / 1000), exitCode: r.exitCode };
  }
  const perMode: Record<string, unknown> = {};
  // Entries of other modes stay from earlier runs, so each entry names its own code and time.
  const commit = await measuredCommit();
  for (const mode of modes) {
    if (!isProxyMode(mode)) throw new Error(`not a mode: ${mode}`);
    const name = `${process.env.KPC_CLUSTER_PREFIX ?? 'kpc-'}${mode}`;
    if (!(await getCluster(name))) await createCluster({ name, proxyMode: mode, log: (l) => console.log(`[${mode}] ${l}`) });
    const cmd = ['run', 'conformance', '--', '--faults', '--modes', mode, '--keep-clusters', '--fault-scope', opts['fault-scope'] ?? 'all', ...(opts['only-faults'] ? ['--only-faults', opts['only-faults']] : [])];
    const t0 = Date.now();
    const r = await runChild('npm', cmd);
    const wall = Math.round((Date.now() - t0) / 1000);
    if (!existsSync(report)) throw new Error(`no ${report} after the ${mode} fault run`);
    const f = (JSON.parse(readFileSync(report, 'utf8')) as Results).faults;
    const key = opts['fault-scope'] === 'declared' ? `${mode} (declared cases only)` : mode;
    perMode[key] = {
      command: `npm ${cmd.join(' ')}`,
      benchCommand: record.command,
      commit,
      measuredAt: new Date(t0).toISOString(),
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10),
      exitCode: r.exitCode,
      wallSeconds: wall,
      scope: opts['fault-scope'],
      score: f?.score.find((s) => s.mode === mode),
      gaps: f?.gaps ?? [],
      baselineNotPassing: f?.baselines.find((b) => b.mode === mode)?.cases.filter((c) => c.status !== 'passed').map((c) => `${c.caseId} (${c.status})`) ?? [],
      faults: Object.fromEntries((f?.runs ?? []).map((x) => [x.fault, { verdict: x.verdict, seconds: Math.round(x.durationMs / 1000), caughtBy: x.caughtBy }])),
    };
    console.log(`${key}: ${wall}s, ${JSON.stringify((perMode[key] as { score: unknown }).score)}`);
    // Written after every mode: a run stopped during the next mode keeps this one's numbers.
    save(record, perMode);
    if (!opts['keep-clusters']) await deleteCluster(name);
  }
}

function save(record: Record<string, unknown>, perMode: Record<string, unknown>): void {
  const before = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { perMode?: Record<string, unknown> }) : {};
  record.perMode = { ...(before.perMode ?? {}), ...perMode };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`written to ${out}`);
}

void main();
