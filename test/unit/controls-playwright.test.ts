/**
 * Control accounting through real Playwright runs (test/fixtures/controls: fake cases, no
 * cluster) and the real results reporter: a control whose declared row mismatches is caught; one
 * whose case passes, or where only another row fails, is missed; an infrastructure error or an
 * echo/wire disagreement is inconclusive, never caught; the conformance exit code is non-zero.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import type { Results } from '../../reports/model.ts';
import { conformanceExitCode } from '../../harness/faults/detection.ts';

test('controls: caught, missed (passes / other row), inconclusive (infrastructure, disagree)', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpc-controls-'));
  try {
    const r = await execa('npx', ['playwright', 'test', '-c', 'test/fixtures/controls/playwright.config.ts'], { reject: false, env: { ...process.env, KPC_REPORT_DIR: dir } });
    assert.ok(r.exitCode === 1, `playwright exits 1 (some fake cases fail on purpose), got ${r.exitCode}: ${r.stderr}`);
    const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results;
    const verdict = (p: string) => results.controls.find((c) => c.project === p);
    assert.equal(verdict('control-caught')?.verdict, 'caught');
    assert.deepEqual(verdict('control-caught')?.matchedRows, ['pod on node without endpoint -> ClusterIP']);
    assert.equal(verdict('control-caught')?.caught, true);
    assert.equal(verdict('control-passes')?.verdict, 'missed');
    assert.equal(verdict('control-passes')?.actualStatus, 'passed');
    assert.equal(verdict('control-passes')?.caught, false);
    assert.equal(verdict('control-other-row')?.verdict, 'missed');
    assert.match(verdict('control-other-row')?.reason ?? '', /only other rows failed: rules for the ClusterIP/);
    assert.equal(verdict('control-infrastructure')?.verdict, 'inconclusive');
    assert.equal(verdict('control-infrastructure')?.actualStatus, 'error');
    assert.equal(verdict('control-disagree')?.verdict, 'inconclusive');
    assert.equal(results.controls.length, 5, 'the plain project declares no control');
    // The plain project's failing case counts as a failure; missed/inconclusive controls too.
    assert.equal(conformanceExitCode(results), 1);
    const onlyCaught = { ...results, cases: results.cases.filter((c) => c.project === 'control-caught'), controls: results.controls.filter((c) => c.project === 'control-caught') };
    assert.equal(conformanceExitCode(onlyCaught), 0, 'a caught control alone does not fail the run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
