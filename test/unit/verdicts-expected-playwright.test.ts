/**
 * Phased runs, as the fault runner drives them (harness/run/phases.ts, harness/faults/runner.ts),
 * through a real Playwright run of test/fixtures/verdicts with one worker: a baseline phase, a
 * fault phase (proxy verdicts expected) and a phase called off. Each phase's cases wait at its
 * gate, each phase's report is written into its own directory when its last case ends (the
 * driver opens the next gate only then, as the runner does), a proxy verdict in the fault phase
 * leaves the worker in place while an infrastructure error still replaces it, and the called-off
 * phase is all skipped with the reason.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import type { Results } from '../../reports/model.ts';
import { PHASES_ENV, type PhaseSpec } from '../../harness/run/phases.ts';

const ORDER = ['fake/verdict-1', 'fake/verdict-2', 'fake/infrastructure', 'fake/passes'];

async function until(file: string, ms = 60_000): Promise<number> {
  const end = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > end) throw new Error(`${file} did not appear`);
    await delay(50);
  }
  return Date.now();
}

test('a phased run: gates in order, a report per phase, workers kept on expected verdicts, a called-off phase skipped', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpc-phases-'));
  try {
    const phase = (name: string, verdictsExpected = false): PhaseSpec => ({ name, dir: path.join(dir, name), gate: path.join(dir, `${name}.gate`), verdictsExpected, command: `fixture (${name})` });
    const phases = [phase('baseline-iptables'), phase('some-fault-iptables', true), phase('broken-swap-iptables', true)];
    const [base, fault, broken] = phases as [PhaseSpec, PhaseSpec, PhaseSpec];
    writeFileSync(base.gate, 'go\n');
    const run = execa('npx', ['playwright', 'test', '-c', 'test/fixtures/verdicts/playwright.config.ts'], {
      reject: false,
      env: { ...process.env, KPC_REPORT_DIR: path.join(dir, 'run'), [PHASES_ENV]: JSON.stringify(phases) },
    });
    await until(path.join(base.dir, 'results.json'));
    // The fault phase's first case is already waiting at its gate: nothing of it has run.
    assert.equal(existsSync(path.join(fault.dir, 'results.json')), false);
    await delay(500);
    const opened = Date.now();
    writeFileSync(fault.gate, 'go\n');
    await until(path.join(fault.dir, 'results.json'));
    writeFileSync(broken.gate, 'abort: the swap to broken-swap failed: rollout timed out\n');
    const r = await run;
    assert.equal(r.exitCode, 1, 'the infrastructure errors are unexpected failures');

    const read = (p: PhaseSpec) => JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8')) as Results;
    const cells = (p: PhaseSpec) => {
      const byId = new Map(read(p).cases.map((c) => [c.id, c]));
      return ORDER.map((id) => byId.get(id)).map((c) => ({ status: c?.status, pid: /worker pid (\d+)/.exec(c?.observed ?? '')?.[1], started: Number(/started (\d+)/.exec(c?.observed ?? '')?.[1]), reason: c?.reason, evidence: c?.evidence[0]?.path }));
    };
    const b = cells(base);
    const f = cells(fault);
    assert.deepEqual(b.map((c) => c.status), ['failed', 'failed', 'error', 'passed']);
    assert.deepEqual(f.map((c) => c.status), ['failed', 'failed', 'error', 'passed']);
    assert.equal(read(fault).run.command, 'fixture (some-fault-iptables)');
    // Evidence lives in the phase's own report, with paths relative to it.
    for (const [p, cs] of [[base, b], [fault, f]] as const) {
      for (const c of cs) assert.ok(c.evidence && existsSync(path.join(p.dir, c.evidence)), `${p.name}: evidence ${c.evidence}`);
    }
    assert.ok(f.every((c) => c.started >= opened), `no fault-phase case started before its gate opened (${opened}): ${f.map((c) => c.started).join(', ')}`);
    assert.equal(new Set(b.map((c) => c.pid)).size, 4, `baseline: every failure replaces the worker: ${b.map((c) => c.pid).join(' ')}`);
    assert.ok(f[0]?.pid === f[1]?.pid && f[1]?.pid === f[2]?.pid, `fault phase: the verdicts leave the worker in place: ${f.map((c) => c.pid).join(' ')}`);
    assert.notEqual(f[3]?.pid, f[2]?.pid, 'the infrastructure error still replaces the worker');
    const k = read(broken).cases;
    assert.equal(k.length, 4);
    for (const c of k) {
      assert.equal(c.status, 'skipped');
      assert.match(c.reason ?? '', /called off: the swap to broken-swap failed: rollout timed out/);
    }
    assert.equal(existsSync(path.join(dir, 'run', 'results.json')), false, 'a phased run writes no report of its own');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
