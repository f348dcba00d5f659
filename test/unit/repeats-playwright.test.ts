/**
 * `--repeat N` through a real Playwright run (test/fixtures/repeats: fake cases, no cluster) and
 * the real results reporter: Playwright's --repeat-each makes N tests per case; results.json has
 * one cell per (project, case), flaky where the runs' verdicts differ, every run listed with its
 * own evidence folder, an infrastructure error kept apart from the proxy verdicts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import type { Results } from '../../reports/model.ts';
import { EXIT, exitCodeFor } from '../../reports/exit-code.ts';
import { validateResults } from '../../reports/validate.ts';

test('--repeat 3: one cell per case; flaky, error and failed told apart; every run listed', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpc-repeats-'));
  try {
    const r = await execa('npx', ['playwright', 'test', '-c', 'test/fixtures/repeats/playwright.config.ts', '--repeat-each', '3'], { reject: false, env: { ...process.env, KPC_REPORT_DIR: dir, KPC_REPEAT: '3' } });
    assert.equal(r.exitCode, 1, `playwright exits 1 (fake cases fail on purpose): ${r.stderr}`);
    const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results;
    assert.ok(validateResults(structuredClone(results)).ok);
    assert.equal(results.run.repeat, 3);
    const byId = new Map(results.cases.map((c) => [c.id, c]));
    assert.deepEqual([...byId.keys()].sort(), ['fake/broken', 'fake/flips', 'fake/hiccup', 'fake/steady']);
    assert.deepEqual(
      results.cases.map((c) => [c.id, c.status, c.runs?.map((x) => x.status).join(',')]).sort(),
      [
        ['fake/broken', 'failed', 'failed,failed,failed'],
        ['fake/flips', 'flaky', 'passed,failed,passed'],
        ['fake/hiccup', 'error', 'passed,error,passed'],
        ['fake/steady', 'passed', 'passed,passed,passed'],
      ],
    );
    const flips = byId.get('fake/flips');
    assert.equal(flips?.shownRun, 2);
    assert.deepEqual(flips?.runs?.[1]?.failedRows, ['pod -> ClusterIP']);
    // Each run wrote its own evidence; the shown details are the failed run's.
    const dirs = flips?.runs?.map((x) => x.evidenceDir) ?? [];
    assert.deepEqual(dirs, ['evidence/fixture/fake__flips', 'evidence/fixture/fake__flips__run2', 'evidence/fixture/fake__flips__run3']);
    for (const d of dirs) assert.ok(existsSync(path.join(dir, d ?? '')), `${d} exists`);
    assert.equal(flips?.evidence[0]?.text, 'run 2: bad');
    assert.deepEqual(results.totals, { passed: 1, failed: 1, flaky: 1, error: 1, skipped: 0, 'not-supported': 0 });
    assert.equal(exitCodeFor(results, 'failures'), EXIT.verdict);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
