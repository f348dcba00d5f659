/** Start order of the catalogue (harness/run/order.ts), on the committed bench measurements and the real suites/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DURATIONS_FILE, caseFiles, catalogueOrder, grepForCases, longestFirst, medianCaseSeconds, runModes } from '../../harness/run/order.ts';

const bench: unknown = JSON.parse(readFileSync(DURATIONS_FILE, 'utf8'));

test('medianCaseSeconds takes the median over every mode and run of bench/results/conformance.json', () => {
  const secs = medianCaseSeconds(bench);
  const perMode = (bench as { perMode: Record<string, { runs: { caseSeconds: Record<string, number> }[] }> }).perMode;
  const id = 'udp/stale-conntrack-cleared';
  const all = Object.values(perMode).flatMap((m) => m.runs.map((r) => r.caseSeconds[id])).filter((s): s is number => typeof s === 'number');
  assert.ok(all.length >= 2, 'the committed bench has at least two runs of the case');
  const x = [...all].sort((a, b) => a - b);
  const m = Math.floor(x.length / 2);
  assert.equal(secs.get(id), x.length % 2 ? x[m] : ((x[m - 1] ?? 0) + (x[m] ?? 0)) / 2);
});

test('medianCaseSeconds: one column where a case fails slowly does not move it to the front', () => {
  const m = medianCaseSeconds({ perMode: { iptables: { runs: [{ caseSeconds: { x: 8, y: 30 } }, { caseSeconds: { x: 10, y: 32 } }] }, nftables: { runs: [{ caseSeconds: { x: 12, y: 31 } }] }, cilium: { runs: [{ caseSeconds: { x: 136, y: 35 } }] } } });
  assert.deepEqual([...m], [['x', 11], ['y', 31.5]]);
  assert.deepEqual(longestFirst([{ id: 'x' }, { id: 'y' }], m).map((c) => c.id), ['y', 'x']);
});

test('medianCaseSeconds for the columns of a run: their own durations, every column when none was measured', () => {
  const bench = { perMode: { iptables: { runs: [{ caseSeconds: { x: 8, y: 30 } }] }, cilium: { runs: [{ caseSeconds: { x: 136, y: 35 } }] } } };
  assert.deepEqual([...medianCaseSeconds(bench, ['cilium'])], [['x', 136], ['y', 35]]);
  assert.deepEqual([...medianCaseSeconds(bench, ['iptables', 'nothing-measured'])], [['x', 8], ['y', 30]]);
  assert.deepEqual([...medianCaseSeconds(bench, ['ipvs'])], [['x', 72], ['y', 32.5]]);
  assert.deepEqual(runModes({ KPC_PROJECTS: 'iptables, nftables@v1.33,' }), ['iptables', 'nftables']);
  assert.deepEqual(runModes({}), []);
});

test('medianCaseSeconds ignores what is not a duration and files of another shape', () => {
  assert.equal(medianCaseSeconds(undefined).size, 0);
  assert.equal(medianCaseSeconds({ perMode: 3 }).size, 0);
  const m = medianCaseSeconds({ perMode: { a: { runs: [{ caseSeconds: { x: 4, y: 'slow', z: -1 } }, { caseSeconds: { x: 2 } }, null] }, b: {} } });
  assert.deepEqual([...m], [['x', 3]]);
});

test('longestFirst: unmeasured cases first by id, then longest first, ties by id', () => {
  const cases = ['a/short', 'b/new', 'a/long', 'c/tie', 'b/tie', 'a/new'].map((id) => ({ id }));
  const secs = new Map([['a/short', 2], ['a/long', 30], ['c/tie', 9], ['b/tie', 9]]);
  assert.deepEqual(longestFirst(cases, secs).map((c) => c.id), ['a/new', 'b/new', 'a/long', 'b/tie', 'c/tie', 'a/short']);
});

test('catalogueOrder declares every case exactly once, the longest measured one before the shortest', () => {
  const order = catalogueOrder();
  const files = caseFiles();
  assert.deepEqual([...order.map((c) => c.id)].sort(), files.map((c) => c.id));
  const secs = medianCaseSeconds(bench);
  const measured = order.filter((c) => secs.has(c.id));
  for (let i = 1; i < measured.length; i++) assert.ok(secs.get(measured[i - 1]!.id)! >= secs.get(measured[i]!.id)!, `${measured[i - 1]!.id} before ${measured[i]!.id}`);
  // Every case of the committed measurement still exists, so the order is not stale.
  for (const id of secs.keys()) assert.ok(files.some((c) => c.id === id), `bench/results/conformance.json names ${id}, which is no case`);
});

test('an unreadable durations file loses only the order', () => {
  const order = catalogueOrder(undefined, '/nonexistent/conformance.json');
  assert.deepEqual(order.map((c) => c.id), caseFiles().map((c) => c.id));
});

test('grepForCases selects exactly the named ids in a Playwright title with tags', () => {
  const re = new RegExp(grepForCases(['udp/nodeport-cluster-snat', 'source-ip/hairpin']));
  assert.ok(re.test('udp/nodeport-cluster-snat @udp'));
  assert.ok(re.test('iptables source-ip/hairpin @source-ip'));
  assert.ok(!re.test('udp/nodeport-cluster-snat-v2 @udp'));
  assert.ok(!re.test('xudp/nodeport-cluster-snat @udp'));
  assert.ok(!new RegExp(grepForCases(['a.b/c'])).test('axb/c'));
});
