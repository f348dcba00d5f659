/**
 * Version columns measured (not a test): runs `npm run conformance -- --modes M
 * --kube-proxy-version R` once (clusters created and deleted by the run, as a user sees it) and
 * records the wall time, per column the kube-proxy version it reported, its totals and failed
 * cases, and the build time of each release's image (its step stamp). Writes
 * bench/results/versions.json with the command and machine; earlier entries of other commands
 * are kept under `runs`.
 *
 *   npx tsx bench/versions.ts --modes iptables@v1.33.13                 # one version column
 *   npx tsx bench/versions.ts --modes iptables --releases v1.33.13      # iptables and iptables@v1.33
 *   KPC_REPORT_DIR=/tmp/ver-report KPC_CLUSTER_PREFIX=kpc-ver- npx tsx bench/versions.ts --modes iptables,nftables --releases v1.33.13,v1.32.13
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { readStamp } from '../clusters/build/step-cache.ts';
import { kpcCache } from '../clusters/cache.ts';
import type { Results } from '../reports/model.ts';

const { values: opts } = parseArgs({
  options: {
    modes: { type: 'string', default: 'iptables' },
    releases: { type: 'string', default: '' },
    grep: { type: 'string' },
  },
});
const out = path.resolve('bench/results/versions.json');
const reportDir = path.resolve(process.env.KPC_REPORT_DIR ?? 'out/report');
const releases = opts.releases.split(',').map((s) => s.trim()).filter(Boolean);
const args = ['run', 'conformance', '--', '--modes', opts.modes, ...(releases.length ? ['--kube-proxy-version', releases.join(',')] : []), ...(opts.grep ? ['--grep', opts.grep] : [])];
// Releases named in column specs (iptables@v1.33.13) count too.
for (const m of opts.modes.split(',')) if (m.includes('@') && !releases.includes(m.split('@')[1]!)) releases.push(m.split('@')[1]!);

// A run that stops before writing results must not be recorded with an earlier run's file.
rmSync(path.join(reportDir, 'results.json'), { force: true });
const started = Date.now();
const r = await execa('npm', args, { stdio: 'inherit', reject: false });
const wallSeconds = Math.round((Date.now() - started) / 100) / 10;
if (!existsSync(path.join(reportDir, 'results.json'))) {
  console.error(`bench/versions: no results.json in ${reportDir} (exit ${r.exitCode}): nothing recorded`);
  process.exit(1);
}
const results = JSON.parse(readFileSync(path.join(reportDir, 'results.json'), 'utf8')) as Results;

const columns = Object.fromEntries(
  results.projects.map((p) => {
    const cells = results.cases.filter((c) => c.project === p.name);
    return [
      p.name,
      {
        kubeProxyVersion: p.kubeProxyVersion,
        kubeProxyRelease: p.kubeProxyRelease,
        cluster: p.cluster.name,
        totals: Object.fromEntries(['passed', 'failed', 'flaky', 'error', 'skipped', 'not-supported'].map((s) => [s, cells.filter((c) => c.status === s).length])),
        notPassed: cells.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status}${c.reason ? ` (${c.reason.slice(0, 160)})` : ''}`),
        caseSeconds: Math.round(cells.reduce((s, c) => s + c.durationMs, 0) / 100) / 10,
      },
    ];
  }),
);
const builds = Object.fromEntries(
  releases.map((v) => {
    const s = readStamp(kpcCache(), `kube-proxy-${v}`);
    return [v, s ? { step: s.step, seconds: Math.round(s.seconds * 10) / 10, finishedAt: s.finishedAt } : 'no stamp'];
  }),
);
const entry = {
  command: `npx tsx bench/versions.ts --modes ${opts.modes}${opts.releases ? ` --releases ${opts.releases}` : ''}${opts.grep ? ` --grep ${opts.grep}` : ''}`,
  runs: `npm ${args.join(' ')}`,
  env: { KPC_REPORT_DIR: process.env.KPC_REPORT_DIR, KPC_CLUSTER_PREFIX: process.env.KPC_CLUSTER_PREFIX, KPC_WORKERS: process.env.KPC_WORKERS ?? '2' },
  measuredAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim(), memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10) },
  exitCode: r.exitCode,
  wallSeconds,
  playwrightSeconds: Math.round(results.run.durationMs / 100) / 10,
  kubernetes: results.run.kubernetesVersion,
  releaseBuilds: builds,
  columns,
};
const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { runs?: unknown[] }) : {};
const kept = (previous.runs ?? []).filter((x) => (x as { command?: string }).command !== entry.command);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ updatedAt: entry.measuredAt, runs: [...kept, entry] }, null, 2) + '\n');
console.log(`bench/versions: ${wallSeconds}s wall, exit ${r.exitCode}; ${out}`);
