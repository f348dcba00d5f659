import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildResults, statusOf, type FinishedTest } from '../../harness/run/results.ts';
import { PROJECTS } from '../../harness/run/projects.ts';
import { RESULTS_SCHEMA_VERSION } from '../../reports/model.ts';

const base: FinishedTest = { title: 'source-ip/clusterip-preserves-pod-ip', project: 'iptables', pwStatus: 'passed', expectedStatus: 'passed', durationMs: 1200, attempts: 1 };

test('statusOf maps Playwright outcomes, keeping reasons', () => {
  assert.deepEqual(statusOf(base), { status: 'passed' });
  assert.deepEqual(statusOf({ ...base, pwStatus: 'skipped', skipReason: 'no IP_VS in this kernel' }), { status: 'skipped', reason: 'no IP_VS in this kernel' });
  assert.equal(statusOf({ ...base, pwStatus: 'skipped', notSupported: 'nftables mode has no localhost NodePorts' }).status, 'not-supported');
  assert.deepEqual(statusOf({ ...base, pwStatus: 'timedOut', errorMessage: '\u001b[31mTest timeout of 180000ms exceeded.\u001b[39m\nmore' }), { status: 'error', reason: 'timed out (no proxy verdict): Test timeout of 180000ms exceeded.' });
  // A failed check is a verdict; a failure without one (fixture, API server, reaper) is an error.
  const payload = { id: 'x', title: 'x', source: { title: '', url: '' }, project: 'iptables', proxyMode: 'iptables', expected: '', observed: '', checks: [], steps: [], evidence: [] };
  assert.equal(statusOf({ ...base, pwStatus: 'failed', errorMessage: 'pod -> ClusterIP: unexpected', payload: { ...payload, failureKind: 'verdict' } }).status, 'failed');
  assert.deepEqual(statusOf({ ...base, pwStatus: 'failed', errorMessage: 'infrastructure error (no proxy verdict): Failed to connect to Reaper', payload: { ...payload, failureKind: 'infrastructure' } }), { status: 'error', reason: 'infrastructure error (no proxy verdict): Failed to connect to Reaper' });
  assert.equal(statusOf({ ...base, pwStatus: 'failed', errorMessage: 'worker fixture: kind create cluster failed' }).status, 'error');
});

test('buildResults: totals, projects, and a control that was caught or missed', () => {
  const specs = PROJECTS.filter((p) => p.name === 'iptables' || p.name === 'iptables-masquerade-all');
  const tests: FinishedTest[] = [
    base,
    { ...base, title: 'proxy/mode-matches' },
    { ...base, project: 'iptables-masquerade-all', pwStatus: 'failed', errorMessage: 'unexpected source', payload: { id: 'source-ip/clusterip-preserves-pod-ip', title: '', source: { title: '', url: '' }, project: 'iptables-masquerade-all', proxyMode: 'iptables', expected: '', observed: '', checks: [{ key: 'pod on a node without endpoint -> ClusterIP', expected: 'client IP', verdict: 'mismatch' }], steps: [], evidence: [], failureKind: 'verdict' } },
  ];
  const r = buildResults({ tests, specs, runtimes: [{ project: 'iptables', kubernetesVersion: 'v1.34.4', proxyMode: 'iptables' }], startedAt: new Date(0), durationMs: 5, command: 'npm run conformance', toolVersion: '0.1.0' });
  assert.equal(r.schemaVersion, RESULTS_SCHEMA_VERSION);
  assert.deepEqual(r.totals, { passed: 2, failed: 1, flaky: 0, error: 0, skipped: 0, 'not-supported': 0 });
  assert.equal(r.run.kubernetesVersion, 'v1.34.4');
  assert.deepEqual(r.controls.map((c) => [c.project, c.caseId, c.caught]), [['iptables-masquerade-all', 'source-ip/clusterip-preserves-pod-ip', true]]);
  const missed = buildResults({ tests: [{ ...tests[2]!, pwStatus: 'passed' as const, errorMessage: undefined, payload: undefined }], specs, runtimes: [], startedAt: new Date(0), durationMs: 1, command: 'x', toolVersion: '0' });
  assert.equal(missed.controls[0]?.caught, false);
  // A project with no results still appears as a column.
  assert.deepEqual(r.projects.map((p) => p.name), ['iptables', 'iptables-masquerade-all']);
});
