import { test } from 'node:test';
import { tempDir } from './tmp.ts';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const SHIM = path.resolve(import.meta.dirname, '../../clusters/docker-shim/docker');
const FLAGS = readFileSync(path.resolve(import.meta.dirname, '../../clusters/docker-shim/unprivileged.flags'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'))
  .filter((l) => !/^--device=\/dev\//.test(l) || existsDev(l.slice('--device='.length)));

function existsDev(p: string): boolean {
  return existsSync(p);
}

/** A fake `docker` that prints each argument on its own line. */
function fakeDocker(): { dir: string; bin: string } {
  const dir = tempDir('kpc-shim-');
  const bin = path.join(dir, 'docker-real');
  writeFileSync(bin, '#!/usr/bin/env bash\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(bin, 0o755);
  return { dir, bin };
}

async function viaShim(args: string[], mode: 'ok' | 'refused'): Promise<string[]> {
  const { dir, bin } = fakeDocker();
  const r = await execa(SHIM, args, { env: { KPC_REAL_DOCKER: bin, KPC_DOCKER_PRIVILEGED: mode, KPC_CACHE: dir } });
  return r.stdout.split('\n');
}

const RUN = ['run', '--name', 'n1', '--detach', '--tty', '--privileged', '--security-opt', 'seccomp=unconfined', '--tmpfs', '/tmp', '--volume', '/var', 'img:tag'];

test('hosts that allow privileged mode: arguments pass through untouched', async () => {
  assert.deepEqual(await viaShim(RUN, 'ok'), RUN);
  assert.deepEqual(await viaShim(['exec', '--privileged', '-i', 'n1', 'cat', '/kind/version'], 'ok'), ['exec', '--privileged', '-i', 'n1', 'cat', '/kind/version']);
});

test('refusing hosts: run --privileged becomes the capability set, in place', async () => {
  const out = await viaShim(RUN, 'refused');
  const i = RUN.indexOf('--privileged');
  assert.deepEqual(out, [...RUN.slice(0, i), ...FLAGS, ...RUN.slice(i + 1)]);
  assert.ok(out.includes('--cap-drop=SYS_RESOURCE'));
  assert.ok(!out.includes('--privileged'));
});

test('refusing hosts: exec drops --privileged (the process inherits the node capabilities)', async () => {
  assert.deepEqual(await viaShim(['exec', '--privileged', '-i', 'n1', 'kubeadm', 'init'], 'refused'), ['exec', '-i', 'n1', 'kubeadm', 'init']);
});

test('refusing hosts: arguments of the container command are never rewritten', async () => {
  const args = ['run', '--rm', 'img', 'echo', '--privileged'];
  assert.deepEqual(await viaShim(args, 'refused'), args);
  const ex = ['exec', 'n1', 'sh', '-c', 'echo --privileged'];
  assert.deepEqual(await viaShim(ex, 'refused'), ex);
});

test('other commands pass through', async () => {
  for (const args of [['ps', '-a'], ['inspect', '--format', '{{.Id}}', 'x'], ['network', 'inspect', 'kind']]) {
    assert.deepEqual(await viaShim(args, 'refused'), args);
  }
});

test('the probe decides once and caches per engine and boot', async () => {
  const { dir } = fakeDocker();
  const bin = path.join(dir, 'docker-probe');
  const calls = path.join(dir, 'calls');
  // refuses `run --privileged ... true` like the hosts in the notes; echoes everything else
  writeFileSync(
    bin,
    `#!/usr/bin/env bash
echo "$*" >> ${JSON.stringify(calls)}
if [[ "$1" == info ]]; then echo engine-1; exit 0; fi
if [[ "$1" == run && "$*" == *"--entrypoint true"* ]]; then echo 'runc create failed: unable to start container process: unable to apply caps: operation not permitted' >&2; exit 125; fi
for a in "$@"; do printf "%s\\n" "$a"; done
`,
  );
  chmodSync(bin, 0o755);
  const env = { KPC_REAL_DOCKER: bin, KPC_CACHE: dir };
  const first = await execa(SHIM, RUN, { env });
  assert.ok(first.stdout.split('\n').includes('--cap-drop=SYS_RESOURCE'));
  await execa(SHIM, RUN, { env });
  const probes = readFileSync(calls, 'utf8').split('\n').filter((l) => l.includes('--entrypoint true'));
  assert.equal(probes.length, 1, 'probed once, then cached');
});
