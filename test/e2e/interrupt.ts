/**
 * Cleanup proven on real runs: starts `npm run conformance` on a fresh kind cluster, sends
 * SIGINT or SIGTERM to the npm process at a chosen point, waits for it to exit, then checks that
 * nothing of that run is left and that the report written so far is valid.
 *
 *   npx tsx test/e2e/interrupt.ts [--points create,mid-case,capture,report] [--signals SIGINT,SIGTERM]
 *                                 [--mode iptables] [--grep source-ip/] [--out bench/results/interrupt.json]
 *
 * Points (each detected from outside, as a user would see it):
 *   create   — kind is creating the cluster (its "Preparing nodes" line);
 *   mid-case — the run's outside-client container exists (cases are running);
 *   capture  — a tcpdump capture container of the run exists;
 *   report   — results.json has appeared (the reporter is writing the report).
 * Left-over checks: kind clusters with the run's prefix, containers labelled with the run id,
 * tcpdump processes on the host, new /tmp/kpc-cert-* entries (the run's only temporary files); then results.json, when present, is read
 * by the same validator as `npm run report` and index.html exists. npm must exit 130 after a SIGINT;
 * after a SIGTERM npm 11 exits at once (143) without forwarding it, and the run must notice that
 * its launcher is gone and stop by itself (every process of the run is waited for).
 *
 * Not part of `npm test` (each point creates a cluster: about 3 minutes); bench/results keeps
 * the last run's table with its command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { kindBinary } from '../../clusters/kind.ts';

type Point = 'create' | 'mid-case' | 'capture' | 'report';
const POINTS: readonly Point[] = ['create', 'mid-case', 'capture', 'report'];

const { values: a } = parseArgs({
  options: {
    points: { type: 'string', default: POINTS.join(',') },
    signals: { type: 'string', default: 'SIGINT,SIGTERM' },
    mode: { type: 'string', default: 'iptables' },
    grep: { type: 'string', default: 'source-ip/' },
    out: { type: 'string' },
  },
});
const points = a.points.split(',').map((s) => s.trim()) as Point[];
const bad = points.filter((p) => !POINTS.includes(p));
if (bad.length) {
  console.error(`interrupt: unknown point(s) ${bad.join(', ')}; known: ${POINTS.join(', ')}`);
  process.exit(2);
}
const signals = a.signals.split(',').map((s) => s.trim()) as NodeJS.Signals[];
if (signals.some((s) => s !== 'SIGINT' && s !== 'SIGTERM')) {
  console.error('interrupt: --signals takes SIGINT and/or SIGTERM');
  process.exit(2);
}

interface Outcome {
  point: Point;
  signal: NodeJS.Signals;
  reached: boolean;
  signalledAfterS?: number;
  exitCode: number | null;
  stoppedInS?: number;
  leftovers: string[];
  report: string;
  ok: boolean;
  log: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function docker(args: string[]): Promise<string> {
  return (await execa('docker', args, { reject: false })).stdout.trim();
}

async function kindClusters(prefix: string): Promise<string[]> {
  const r = await execa(kindBinary(), ['get', 'clusters'], { reject: false });
  return r.stdout.split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
}

/** The run's own temporary files (the https case's certificates); unit tests elsewhere on the machine use other prefixes. */
function tmpEntries(): Set<string> {
  return new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('kpc-cert-')));
}

async function reached(point: Point, runId: string, reportDir: string, log: () => string): Promise<boolean> {
  switch (point) {
    case 'create':
      return /Preparing nodes/.test(log());
    case 'mid-case':
      return (await docker(['ps', '-q', '--filter', `label=kpc.run=${runId}`, '--filter', 'label=kpc.role=outside-client'])) !== '';
    case 'capture':
      return (await docker(['ps', '-q', '--filter', `label=kpc.run=${runId}`, '--filter', 'label=kpc.role=capture'])) !== '';
    case 'report':
      return existsSync(path.join(reportDir, 'results.json'));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function once(point: Point, signal: NodeJS.Signals, n: number): Promise<Outcome> {
  const runId = `intr${n}-${Date.now().toString(36)}`;
  const prefix = `kpc-intr${n}-`;
  const reportDir = path.join(os.tmpdir(), 'kpc-intr', `${point}-${signal}`);
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });
  const logFile = path.join(reportDir, '..', `${point}-${signal}.log`);
  const tmpBefore = tmpEntries();
  let text = '';
  const out = createWriteStream(logFile);
  const child: ChildProcess = spawn('npm', ['run', 'conformance', '--', '--modes', a.mode, '--grep', a.grep], {
    env: { ...process.env, KPC_RUN_ID: runId, KPC_CLUSTER_PREFIX: prefix, KPC_REPORT_DIR: reportDir, KPC_KEEP: '', KPC_KEEP_CLUSTERS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the run's processes (npm, sh, tsx, the CLI) can be waited for even
    // after npm itself exits (npm 11 exits at once on SIGTERM and does not forward it).
    detached: true,
  });
  const onData = (b: Buffer) => {
    text += b.toString();
    out.write(b);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((res) => child.on('exit', (code, sig) => res(code ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : null))));
  let done = false;
  void exited.then(() => (done = true));
  const t0 = Date.now();
  const o: Outcome = { point, signal, reached: false, exitCode: null, leftovers: [], report: '', ok: false, log: logFile };
  console.log(`[interrupt] ${point} / ${signal}: run ${runId}, cluster prefix ${prefix}, log ${logFile}`);
  // Wait for the point (bounded); poll fast for the short-lived ones.
  while (!done && Date.now() - t0 < 15 * 60_000) {
    if (await reached(point, runId, reportDir, () => text)) {
      o.reached = true;
      break;
    }
    await sleep(point === 'report' ? 10 : 250);
  }
  if (!o.reached) console.log(`[interrupt] ${point} / ${signal}: the point was not reached (${done ? 'the run ended first' : 'timed out'})`);
  if (!done) {
    o.signalledAfterS = Math.round((Date.now() - t0) / 1000);
    const ts = Date.now();
    child.kill(signal);
    console.log(`[interrupt] ${point} / ${signal}: sent ${signal} to npm (pid ${child.pid}) after ${o.signalledAfterS} s`);
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    o.exitCode = await exited;
    // npm may be gone while the run it started is still cleaning up: wait for the whole group.
    while (groupAlive(child.pid!) && Date.now() - ts < 10 * 60_000) await sleep(500);
    clearTimeout(killTimer);
    o.stoppedInS = Math.round((Date.now() - ts) / 1000);
  } else {
    o.exitCode = await exited;
  }
  out.end();
  // What the run may have left.
  await sleep(2000);
  for (const c of await kindClusters(prefix)) o.leftovers.push(`kind cluster ${c}`);
  const containers = await docker(['ps', '-a', '--filter', `label=kpc.run=${runId}`, '--format', '{{.Names}} ({{.Label "kpc.role"}})']);
  for (const c of containers.split('\n').filter(Boolean)) o.leftovers.push(`container ${c}`);
  const nodes = await docker(['ps', '-a', '--filter', `name=^${prefix}`, '--format', '{{.Names}}']);
  for (const c of nodes.split('\n').filter(Boolean)) o.leftovers.push(`node container ${c}`);
  const tcpdump = (await execa('pgrep', ['-af', 'tcpdump'], { reject: false })).stdout.split('\n').filter((l) => l.includes(runId) || l.includes('kpc-'));
  for (const p of tcpdump) o.leftovers.push(`process ${p}`);
  for (const e of tmpEntries()) if (!tmpBefore.has(e)) o.leftovers.push(`temp file /tmp/${e}`);
  const results = path.join(reportDir, 'results.json');
  if (existsSync(results)) {
    const { readResults } = await import('../../reports/read.ts');
    try {
      const r = await readResults(results);
      const html = existsSync(path.join(reportDir, 'index.html'));
      o.report = `results.json valid (${r.results.cases.length} case results${r.warnings.length ? `, ${r.warnings.length} warnings` : ''}), index.html ${html ? 'present' : 'MISSING'}`;
      if (!html) o.leftovers.push('a results.json without its index.html');
    } catch (e) {
      o.report = `results.json INVALID: ${(e as Error).message.split('\n')[0]}`;
      o.leftovers.push('an invalid results.json');
    }
  } else {
    o.report = 'no results.json (interrupted before any case ran)';
    if (point !== 'create') o.leftovers.push('no results.json although cases had run');
  }
  // npm exits 130 after a SIGINT it passed on; on SIGTERM it dies at once (143) and the run it
  // launched stops by itself (harness/run/playwright-child.ts): its own line says so.
  const stoppedItself = signal === 'SIGTERM' ? /the process that launched this run \(pid \d+\) exited; stopping as on SIGTERM|SIGTERM: stopping the tests/.test(text) : true;
  if (!stoppedItself) o.leftovers.push('the run never said it was stopping');
  o.ok = o.reached && o.exitCode === (signal === 'SIGTERM' ? 143 : 130) && o.leftovers.length === 0;
  console.log(`[interrupt] ${point} / ${signal}: ${o.ok ? 'CLEAN' : 'NOT CLEAN'}: exit ${o.exitCode}, stopped in ${o.stoppedInS ?? '-'} s; ${o.report}${o.leftovers.length ? `; left: ${o.leftovers.join('; ')}` : ''}`);
  // Whatever the verdict, leave the machine as it was.
  for (const c of await kindClusters(prefix)) await execa(kindBinary(), ['delete', 'cluster', '--name', c], { reject: false });
  const ids = await docker(['ps', '-aq', '--filter', `label=kpc.run=${runId}`]);
  if (ids) await execa('docker', ['rm', '-f', ...ids.split('\n')], { reject: false });
  return o;
}

const outcomes: Outcome[] = [];
let n = 0;
const started = new Date();
for (const point of points) for (const signal of signals) outcomes.push(await once(point, signal, ++n));
console.log('\n| point | signal | reached | signalled after | exit | stopped in | report | left behind |\n|---|---|---|---|---|---|---|---|');
for (const o of outcomes) console.log(`| ${o.point} | ${o.signal} | ${o.reached ? 'yes' : 'no'} | ${o.signalledAfterS ?? '-'} s | ${o.exitCode} | ${o.stoppedInS ?? '-'} s | ${o.report} | ${o.leftovers.join('; ') || 'nothing'} |`);
if (a.out) {
  const command = `npx tsx test/e2e/interrupt.ts ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(a.out, JSON.stringify({ command, startedAt: started.toISOString(), machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, outcomes }, null, 2));
}
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
