/**
 * Ctrl-C and SIGTERM through harness/run/playwright-child.ts, on a real Playwright run
 * (test/fixtures/interrupt: one slow case, a worker fixture standing for a created cluster):
 * a signal sent to our process alone (CI, `kill`) and one sent to the whole process group (a
 * terminal Ctrl-C) both reach the runner exactly once, so teardown runs and nothing is left.
 * Before, a SIGINT to the CLI alone never reached Playwright: a run went on for an hour.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { launcherPids, parentPidFromStat, SIGNAL_COPY_WINDOW_MS, signalAction } from '../../harness/run/playwright-child.ts';

test('signalAction: the first signal stops, copies within the window are one request, a later one forces once', () => {
  assert.equal(signalAction(undefined, 1000, false), 'stop');
  assert.equal(signalAction(1000, 1000 + SIGNAL_COPY_WINDOW_MS - 1, false), 'copy');
  assert.equal(signalAction(1000, 1000 + SIGNAL_COPY_WINDOW_MS + 1, false), 'force');
  assert.equal(signalAction(1000, 1000 + 5 * SIGNAL_COPY_WINDOW_MS, true), 'ignore');
});

test('parentPidFromStat / launcherPids: /proc stat lines, a command with spaces and parentheses, PID 1 ends the chain', () => {
  // Recorded on this machine: `cat /proc/self/stat`.
  assert.equal(parentPidFromStat('21643 (cat) R 21599 21599 1139 0 -1 4194304 125 0 0 0 0 0 0 0 20 0 1 0 385140'), 21599);
  assert.equal(parentPidFromStat('77 (node (tsx) x) S 42 77 1139 0 -1'), 42);
  assert.equal(parentPidFromStat('garbage'), undefined);
  const chain: Record<number, string> = { 100: '100 (node) S 90 1', 90: '90 (sh) S 80 1', 80: '80 (npm run confor) S 70 1', 70: '70 (bash) S 60 1', 60: '60 (sshd) S 1 1' };
  assert.deepEqual(launcherPids(6, 100, (p) => chain[p] ?? ''), [90, 80], 'up to npm, not the shell that launched npm');
  const noNpm: Record<number, string> = { 100: '100 (node) S 90 1', 90: '90 (sh) S 70 1', 70: '70 (bash) S 1 1' };
  assert.deepEqual(launcherPids(6, 100, (p) => noNpm[p] ?? ''), [90], 'no npm: only the parent');
  assert.deepEqual(launcherPids(6, 100, () => { throw new Error('no /proc'); }), []);
});

async function waitFor(file: string, text: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(text)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`"${text}" never appeared in ${file}`);
}

for (const [name, sig, group] of [
  ['SIGINT to the CLI process alone (CI, kill)', 'SIGINT', false],
  ['SIGTERM to the CLI process alone', 'SIGTERM', false],
  ['SIGINT to the whole process group (terminal Ctrl-C)', 'SIGINT', true],
] as const) {
  test(`interrupt: ${name} stops the run and teardown runs`, { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpc-interrupt-'));
    const marks = path.join(dir, 'marks.txt');
    try {
      const child = execa(process.execPath, ['--import', 'tsx', 'test/fixtures/interrupt/driver.ts'], {
        reject: false,
        detached: true,
        all: true,
        env: { ...process.env, KPC_INTERRUPT_DIR: dir },
      });
      await waitFor(marks, 'started', 60_000);
      const t0 = Date.now();
      process.kill(group ? -child.pid! : child.pid!, sig);
      const r = await child;
      const took = Date.now() - t0;
      const lines = readFileSync(marks, 'utf8').trim().split('\n');
      assert.deepEqual(lines, ['created', 'started with resource', 'torn down'], `marks: ${lines.join(' | ')}\n${r.all}`);
      assert.equal(r.exitCode, 130, r.all);
      assert.match(r.all, new RegExp(`driver: ${sig}: stopping the tests`));
      assert.doesNotMatch(r.all, /forcing Playwright/, 'one signal is one request, even when the terminal delivers copies');
      assert.ok(took < 30_000, `stopped ${took} ms after the signal (the case alone runs 60 s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('interrupt: when the launcher dies without forwarding (npm on SIGTERM), the run stops and teardown runs', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpc-interrupt-'));
  const marks = path.join(dir, 'marks.txt');
  try {
    // sh stands for npm: it does not exec the driver (a command follows) and forwards nothing.
    const launcher = execa('sh', ['-c', `"${process.execPath}" --import tsx test/fixtures/interrupt/driver.ts > "${dir}/driver.log" 2>&1; echo done`], {
      reject: false,
      detached: true,
      env: { ...process.env, KPC_INTERRUPT_DIR: dir },
    });
    await waitFor(marks, 'started', 60_000);
    const t0 = Date.now();
    process.kill(launcher.pid!, 'SIGKILL');
    await launcher;
    await waitFor(marks, 'torn down', 30_000);
    await waitFor(path.join(dir, 'driver.log'), 'driver: exit', 30_000);
    const lines = readFileSync(marks, 'utf8').trim().split('\n');
    assert.deepEqual(lines, ['created', 'started with resource', 'torn down']);
    const log = readFileSync(path.join(dir, 'driver.log'), 'utf8');
    assert.match(log, /the process that launched this run \(pid \d+\) exited; stopping as on SIGTERM/);
    assert.match(log, /driver: exit \d+ interrupted SIGTERM/);
    assert.ok(Date.now() - t0 < 30_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
