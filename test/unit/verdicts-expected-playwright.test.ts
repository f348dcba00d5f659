/**
 * Fault runs keep their workers (harness/run/recorder.ts finishCase): through a real Playwright
 * run of test/fixtures/verdicts, a proxy verdict under KPC_VERDICT_FAILURES_EXPECTED=1 leaves
 * the worker in place, an infrastructure error still replaces it, and the results say the same
 * thing either way (failed, failed, error, passed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import type { Results } from '../../reports/model.ts';

async function run(expected: boolean): Promise<{ exitCode: number | undefined; cases: { id: string; status: string; pid: string }[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpc-verdicts-'));
  try {
    const r = await execa('npx', ['playwright', 'test', '-c', 'test/fixtures/verdicts/playwright.config.ts'], {
      reject: false,
      env: { ...process.env, KPC_REPORT_DIR: dir, KPC_VERDICT_FAILURES_EXPECTED: expected ? '1' : '' },
    });
    const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results;
    const cases = results.cases.map((c) => ({ id: c.id, status: c.status, pid: /worker pid (\d+)/.exec(c.observed)?.[1] ?? '?' }));
    return { exitCode: r.exitCode, cases };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ORDER = ['fake/verdict-1', 'fake/verdict-2', 'fake/infrastructure', 'fake/passes'];

test('verdict failures in a fault run keep the worker; an infrastructure error replaces it', { timeout: 120_000 }, async () => {
  const plain = await run(false);
  const fault = await run(true);
  for (const r of [plain, fault]) {
    const byId = new Map(r.cases.map((c) => [c.id, c]));
    assert.deepEqual(ORDER.map((id) => byId.get(id)?.status), ['failed', 'failed', 'error', 'passed']);
    // The infrastructure error is an unexpected failure in both runs.
    assert.equal(r.exitCode, 1);
  }
  const pids = (r: typeof plain) => ORDER.map((id) => r.cases.find((c) => c.id === id)?.pid);
  const [p1, p2, p3, p4] = pids(plain);
  assert.equal(new Set([p1, p2, p3, p4]).size, 4, `without it, every failure replaces the worker: ${pids(plain).join(' ')}`);
  const [f1, f2, f3, f4] = pids(fault);
  assert.ok(f1 === f2 && f2 === f3, `with it, the verdicts leave the worker in place: ${pids(fault).join(' ')}`);
  assert.notEqual(f4, f3, 'the infrastructure error still replaces the worker');
});
