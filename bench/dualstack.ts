/**
 * Dual stack measured (issue 9 item 12; not a test): the opt-in `iptables-dual` column (a
 * dual-stack kind cluster) runs its source-IP cases `--runs` times in a row on one cluster, then
 * the plain `iptables` column runs the same cases once (`--grep source-ip`) to show the
 * single-stack column unchanged. Records per run: wall and Playwright time, totals, every check
 * row of the source-IP cases with its verdict and observations (the IPv6 rows show the IPv6
 * client and node addresses the endpoints saw), and the IPv6 SYNs decoded from the captures.
 * With `--faults a,b`, each fault of the catalogue (clusters/faults/) whose declared case the
 * column runs is put into the dual-stack cluster's kube-proxy (the fault runner's image swap),
 * that case runs once, and the record says which of its declared rows turned red over IPv4 and
 * over IPv6 (proof that the ` [IPv6]` rows catch real faults); kube-proxy is restored after each.
 * Writes bench/results/dualstack.json with the command.
 *
 *   npx tsx bench/dualstack.ts [--runs 2] [--faults a,b] [--lock /tmp/kpc-heavy.lock] [--keep-clusters] [--out FILE]
 *
 * `--lock FILE` runs each suite run under `flock FILE` (run the whole bench under flock instead
 * when faults are swapped in). Reports go to $KPC_REPORT_DIR/<label>.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { deleteCluster, getCluster } from '../clusters/cluster.ts';
import { loadCatalogue, rowMatcher } from '../clusters/faults/catalogue.ts';
import { imageEntry } from '../clusters/images.ts';
import { applyFault, restoreIfFaulty } from '../harness/faults/daemonset.ts';
import { faultImage } from '../harness/faults/runner.ts';
import { projectByName } from '../harness/run/projects.ts';
import { kindClusterName } from '../harness/run/provision.ts';
import type { Results } from '../reports/model.ts';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '2' },
    faults: { type: 'string', default: '' },
    lock: { type: 'string' },
    'keep-clusters': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/dualstack.json' },
  },
});
const runs = Number(opts.runs);
const reportRoot = path.resolve(process.env.KPC_REPORT_DIR ?? 'out/bench-dualstack');

interface RunRecord {
  label: string;
  command: string;
  exitCode: number;
  wallSeconds: number;
  playwrightSeconds: number;
  totals: Results['totals'];
  cases: { id: string; status: string; seconds: number; reason?: string }[];
  rows: { caseId: string; key: string; verdict: string; samples?: string; observedEcho?: string; observedWire?: string }[];
  /** IPv6 TCP SYNs to an endpoint decoded from the captures: "src -> dst:port" with counts. */
  ipv6Syns: Record<string, number>;
  report: string;
}

async function suite(label: string, args: string[]): Promise<RunRecord> {
  const report = path.join(reportRoot, label);
  const cmd = ['npm', 'run', 'conformance', '--', ...args, '--keep-clusters'];
  const argv = opts.lock ? ['flock', opts.lock, ...cmd] : cmd;
  console.log(`[bench] ${label}: ${argv.join(' ')}`);
  const t0 = Date.now();
  const r = await execa(argv[0] ?? 'npm', argv.slice(1), { stdio: 'inherit', reject: false, env: { ...process.env, KPC_REPORT_DIR: report } });
  const wall = (Date.now() - t0) / 1000;
  const file = path.join(report, 'results.json');
  if (!existsSync(file)) throw new Error(`no ${file} after ${label}`);
  const res = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const ipv6Syns: Record<string, number> = {};
  for (const c of res.cases) {
    for (const e of c.evidence) {
      for (const p of e.packets ?? []) {
        if (p.proto !== 'tcp' || p.flags !== 'S' || !p.src.includes(':')) continue;
        const k = `${c.id}: ${p.src} -> [${p.dst}]:${p.dstPort ?? ''}`;
        ipv6Syns[k] = (ipv6Syns[k] ?? 0) + 1;
      }
    }
  }
  return {
    label,
    command: argv.join(' '),
    exitCode: r.exitCode ?? -1,
    wallSeconds: Math.round(wall * 10) / 10,
    playwrightSeconds: Math.round(res.run.durationMs / 100) / 10,
    totals: res.totals,
    cases: res.cases.map((c) => ({ id: c.id, status: c.status, seconds: Math.round(c.durationMs / 100) / 10, ...(c.reason ? { reason: c.reason } : {}) })),
    rows: res.cases.flatMap((c) =>
      c.checks.map((k) => ({
        caseId: c.id,
        key: k.key,
        verdict: k.verdict,
        ...(k.samples ? { samples: `${k.samples.ok}/${k.samples.total}` } : {}),
        ...(k.observedEcho ? { observedEcho: k.observedEcho } : {}),
        ...(k.observedWire ? { observedWire: k.observedWire } : {}),
      })),
    ),
    ipv6Syns,
    report,
  };
}

interface FaultRecord {
  fault: string;
  caseId: string;
  /** The catalogue's row patterns for the case. */
  rows: string[];
  /** Declared rows that mismatched, per family (IPv6: the ` [IPv6]` rows). */
  redIpv4: string[];
  redIpv6: string[];
  caughtOverIpv6: boolean;
  run: RunRecord;
}

async function faultRun(fault: string, cluster: { name: string; kubeconfig: string }, cases: readonly string[]): Promise<FaultRecord[]> {
  const f = loadCatalogue().faults.find((x) => x.name === fault);
  if (!f) throw new Error(`no fault ${fault} in clusters/faults/catalogue.json`);
  const image = faultImage(fault);
  if (!image) throw new Error(`no image for fault ${fault}: npm run images -- --faults --only-faults ${fault}`);
  const out: FaultRecord[] = [];
  for (const k of f.catches.filter((c) => cases.includes(c.case))) {
    console.log(`[bench] fault ${fault}: ${image} into ${cluster.name}`);
    await applyFault(cluster.name, cluster.kubeconfig, fault, image);
    let run: RunRecord;
    try {
      run = await suite(`fault-${fault}`, ['--modes', 'iptables-dual', '--grep', k.case]);
    } finally {
      await restoreIfFaulty(cluster.name, cluster.kubeconfig, imageEntry('kube-proxy').local);
    }
    const red = run.rows.filter((r) => r.caseId === k.case && r.verdict === 'mismatch' && k.rows.some((p) => rowMatcher(p)(r.key.replace(/ \[IPv6\]$/, ''))));
    const redIpv6 = red.filter((r) => r.key.endsWith(' [IPv6]')).map((r) => r.key);
    out.push({ fault, caseId: k.case, rows: [...k.rows], redIpv4: red.filter((r) => !r.key.endsWith(' [IPv6]')).map((r) => r.key), redIpv6, caughtOverIpv6: redIpv6.length > 0, run });
  }
  return out;
}

async function main(): Promise<void> {
  const dualName = kindClusterName(projectByName('iptables-dual'));
  const plainName = kindClusterName(projectByName('iptables'));
  const existed = { dual: !!(await getCluster(dualName)), plain: !!(await getCluster(plainName)) };
  const dual: RunRecord[] = [];
  for (let i = 1; i <= runs; i++) dual.push(await suite(`iptables-dual-${i}`, ['--modes', 'iptables-dual']));
  const faults: FaultRecord[] = [];
  const wanted = opts.faults.split(',').map((x) => x.trim()).filter(Boolean);
  if (wanted.length) {
    const info = await getCluster(dualName);
    if (!info) throw new Error(`${dualName} is gone after the dual-stack runs`);
    const cases = projectByName('iptables-dual').cases ?? [];
    for (const fault of wanted) faults.push(...(await faultRun(fault, info, cases)));
  }
  const plain = await suite('iptables-source-ip', ['--modes', 'iptables', '--grep', 'source-ip']);
  if (!opts['keep-clusters']) {
    if (!existed.dual) await deleteCluster(dualName);
    if (!existed.plain) await deleteCluster(plainName);
  }
  const record = {
    command: `npx tsx bench/dualstack.ts ${process.argv.slice(2).join(' ')}`.trim(),
    env: { KPC_CLUSTER_PREFIX: process.env.KPC_CLUSTER_PREFIX ?? 'kpc-', KPC_REPORT_DIR: reportRoot },
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10) },
    workers: Number(process.env.KPC_WORKERS ?? 2),
    samples: Number(process.env.KPC_SAMPLES ?? 5),
    note: `the first iptables-dual run ${existed.dual ? 'reused an existing cluster' : 'includes creating the dual-stack cluster'}; the iptables run ${existed.plain ? 'reused an existing cluster' : 'includes creating its cluster'}`,
    dual,
    plain,
    faults,
  };
  mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  writeFileSync(path.resolve(opts.out), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`[bench] wrote ${opts.out}`);
  const failed = [...dual, plain].filter((r) => r.exitCode !== 0).map((r) => `${r.label} (exit ${r.exitCode})`);
  for (const f of faults) if (!f.caughtOverIpv6) failed.push(`fault ${f.fault} not caught by an IPv6 row of ${f.caseId}`);
  if (failed.length) {
    console.error(`[bench] runs that failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

void main();
