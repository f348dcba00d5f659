import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Results } from '../../reports/model.ts';
import { buildMatrix, caseHash, formatDuration, normalizeObservation, projectTotals, selectDifferences } from '../../reports/view-model.ts';
import { caseResult, loadSample, project, results } from '../fixtures/results/build.ts';

const ids = (m: ReturnType<typeof buildMatrix>): string[][] => m.groups.map((g) => g.rows.map((r) => r.id));

test('buildMatrix: rows grouped by source in order of appearance, cells aligned to columns', () => {
  const r = results(
    [project('iptables'), project('nftables')],
    [
      caseResult('nftables', 'source-ip/b'),
      caseResult('iptables', 'proxy/mode'),
      caseResult('iptables', 'source-ip/a'),
      caseResult('iptables', 'source-ip/b', { status: 'failed' }),
    ],
  );
  const m = buildMatrix(r);
  assert.deepEqual(m.columns.map((c) => c.name), ['iptables', 'nftables']);
  assert.deepEqual(m.groups.map((g) => g.source.title), ['source of source-ip', 'source of proxy']);
  assert.deepEqual(ids(m), [['source-ip/b', 'source-ip/a'], ['proxy/mode']]);
  const b = m.groups[0]?.rows[0];
  assert.deepEqual(b?.cells.map((c) => c?.status), ['failed', 'passed']);
  assert.deepEqual(m.groups[1]?.rows[0]?.cells.map((c) => c?.project), ['iptables', undefined]);
});

test('buildMatrix: a project named only by its cases still gets a column', () => {
  const m = buildMatrix(results([project('iptables')], [caseResult('iptables', 'a/x'), caseResult('kube-router', 'a/x')]));
  assert.deepEqual(m.columns.map((c) => [c.name, c.implementation]), [['iptables', 'kube-proxy'], ['kube-router', 'unknown']]);
  assert.equal(m.groups[0]?.rows[0]?.cells[1]?.project, 'kube-router');
});

test('projectTotals counts per project and lists projects without cases', () => {
  const t = projectTotals(results([project('iptables'), project('ipvs')], [caseResult('iptables', 'a/x'), caseResult('iptables', 'a/y', { status: 'failed' })]));
  assert.deepEqual(t.get('iptables'), { passed: 1, failed: 1, flaky: 0, error: 0, skipped: 0, 'not-supported': 0 });
  assert.deepEqual(t.get('ipvs'), { passed: 0, failed: 0, flaky: 0, error: 0, skipped: 0, 'not-supported': 0 });
});

test('selectDifferences: outcome differences, skipped cells and controls not compared', () => {
  const cols = [project('iptables'), project('nftables'), project('ipvs'), project('masq', { control: { description: 'broken', mustFail: ['a/control'] } })];
  const m = buildMatrix(
    results(cols, [
      // same everywhere that ran; ipvs skipped: no difference
      caseResult('iptables', 'a/same'),
      caseResult('nftables', 'a/same'),
      caseResult('ipvs', 'a/same', { status: 'skipped', reason: 'no IP_VS' }),
      // a failure in one mode
      caseResult('iptables', 'a/fails-in-nft'),
      caseResult('nftables', 'a/fails-in-nft', { status: 'failed', observed: 'dropped' }),
      // not supported is an outcome worth showing
      caseResult('iptables', 'a/ns'),
      caseResult('nftables', 'a/ns', { status: 'not-supported', observed: '' }),
      // only the control differs: not a difference between proxies
      caseResult('iptables', 'a/control'),
      caseResult('nftables', 'a/control'),
      caseResult('masq', 'a/control', { status: 'failed', observed: 'SNATed' }),
      // ran in one column only
      caseResult('iptables', 'a/alone', { status: 'failed' }),
      caseResult('ipvs', 'a/alone', { status: 'skipped' }),
    ]),
  );
  const d = selectDifferences(m);
  assert.deepEqual(d.map((x) => x.row.id), ['a/fails-in-nft', 'a/ns']);
  assert.deepEqual(d.map((x) => [x.status, x.observed]), [[true, true], [true, false]]);
  assert.deepEqual(d[0]?.columns.map((i) => m.columns[i]?.name), ['iptables', 'nftables']);
});

test('selectDifferences: observed behaviour, compared only where the same thing was expected', () => {
  const check = (echo: string, expected = 'source is the client') => ({ key: 'pod -> ClusterIP', expected, observedEcho: echo, verdict: 'ok' as const });
  const m = buildMatrix(
    results(
      [project('iptables'), project('nftables')],
      [
        // both pass, but the endpoint saw different kinds of source: a behaviour difference
        caseResult('iptables', 'b/role', { observed: 'client_address=10.244.1.5 (the client)', checks: [check('client_address=10.244.1.5 (the client)')] }),
        caseResult('nftables', 'b/role', { observed: 'client_address=10.244.1.1 (owned by the receiving node)', checks: [check('client_address=10.244.1.1 (owned by the receiving node)')] }),
        // only addresses, pod suffixes and timings differ: the same behaviour
        caseResult('iptables', 'b/addr', { observed: 'answered by echo-6c9b7d5f8-q7xkz in 12 ms; client_address=10.244.1.5:40312 (the client)', checks: [check('from 10.244.1.5 (the client)')] }),
        caseResult('nftables', 'b/addr', { observed: 'answered by echo-7f8d9c6b5-m2d4w in 9 ms; client_address=10.244.2.9:51000 (the client)', checks: [check('from 10.244.2.9 (the client)')] }),
        // a per-mode expectation: different observations are right
        caseResult('iptables', 'b/mode', { expected: 'every node reports iptables', observed: 'iptables', checks: [check('iptables', 'iptables')] }),
        caseResult('nftables', 'b/mode', { expected: 'every node reports nftables', observed: 'nftables', checks: [check('nftables', 'nftables')] }),
        // a check one column did not make
        caseResult('iptables', 'b/missing', { checks: [check('x')] }),
        caseResult('nftables', 'b/missing'),
      ],
    ),
  );
  const d = selectDifferences(m);
  // Cases with checks compare rows (roles, verdicts), never free text; a row whose expectation
  // differs is a declared difference, listed as such.
  assert.deepEqual(d.map((x) => [x.row.id, x.status, x.observed, x.checkKeys, x.declaredKeys]), [
    ['b/role', false, false, ['pod -> ClusterIP'], []],
    ['b/mode', false, false, [], ['pod -> ClusterIP']],
    ['b/missing', false, false, ['pod -> ClusterIP'], []],
  ]);
});

test('selectDifferences on the sample fixture: exactly the cases that differ between iptables and nftables', () => {
  const d = selectDifferences(buildMatrix(loadSample()));
  assert.deepEqual(d.map((x) => x.row.id), ['proxy/mode-matches', 'service/nodeport-localhost', 'source-ip/nodeport-local-preserves-client-ip', 'virtual-ips/session-affinity-clientip']);
  assert.deepEqual(d[0]?.declaredKeys.length, 3);
});

test('normalizeObservation keeps roles and drops addresses, ports, pod suffixes, timings', () => {
  assert.equal(normalizeObservation('answered by echo-6c9b7d5f8-q7xkz; client_address=10.244.1.5 (the client)'), 'answered by echo-<pod>; client_address=<ip> (the client)');
  assert.equal(normalizeObservation('SYN from [fd00:10:244::5]:8080 after 5000 ms'), 'SYN from <ip> after <duration>');
  assert.equal(normalizeObservation('  drops\n(curl exit 28) '), 'drops (curl exit 28)');
});

test('caseHash and formatDuration', () => {
  assert.equal(caseHash('iptables', 'source-ip/x y'), '#/case/iptables/source-ip%2Fx%20y');
  assert.deepEqual([formatDuration(450), formatDuration(4_500), formatDuration(412_380), formatDuration(7_380_000)], ['450 ms', '4.5 s', '6 min 52 s', '2 h 3 min']);
});

test('selectDifferences on a real iptables + nftables run: exactly the declared differences; a changed verdict is a deviation', () => {
  const real = JSON.parse(readFileSync(new URL('../fixtures/results/real-iptables-nftables/results.json', import.meta.url), 'utf8')) as Results;
  const d = selectDifferences(buildMatrix(real));
  assert.deepEqual(
    d.map((x) => [x.row.id, x.status, x.checkKeys, x.declaredKeys]),
    [
      ['distribution/rules-shape', false, [], ['the declared balancing shape in the rules of a worker']],
      ['nodeport/localhost', false, [], ['node -> 127.0.0.1 : nodePort']],
    ],
  );
  // The same data with one nftables row that did not hold: now a deviation of that case.
  const broken = structuredClone(real);
  const c = broken.cases.find((x) => x.project === 'nftables' && x.id === 'source-ip/nodeport-cluster-snat');
  const k = c?.checks.find((x) => x.key === 'outside -> node without endpoint : nodePort');
  if (!c || !k) throw new Error('fixture lacks the row');
  k.verdict = 'mismatch';
  k.samples = { total: 10, ok: 7 };
  c.status = 'failed';
  const d2 = selectDifferences(buildMatrix(broken));
  assert.deepEqual(
    d2.filter((x) => x.row.id === 'source-ip/nodeport-cluster-snat').map((x) => [x.status, x.checkKeys]),
    [[true, ['outside -> node without endpoint : nodePort']]],
  );
});
