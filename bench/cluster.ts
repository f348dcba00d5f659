/**
 * Benchmark of `createCluster` per proxy mode (not a test): wall time of create and delete and
 * the peak of system-wide used memory while the cluster comes up (MemTotal - MemAvailable,
 * sampled every 500 ms, above the level at start: an upper bound, it counts anything else
 * running). Writes bench/results/cluster.json with the command and the machine.
 *
 *   npx tsx bench/cluster.ts [--modes iptables,nftables]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCluster, deleteCluster, type ProxyMode } from '../clusters/cluster.ts';

const { values: opts } = parseArgs({ options: { modes: { type: 'string', default: 'iptables,nftables' } } });
const modes = opts.modes.split(',').map((s) => s.trim()) as ProxyMode[];

function usedMiB(): number {
  const m = readFileSync('/proc/meminfo', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return Math.round((get('MemTotal') - get('MemAvailable')) / 1024);
}

async function main(): Promise<void> {
  const perMode: Record<string, { createSeconds: number; deleteSeconds: number; peakUsedAboveStartMiB: number; usedAfterCreateMiB: number }> = {};
  for (const mode of modes) {
    const name = `kpc-bench-${mode}`;
    await deleteCluster(name);
    const base = usedMiB();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, usedMiB())), 500);
    const t0 = Date.now();
    await createCluster({ name, proxyMode: mode, log: (l) => console.log(`[${mode}] ${l}`) });
    const createSeconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const after = usedMiB();
    const t1 = Date.now();
    await deleteCluster(name);
    perMode[mode] = { createSeconds: Math.round(createSeconds * 10) / 10, deleteSeconds: Math.round((Date.now() - t1) / 100) / 10, peakUsedAboveStartMiB: peak - base, usedAfterCreateMiB: after - base };
    console.log(`${mode}: ${JSON.stringify(perMode[mode])}`);
  }
  const out = path.resolve('bench/results/cluster.json');
  mkdirSync(path.dirname(out), { recursive: true });
  const record = {
    command: `npx tsx bench/cluster.ts ${process.argv.slice(2).join(' ')}`.trim(),
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version },
    bound: 'cluster create under 3 minutes (issue 2): 1 control plane + 2 workers, MetalLB installed',
    perMode,
  };
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`written to ${out}`);
}

void main();
