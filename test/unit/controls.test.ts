/** Control and fault accounting (harness/faults/detection.ts): pure verdicts from case results. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Check, ControlResult, FaultRun } from '../../reports/model.ts';
import { cellOf, controlDecls, faultVerdict, faultsExitCode, judgeControl, summarise } from '../../harness/faults/detection.ts';

const chk = (key: string, verdict: Check['verdict']): Check => ({ key, expected: 'x', verdict });
const decl = { caseId: 'source-ip/nodeport-local-preserves-client-ip', rows: ['node without endpoint'], deviation: 'answers instead of dropping' };
const judge = (status: 'passed' | 'failed' | 'error' | 'skipped', checks: Check[], baseline?: 'passed' | 'failed') =>
  judgeControl('iptables', 'etp local ignored', decl, { status, checks, reason: 'r' }, baseline ? { status: baseline } : undefined);

test('caught: the declared row mismatched', () => {
  const c = judge('failed', [chk('outside -> node with endpoint : nodePort', 'ok'), chk('outside -> node without endpoint : nodePort', 'mismatch')]);
  assert.equal(c.verdict, 'caught');
  assert.equal(c.caught, true);
  assert.deepEqual(c.matchedRows, ['outside -> node without endpoint : nodePort']);
});

test('missed: the case passed, or only other rows failed', () => {
  assert.equal(judge('passed', [chk('outside -> node without endpoint : nodePort', 'ok')]).verdict, 'missed');
  const other = judge('failed', [chk('outside -> node with endpoint : nodePort', 'mismatch'), chk('outside -> node without endpoint : nodePort', 'ok')]);
  assert.equal(other.verdict, 'missed');
  assert.equal(other.caught, false);
  assert.match(other.reason ?? '', /only other rows failed: outside -> node with endpoint/);
});

test('inconclusive: infrastructure error, skip, absent case, disagreement, or red without the fault', () => {
  assert.equal(judge('error', [chk('outside -> node without endpoint : nodePort', 'mismatch')]).verdict, 'inconclusive');
  assert.equal(judge('skipped', []).verdict, 'inconclusive');
  assert.equal(judgeControl('p', 'd', decl, undefined).verdict, 'inconclusive');
  assert.equal(judge('failed', [chk('outside -> node without endpoint : nodePort', 'disagree')]).verdict, 'inconclusive');
  assert.equal(judge('failed', [chk('outside -> node without endpoint : nodePort', 'mismatch')], 'failed').verdict, 'inconclusive');
  for (const s of ['error', 'skipped'] as const) assert.equal(judge(s, []).caught, false, `${s} is never caught`);
});

test('every declared row must mismatch; no rows means any row (legacy mustFail)', () => {
  const two = { ...decl, rows: ['node without endpoint', '/healthz'] };
  const only1 = judgeControl('p', 'd', two, { status: 'failed', checks: [chk('outside -> node without endpoint', 'mismatch')] });
  assert.equal(only1.verdict, 'missed');
  const any = controlDecls({ mustFail: ['a/b'] });
  assert.deepEqual(any, [{ caseId: 'a/b', rows: [], deviation: 'any check row of the case mismatches' }]);
  assert.equal(judgeControl('p', 'd', any[0]!, { status: 'failed', checks: [chk('whatever', 'mismatch')] }).verdict, 'caught');
  assert.deepEqual(controlDecls({ mustFail: ['a/b'], catches: [{ caseId: 'c/d', rows: ['r'], deviation: 'x' }] }), [{ caseId: 'c/d', rows: ['r'], deviation: 'x' }]);
  assert.deepEqual(controlDecls(undefined), []);
});

const control = (verdict: ControlResult['verdict']): ControlResult => ({ project: 'iptables', caseId: 'a/b', description: 'd', expectedStatus: 'failed', actualStatus: 'failed', caught: verdict === 'caught', verdict, reason: verdict ?? '' });

test('a fault is caught only when every declared catch caught it; infrastructure makes it inconclusive', () => {
  assert.equal(faultVerdict([control('caught'), control('caught')]).verdict, 'caught');
  assert.equal(faultVerdict([control('caught'), control('missed')]).verdict, 'missed');
  assert.equal(faultVerdict([control('caught'), control('inconclusive')]).verdict, 'inconclusive');
  assert.equal(faultVerdict([control('caught')], 'kube-proxy rollout timed out').verdict, 'inconclusive');
  assert.equal(faultVerdict([]).verdict, 'inconclusive');
});

const run = (fault: string, mode: string, verdict: FaultRun['verdict'], caughtBy: string[]): FaultRun => ({ fault, mode, verdict, reason: verdict, controls: [], caughtBy, cases: [], durationMs: 1 });

test('score per mode, named gaps, exit code', () => {
  const runs = [run('a', 'iptables', 'caught', ['x/y']), run('b', 'iptables', 'missed', []), run('c', 'iptables', 'missed', ['z/w']), run('a', 'nftables', 'inconclusive', [])];
  const s = summarise(runs, ['iptables', 'nftables']);
  assert.deepEqual(s.score, [
    { mode: 'iptables', caught: 1, total: 3 },
    { mode: 'nftables', caught: 0, total: 1 },
  ]);
  assert.deepEqual(
    s.gaps.map((g) => `${g.mode}/${g.fault}/${g.kind}`),
    ['iptables/b/missed', 'iptables/b/uncaught', 'iptables/c/missed', 'nftables/a/inconclusive'],
  );
  assert.equal(faultsExitCode({ runs }), 1);
  assert.equal(faultsExitCode({ runs: [run('a', 'iptables', 'caught', ['x/y'])] }), 0);
  assert.equal(faultsExitCode({ runs: [] }), 1, 'nothing run is not a pass');
});

test('cellOf keeps the failing rows', () => {
  assert.deepEqual(cellOf({ id: 'a/b', status: 'failed', checks: [chk('r1', 'ok'), chk('r2', 'mismatch'), chk('r3', 'disagree')] }), { caseId: 'a/b', status: 'failed', failedRows: ['r2', 'r3'] });
});
