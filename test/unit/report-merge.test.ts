import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeResults } from '../../reports/merge.ts';
import { validateResults } from '../../reports/validate.ts';
import { caseResult, project, results } from '../fixtures/results/build.ts';

test('mergeResults: one document with every column, run span and differing facts joined', () => {
  const a = results([project('iptables')], [caseResult('iptables', 'a/x'), caseResult('iptables', 'a/y', { status: 'failed' })]);
  a.run = { ...a.run, startedAt: '2025-11-21T02:00:00.000Z', durationMs: 60_000, kubernetesVersion: 'v1.34.4', command: 'npm run conformance -- --modes iptables' };
  const b = results([project('nftables')], [caseResult('nftables', 'a/x', { status: 'skipped' })]);
  b.run = { ...b.run, startedAt: '2025-11-21T02:00:30.000Z', durationMs: 90_000, kubernetesVersion: 'v1.34.4', command: 'npm run conformance -- --modes nftables' };
  const m = mergeResults([a, b]);
  assert.deepEqual(m.projects.map((p) => p.name), ['iptables', 'nftables']);
  assert.equal(m.cases.length, 3);
  assert.deepEqual(m.totals, { passed: 1, failed: 1, flaky: 0, error: 0, skipped: 1, 'not-supported': 0 });
  assert.equal(m.run.startedAt, '2025-11-21T02:00:00.000Z');
  assert.equal(m.run.durationMs, 120_000);
  assert.equal(m.run.kubernetesVersion, 'v1.34.4');
  assert.equal(m.run.command, 'npm run conformance -- --modes iptables / npm run conformance -- --modes nftables');
  assert.equal(validateResults(JSON.parse(JSON.stringify(m))).ok, true);
});

test('mergeResults refuses a column that two inputs both have', () => {
  const a = results([project('iptables')], [caseResult('iptables', 'a/x')]);
  assert.throws(() => mergeResults([a, a]), /project iptables is in input 1 and input 2/);
  assert.throws(() => mergeResults([]), /nothing to merge/);
});
