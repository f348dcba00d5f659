/**
 * Benchmark of `npm run images` (not a test): wall time and peak memory of one run, plus the
 * per-step build times the cache stamps recorded, written to bench/results/images.json with the
 * command and the machine it ran on.
 *
 *   npx tsx bench/images.ts            warm: the cache as it is (expect only checks)
 *   npx tsx bench/images.ts --cold     cold: fresh KPC_CACHE, GOCACHE and GOMODCACHE under
 *                                      --cold-dir (default /tmp/kpc-bench-cold); Docker's own
 *                                      layer cache and the apt mirror are not reset. ~20-40 min.
 *   npx tsx bench/images.ts --cold --keep-go-cache
 *                                      fresh KPC_CACHE only: Go's module and build caches stay
 *                                      (measures our pipeline, not compiling Kubernetes)
 *   npx tsx bench/images.ts --steps    only record the stamps' per-step times of $KPC_CACHE
 *
 * Peak memory is reported two ways: the largest single process (GNU time's max RSS over the
 * command's descendants) and the peak of system-wide used memory above the level at start
 * (MemTotal - MemAvailable, sampled every 500 ms; includes page-cache-free usage of anything
 * else running, so treat it as an upper bound).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { kpcCache } from '../clusters/images.ts';
import type { Stamp } from '../clusters/build/step-cache.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(repoRoot, 'bench', 'results', 'images.json');

const { values: opts } = parseArgs({
  options: {
    cold: { type: 'boolean', default: false },
    'cold-dir': { type: 'string', default: '/tmp/kpc-bench-cold' },
    'keep-go-cache': { type: 'boolean', default: false },
    steps: { type: 'boolean', default: false },
    args: { type: 'string', default: '' },
  },
});

function usedMemKiB(): number {
  const m = readFileSync('/proc/meminfo', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return get('MemTotal') - get('MemAvailable');
}

async function machine(): Promise<Record<string, unknown>> {
  const out = async (cmd: string, args: string[]) => (await execa(cmd, args, { reject: false })).stdout.split('\n')[0] ?? '';
  return {
    hostname: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    go: await out('go', ['version']),
    docker: await out('docker', ['version', '--format', 'client {{.Client.Version}}, engine {{.Server.Version}}']),
  };
}

function stampTimes(cache: string): Array<{ step: string; seconds: number; finishedAt: string }> {
  const dir = path.join(cache, 'stamps');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Stamp)
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))
    .map((s) => ({ step: s.step, seconds: s.seconds, finishedAt: s.finishedAt }));
}

type Kind = 'warm' | 'cold' | 'coldKeepGoCache';

interface Run {
  kind: Kind;
  command: string;
  startedAt: string;
  exitCode: number;
  wallSeconds: number;
  maxProcessRssMiB: number;
  peakSystemUsedAboveStartMiB: number;
  stepTimes: Array<{ step: string; seconds: number; finishedAt: string }>;
}

async function measure(kind: Kind): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (kind !== 'warm') {
    const d = opts['cold-dir'];
    rmSync(d, { recursive: true, force: true });
    mkdirSync(path.join(d, 'kpc'), { recursive: true });
    env.KPC_CACHE = path.join(d, 'kpc');
    if (kind === 'cold') {
      for (const sub of ['gocache', 'gomodcache']) mkdirSync(path.join(d, sub), { recursive: true });
      Object.assign(env, { GOCACHE: path.join(d, 'gocache'), GOMODCACHE: path.join(d, 'gomodcache') });
    }
  }
  const extra = opts.args.split(' ').filter(Boolean);
  const timeFile = path.join(os.tmpdir(), `kpc-bench-time-${process.pid}`);
  const args = ['-o', timeFile, '-f', '%e %M', 'npm', 'run', '--silent', 'images', '--', ...extra];
  const base = usedMemKiB();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, usedMemKiB())), 500);
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const r = await execa('/usr/bin/time', args, { env, cwd: repoRoot, stdout: 'inherit', stderr: 'inherit', reject: false });
  clearInterval(sampler);
  const wall = (Date.now() - t0) / 1000;
  const [, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
  rmSync(timeFile, { force: true });
  return {
    kind,
    command: `${kind === 'cold' ? `KPC_CACHE=${env.KPC_CACHE} GOCACHE=${env.GOCACHE} GOMODCACHE=${env.GOMODCACHE} ` : kind === 'coldKeepGoCache' ? `KPC_CACHE=${env.KPC_CACHE} ` : ''}npm run images${extra.length ? ` -- ${extra.join(' ')}` : ''}`,
    startedAt,
    exitCode: r.exitCode ?? 1,
    wallSeconds: Math.round(wall * 10) / 10,
    maxProcessRssMiB: Math.round(Number(rss) / 1024),
    peakSystemUsedAboveStartMiB: Math.round((peak - base) / 1024),
    stepTimes: stampTimes(env.KPC_CACHE ?? kpcCache()),
  };
}

async function main(): Promise<void> {
  const previous = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
  const result: Record<string, unknown> = { ...previous, machine: await machine(), updatedAt: new Date().toISOString() };
  if (opts.steps) {
    result.stepsFromCacheStamps = { cache: kpcCache(), steps: stampTimes(kpcCache()) };
  } else {
    const run = await measure(opts.cold ? (opts['keep-go-cache'] ? 'coldKeepGoCache' : 'cold') : 'warm');
    result[run.kind] = run;
    console.log(`${run.kind}: ${run.wallSeconds}s, exit ${run.exitCode}, max process RSS ${run.maxProcessRssMiB} MiB, system peak +${run.peakSystemUsedAboveStartMiB} MiB`);
  }
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${path.relative(repoRoot, resultsFile)}`);
}

await main();
