/**
 * Node access side by side (issue 14; not a test): for each mode, the whole catalogue on one
 * warm kind cluster with `--node-access docker`, then with `--node-access pod`, same cluster,
 * same cases (rounds alternate the order). Records Playwright's own duration (so time spent
 * waiting for the heavy lock is not counted), per-case durations, outcomes, and per case the
 * evidence each path produced (captures, decoded packets, rule excerpts), so "same evidence"
 * is checked, not assumed. Writes bench/results/node-access.json with the command.
 *
 *   npx tsx bench/node-access.ts [--modes iptables,nftables] [--rounds 1] [--lock /tmp/kpc-heavy.lock] [--keep-clusters]
 *
 * `--lock FILE` runs each catalogue run under `flock FILE` (one suite run per hold).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { deleteCluster, getCluster } from '../clusters/cluster.ts';
import type { Results } from '../reports/model.ts';

const { values: opts } = parseArgs({
  options: {
    modes: { type: 'string', default: 'iptables,nftables' },
    rounds: { type: 'string', default: '1' },
    lock: { type: 'string' },
    'keep-clusters': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/node-access.json' },
  },
});
const modes = opts.modes.split(',').map((s) => s.trim()).filter(Boolean);
const rounds = Number(opts.rounds);
const out = path.resolve(opts.out);
const reportRoot = path.resolve(process.env.KPC_REPORT_DIR ?? 'out/bench-node-access');

type Access = 'docker' | 'pod';

interface RunRecord {
  access: Access;
  round: number;
  playwrightSeconds: number;
  caseSecondsSum: number;
  nodeAccessRecorded?: string;
  totals: Results['totals'];
  failed: string[];
  caseSeconds: Record<string, number>;
  /** caseId -> evidence counts by kind (pcap files, decoded packet rows, rule excerpts). */
  evidence: Record<string, { pcap: number; packets: number; rules: number }>;
  report: string;
}

async function catalogue(mode: string, access: Access, round: number): Promise<RunRecord> {
  const report = path.join(reportRoot, `${mode}-${access}-${round}`);
  const cmd = ['npm', 'run', 'conformance', '--', '--modes', mode, '--node-access', access, '--keep-clusters'];
  const argv = opts.lock ? ['flock', opts.lock, ...cmd] : cmd;
  console.log(`[bench] ${mode} ${access} round ${round}: ${argv.join(' ')}`);
  await execa(argv[0] ?? 'npm', argv.slice(1), { stdio: 'inherit', reject: false, env: { ...process.env, KPC_REPORT_DIR: report } });
  const file = path.join(report, 'results.json');
  if (!existsSync(file)) throw new Error(`no ${file} after the ${mode}/${access} run`);
  const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const tenth = (ms: number) => Math.round(ms / 100) / 10;
  return {
    access,
    round,
    playwrightSeconds: tenth(r.run.durationMs),
    caseSecondsSum: tenth(r.cases.reduce((a, c) => a + c.durationMs, 0)),
    nodeAccessRecorded: r.projects.find((p) => p.name === mode)?.nodeAccess,
    totals: r.totals,
    failed: r.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => `${c.id} (${c.status}): ${c.reason ?? ''}`),
    caseSeconds: Object.fromEntries(r.cases.map((c) => [c.id, tenth(c.durationMs)])),
    evidence: Object.fromEntries(
      r.cases.map((c) => [
        c.id,
        {
          pcap: c.evidence.filter((e) => e.kind === 'pcap').length,
          packets: c.evidence.reduce((a, e) => a + (e.packets?.length ?? 0), 0),
          rules: c.evidence.filter((e) => e.kind === 'rules' && e.text && !e.text.startsWith('(no rules')).length,
        },
      ]),
    ),
    report: path.relative(process.cwd(), report),
  };
}

/** Cases whose evidence differs in kind between the two paths (a capture or rule dump missing on one). */
function evidenceGaps(a: RunRecord, b: RunRecord): string[] {
  const gaps: string[] = [];
  for (const [id, ea] of Object.entries(a.evidence)) {
    const eb = b.evidence[id];
    if (!eb) gaps.push(`${id}: only in the ${a.access} run`);
    else if (ea.pcap !== eb.pcap || ea.rules !== eb.rules || (ea.packets > 0) !== (eb.packets > 0))
      gaps.push(`${id}: ${a.access} pcap ${ea.pcap}/rules ${ea.rules}/packets ${ea.packets}, ${b.access} pcap ${eb.pcap}/rules ${eb.rules}/packets ${eb.packets}`);
  }
  return gaps;
}

async function main(): Promise<void> {
  const perMode: Record<string, unknown> = {};
  for (const mode of modes) {
    const name = `${process.env.KPC_CLUSTER_PREFIX ?? 'kpc-'}${mode}`;
    const existed = !!(await getCluster(name));
    let warmUp: RunRecord | undefined;
    if (!existed) warmUp = await catalogue(mode, 'docker', 0); // creates the cluster; not counted
    const runs: RunRecord[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order: Access[] = round % 2 ? ['docker', 'pod'] : ['pod', 'docker'];
      for (const access of order) runs.push(await catalogue(mode, access, round));
    }
    const sum = (a: Access, k: 'playwrightSeconds' | 'caseSecondsSum') => runs.filter((r) => r.access === a).reduce((s, r) => s + r[k], 0);
    const overhead = (k: 'playwrightSeconds' | 'caseSecondsSum') => Math.round((1000 * (sum('pod', k) - sum('docker', k))) / sum('docker', k)) / 10;
    const docker = runs.filter((r) => r.access === 'docker');
    const pod = runs.filter((r) => r.access === 'pod');
    perMode[mode] = {
      clusterWarmUp: warmUp ? { playwrightSeconds: warmUp.playwrightSeconds, totals: warmUp.totals } : 'cluster already warm',
      podOverheadPercent: { playwright: overhead('playwrightSeconds'), caseSecondsSum: overhead('caseSecondsSum') },
      withinBound: overhead('playwrightSeconds') <= 20,
      evidenceGaps: docker.flatMap((d, i) => (pod[i] ? evidenceGaps(d, pod[i]) : [])),
      runs,
    };
    if (!opts['keep-clusters']) await deleteCluster(name);
  }
  const record = {
    command: `npx tsx bench/node-access.ts ${process.argv.slice(2).join(' ')}`.trim(),
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10) },
    workers: Number(process.env.KPC_WORKERS ?? 2),
    samples: Number(process.env.KPC_SAMPLES ?? 5),
    bound: 'the pod path adds at most 20% to the catalogue on a warm kind cluster (issue 14), measured on Playwright duration',
    perMode,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  for (const [mode, m] of Object.entries(perMode) as [string, { podOverheadPercent: { playwright: number }; runs: RunRecord[]; evidenceGaps: string[] }][]) {
    for (const r of m.runs) console.log(`${mode} ${r.access} round ${r.round}: playwright ${r.playwrightSeconds}s, cases ${r.caseSecondsSum}s, ${JSON.stringify(r.totals)}${r.failed.length ? `, failed: ${r.failed.join('; ')}` : ''}`);
    console.log(`${mode}: pod path overhead ${m.podOverheadPercent.playwright}% (Playwright duration); evidence gaps: ${m.evidenceGaps.length ? m.evidenceGaps.join('; ') : 'none'}`);
  }
  console.log(`written to ${out}`);
}

void main();
