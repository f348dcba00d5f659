/**
 * `--repeat N`: the runs of one (project, case) become one cell; mixed proxy verdicts are
 * flaky, never passed; infrastructure errors stay errors. Cells from the real iptables +
 * nftables run (test/fixtures/results/real-iptables-nftables).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { combinedStatus, combineRuns, groupRepeats } from '../../harness/run/repeats.ts';
import { buildResults, type FinishedTest } from '../../harness/run/results.ts';
import { PROJECTS } from '../../harness/run/projects.ts';
import type { CaseResult, Results } from '../../reports/model.ts';
import { validateResults } from '../../reports/validate.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const real = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/results/real-iptables-nftables/results.json'), 'utf8')) as Results;
const passed = real.cases.find((c) => c.project === 'iptables' && c.id === 'source-ip/clusterip-preserves-pod-ip') as CaseResult;

function failedRun(run: number): CaseResult {
  const c = structuredClone(passed);
  c.status = 'failed';
  c.reason = `run ${run}: pod on a node without endpoint -> ClusterIP: unexpected`;
  const row = c.checks[0];
  assert.ok(row);
  row.verdict = 'mismatch';
  // The fixture's evidence files were stripped; the recorder writes a repeated run's under <case>__run<N>.
  c.evidence = [{ kind: 'text', name: 'curl', contentType: 'text/plain', path: `evidence/iptables/source-ip__clusterip-preserves-pod-ip__run${run}/01-curl.txt` }];
  return c;
}
const errorRun = (): CaseResult => ({ ...structuredClone(passed), status: 'error', reason: 'infrastructure error (no proxy verdict): Failed to connect to Reaper', checks: [] });

test('combinedStatus: verdicts decide, errors and skips stay apart', () => {
  assert.equal(combinedStatus(['passed', 'passed', 'passed']), 'passed');
  assert.equal(combinedStatus(['passed', 'failed', 'passed']), 'flaky');
  assert.equal(combinedStatus(['failed', 'failed']), 'failed');
  assert.equal(combinedStatus(['failed', 'error', 'failed']), 'failed');
  assert.equal(combinedStatus(['passed', 'error', 'passed']), 'error', 'a run that could not look is not a pass');
  assert.equal(combinedStatus(['passed', 'failed', 'error']), 'flaky');
  assert.equal(combinedStatus(['error', 'error']), 'error');
  assert.equal(combinedStatus(['skipped', 'skipped']), 'skipped');
  assert.equal(combinedStatus(['not-supported', 'not-supported']), 'not-supported');
});

test('a cell with mixed outcomes is flaky, lists every run, and shows the first failed run', () => {
  const c = combineRuns([structuredClone(passed), failedRun(2), structuredClone(passed)]);
  assert.equal(c.status, 'flaky');
  assert.deepEqual(c.runs?.map((r) => [r.run, r.status]), [[1, 'passed'], [2, 'failed'], [3, 'passed']]);
  assert.equal(c.shownRun, 2);
  assert.deepEqual(c.runs?.[1]?.failedRows, [passed.checks[0]?.key]);
  assert.match(c.runs?.[1]?.evidenceDir ?? '', /__run2$/);
  assert.match(c.reason ?? '', /^flaky: 3 runs: 2 passed, 1 failed; run 2: /);
  assert.equal(c.checks[0]?.verdict, 'mismatch', 'the details are the failed run\'s');
  assert.equal(c.durationMs, passed.durationMs * 3);
});

test('all runs passed: passed, with the runs listed; an infrastructure error among passes: error', () => {
  const ok = combineRuns([structuredClone(passed), structuredClone(passed)]);
  assert.equal(ok.status, 'passed');
  assert.equal(ok.reason, undefined);
  assert.equal(ok.runs?.length, 2);
  const hiccup = combineRuns([structuredClone(passed), errorRun(), structuredClone(passed)]);
  assert.equal(hiccup.status, 'error');
  assert.equal(hiccup.shownRun, 2);
  assert.match(hiccup.reason ?? '', /^3 runs: 2 passed, 1 infrastructure error; run 2: infrastructure error/);
});

test('groupRepeats: runs of the same (project, case) are grouped in run order, other cells stay single', () => {
  const other = real.cases.find((c) => c.project === 'nftables' && c.id === passed.id) as CaseResult;
  const cells = groupRepeats([
    { cell: structuredClone(passed), run: 2 },
    { cell: other, run: 0 },
    { cell: failedRun(1), run: 1 },
    { cell: structuredClone(passed), run: 0 },
  ]);
  assert.equal(cells.length, 2);
  const ipt = cells.find((c) => c.project === 'iptables');
  assert.deepEqual(ipt?.runs?.map((r) => r.status), ['passed', 'failed', 'passed']);
  assert.equal(ipt?.status, 'flaky');
  assert.equal(cells.find((c) => c.project === 'nftables')?.runs, undefined, 'a case run once carries no runs list');
});

test('buildResults with --repeat 3: one cell per (project, case), flaky counted apart, the file validates', () => {
  const specs = PROJECTS.filter((p) => p.name === 'iptables');
  const payload = (c: CaseResult) => ({ id: c.id, title: c.title, source: c.source, project: c.project, proxyMode: c.proxyMode, expected: c.expected, observed: c.observed, checks: c.checks, steps: c.steps, evidence: c.evidence, failureKind: 'verdict' as const });
  const t = (c: CaseResult, repeatIndex: number, pwStatus: FinishedTest['pwStatus']): FinishedTest => ({ title: c.id, project: 'iptables', pwStatus, expectedStatus: 'passed', durationMs: 1000, attempts: 1, repeatIndex, payload: payload(c), ...(pwStatus === 'failed' ? { errorMessage: c.reason } : {}) });
  const tests = [t(passed, 0, 'passed'), t(failedRun(2), 1, 'failed'), t(passed, 2, 'passed'), ...[0, 1, 2].map((i) => t({ ...passed, id: 'proxy/mode-matches' }, i, 'passed'))];
  const r = buildResults({ tests, specs, runtimes: [], startedAt: new Date(0), durationMs: 1, command: 'npm run conformance -- --repeat 3', toolVersion: '0', repeat: 3 });
  assert.equal(r.cases.length, 2);
  assert.equal(r.run.repeat, 3);
  assert.deepEqual(r.totals, { passed: 1, failed: 0, flaky: 1, error: 0, skipped: 0, 'not-supported': 0 });
  assert.ok(validateResults(JSON.parse(JSON.stringify(r))).ok);
});

test('a flaky cell is a failure in JUnit and in the summary, never a pass', async () => {
  const { renderJunit } = await import('../../reports/junit.ts');
  const { summaryLines } = await import('../../reports/summary.ts');
  const { countStatuses } = await import('../../reports/model.ts');
  const cell = combineRuns([structuredClone(passed), failedRun(2), structuredClone(passed)]);
  const r: Results = { ...real, cases: [cell], totals: countStatuses([cell]) };
  const xml = renderJunit(r);
  assert.match(xml, /<failure message="flaky: 3 runs: 2 passed, 1 failed; run 2: /);
  assert.match(xml, /failures="1"/);
  assert.match(summaryLines(r, 'index.html')[0] ?? '', /^iptables: 0 passed, 0 failed, 1 flaky$/);
});
