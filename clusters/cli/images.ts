/**
 * npm run images [-- --offline] [--force] [--only a,b] [--list] [--faults [--only-faults a,b]] [--cilium] [--kube-proxy-versions v1.33.13,...]
 *
 * Builds everything a cluster and the suite need, from the pinned versions in
 * clusters/versions.json, without any container registry: Go programs from the module proxy,
 * image userlands from Debian, images by `docker import`/`docker build`, then the kind node
 * image. Steps are listed in clusters/build/steps.ts and cached in $KPC_CACHE (default
 * ~/.cache/kpc): a warm run only checks keys and outputs, then exits. `--faults` adds one
 * broken kube-proxy image per fault of clusters/faults/catalogue.json (clusters/build/fault-steps.ts).
 * `--cilium` adds the opt-in Cilium build (clusters/build/cilium-steps.ts, docs/cilium.md).
 * `--kube-proxy-versions` adds kube-proxy of other releases for version columns
 * (clusters/build/release-steps.ts, docs/versions.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { BUILD_STEPS, type BuildStep } from '../build/steps.ts';
import { faultSteps, type FaultBuildStep } from '../build/fault-steps.ts';
import { ciliumSteps } from '../build/cilium-steps.ts';
import { releaseSteps } from '../build/release-steps.ts';
import { readStamp, splitOutputs, stepKey, writeStamp } from '../build/step-cache.ts';
import { imageEntry, imagesCacheDir, kpcCache } from '../images.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const buildDir = path.join(repoRoot, 'clusters', 'build');
const LOG_TAIL = 30;
const HEARTBEAT_MS = 30_000;

const { values: opts } = parseArgs({
  options: {
    offline: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    faults: { type: 'boolean', default: false },
    'only-faults': { type: 'string' },
    cilium: { type: 'boolean', default: false },
    'kube-proxy-versions': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fmt(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

const say = (line: string) => console.log(line);

async function have(cmd: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${cmd}`], { reject: false })).exitCode === 0;
}

/** Debian packages the steps need, installed when missing (fresh machines). */
async function ensureHostTools(env: NodeJS.ProcessEnv): Promise<void> {
  const wanted: Array<[string, string]> = [
    ['dockerd', 'docker.io'],
    ['debootstrap', 'debootstrap'],
    ['jq', 'jq'],
    ['curl', 'curl'],
  ];
  const missing: string[] = [];
  for (const [cmd, pkg] of wanted) if (!(await have(cmd))) missing.push(pkg);
  if (missing.length) {
    say(`installing from Debian: ${missing.join(' ')} (apt-get)`);
    await execa('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    await execa('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!(await execa('sh', ['-c', 'command -v go'], { env, reject: false })).stdout) {
    throw new Error('no Go toolchain on PATH (need Go >= 1.24; /usr/local/go/bin is searched)');
  }
}

/** Starts dockerd in the background when no engine answers (no systemd on these machines). */
async function ensureDockerd(cache: string): Promise<void> {
  if ((await execa('docker', ['info'], { reject: false })).exitCode === 0) return;
  const log = path.join(cache, 'logs', 'dockerd.log');
  say(`no Docker engine answers: starting dockerd in the background (log ${log})`);
  await execa('sh', ['-c', `mkdir -p "${path.dirname(log)}"; nohup dockerd >"${log}" 2>&1 &`]);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await execa('docker', ['info'], { reject: false })).exitCode === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`dockerd did not come up within 60s; see ${log}`);
}

/** Outputs still present? Missing docker images are reloaded from their tars when possible. */
async function outputsPresent(step: BuildStep, versions: unknown, cache: string): Promise<string | undefined> {
  const { files, images, pointers } = splitOutputs(step, versions);
  for (const f of files) if (!existsSync(path.join(cache, f))) return `missing ${f}`;
  for (const p of pointers) {
    const file = path.join(cache, p);
    if (!existsSync(file)) return `missing ${p}`;
    const ptr = JSON.parse(readFileSync(file, 'utf8')) as { image?: string; complete?: boolean };
    if (!ptr.image) return `${p} names no image`;
    if (ptr.complete === false) return `${p}: ${ptr.image} was built without some images`;
    if ((await execa('docker', ['image', 'inspect', ptr.image], { reject: false })).exitCode !== 0) return `image ${ptr.image} (from ${p}) is not in Docker`;
  }
  for (const id of images) {
    const e = imageEntry(id);
    const tar = path.join(imagesCacheDir(), e.tar);
    if (!existsSync(tar)) return `missing ${tar}`;
    const tags = [e.local, ...(e.alsoTagged ?? [])];
    const inspect = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ...tags], { reject: false });
    if (inspect.exitCode !== 0) {
      say(`  ${id}: image not in Docker, loading ${tar}`);
      const load = await execa('docker', ['load', '-q', '-i', tar], { reject: false });
      if (load.exitCode !== 0) return `docker load ${tar} failed`;
    }
  }
  return undefined;
}

async function runStep(step: BuildStep, idx: string, env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  const started = Date.now();
  say(`▶ ${idx} ${step.name} (clusters/build/${step.script}) — log ${logFile}`);
  const timer = setInterval(() => say(`  … ${step.name} still running (${fmt(Date.now() - started)})`), HEARTBEAT_MS);
  // One log for stdout and stderr, in order. The step gets its own process group so that
  // Ctrl-C stops everything it started (go build, docker build), not only the shell.
  const child = execa('bash', ['-c', 'exec bash "$0" >"$1" 2>&1 </dev/null', path.join(buildDir, step.script), logFile], {
    env,
    reject: false,
    cwd: repoRoot,
    detached: true,
  });
  const stop = (sig: NodeJS.Signals) => {
    console.error(`\n${sig}: stopping step ${step.name}; its outputs were not renamed into place, the cache stays as it was`);
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const r = await child;
    return r.exitCode ?? 1;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function tail(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

async function main(): Promise<number> {
  if (opts.help) {
    say('usage: npm run images [-- --offline] [--force] [--only step1,step2] [--list] [--faults [--only-faults a,b]] [--cilium] [--kube-proxy-versions v1.33.13,...]');
    return 0;
  }
  const cache = kpcCache();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KPC_CACHE: cache,
    PATH: `/usr/local/go/bin:${process.env.HOME ?? '/root'}/go/bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
    ...(opts.offline ? { KPC_OFFLINE: '1' } : {}),
  };
  const versionsText = readFileSync(path.join(repoRoot, 'clusters', 'versions.json'), 'utf8');
  const versions: unknown = JSON.parse(versionsText);
  const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim())) : undefined;
  const wantedFaults = opts['only-faults']?.split(',').map((s) => s.trim()).filter(Boolean);
  let releases: BuildStep[] = [];
  try {
    if (opts['kube-proxy-versions'] !== undefined) releases = releaseSteps(opts['kube-proxy-versions'], (versions as { kubernetes: string }).kubernetes);
  } catch (e) {
    console.error(`npm run images: --kube-proxy-versions: ${(e as Error).message}`);
    return 2;
  }
  const STEPS: Array<BuildStep | FaultBuildStep> = [
    ...BUILD_STEPS,
    ...(opts.faults || wantedFaults ? faultSteps(wantedFaults) : []),
    ...(opts.cilium ? ciliumSteps() : []),
    ...releases,
  ];
  for (const n of only ?? []) if (!STEPS.some((s) => s.name === n)) throw new Error(`unknown step "${n}" (see --list)`);

  if (opts.list) {
    for (const s of STEPS) say(`${s.name.padEnd(18)} clusters/build/${s.script}${s.optional ? ' (optional)' : ''}${s.after ? `  after: ${s.after.join(', ')}` : ''}`);
    return 0;
  }

  const t0 = Date.now();
  say(`kpc images: cache ${cache}${opts.offline ? ' (--offline: no registry is used; every image is built locally)' : ''}`);
  await ensureHostTools(env);
  await ensureDockerd(cache);
  await execa('mkdir', ['-p', path.join(cache, 'logs', 'steps'), imagesCacheDir()]);

  const keys = new Map<string, string>();
  const total = STEPS.length;
  let built = 0;
  for (const [i, step] of STEPS.entries()) {
    const idx = `[${i + 1}/${total}]`;
    const depKeys = (step.after ?? []).map((a) => keys.get(a) ?? 'absent');
    const key = stepKey(step, { repoRoot, buildDir, versionsText, depKeys });
    keys.set(step.name, key);
    if (!existsSync(path.join(buildDir, step.script))) {
      if (step.optional) {
        say(`· ${idx} ${step.name}: skipped (clusters/build/${step.script} not present)`);
        keys.set(step.name, 'absent');
        continue;
      }
      throw new Error(`step ${step.name}: clusters/build/${step.script} is missing`);
    }
    const selected = !only || only.has(step.name);
    const stamp = readStamp(cache, step.name);
    const forced = opts.force && selected;
    if (!forced && stamp?.key === key) {
      const missing = await outputsPresent(step, versions, cache);
      if (!missing) {
        say(`✓ ${idx} ${step.name}: cached (key ${key}, built in ${fmt(stamp.seconds * 1000)})`);
        continue;
      }
      say(`  ${step.name}: cache key matches but ${missing}: rebuilding`);
    }
    if (!selected) {
      say(`· ${idx} ${step.name}: not selected (--only) and not cached${stamp ? ' for this key' : ''}`);
      continue;
    }
    const logFile = path.join(cache, 'logs', 'steps', `${step.name}.log`);
    const started = Date.now();
    const code = await runStep(step, idx, { ...env, ...step.env }, logFile);
    const took = Date.now() - started;
    if (code !== 0) {
      console.error(`✗ ${idx} step ${step.name} failed (exit ${code}) after ${fmt(took)}: clusters/build/${step.script}`);
      console.error(`--- last ${LOG_TAIL} lines of ${logFile} ---\n${tail(logFile, LOG_TAIL)}\n---`);
      console.error('The cache is unchanged for this step (its outputs are only renamed into place on success); fix and re-run.');
      return 1;
    }
    const missing = await outputsPresent(step, versions, cache);
    if (missing) {
      console.error(`✗ ${idx} step ${step.name} exited 0 but ${missing}; log ${logFile}`);
      return 1;
    }
    writeStamp(cache, { step: step.name, key, seconds: took / 1000, finishedAt: new Date().toISOString() });
    built++;
    say(`✓ ${idx} ${step.name}: built in ${fmt(took)}`);
  }
  say(`done in ${fmt(Date.now() - t0)} (${built} step${built === 1 ? '' : 's'} built, ${total - built} cached or skipped)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`npm run images: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
