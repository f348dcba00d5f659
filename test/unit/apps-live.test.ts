/** Pure helpers of the docs' apps, on data captured from real runs (test/fixtures/live/). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loopEnded, parseSpread, spreadScript, totalCounts, dnatPairs, spreadLog, spreadTable } from '../../harness/apps/distribution.ts';
import { oldEndpointPhases, type TerminationTimeline } from '../../harness/apps/termination.ts';
import { parseResolved } from '../../harness/apps/my-nginx.ts';
import type { PacketRow } from '../../reports/model.ts';

const live = (f: string) => readFileSync(new URL(`../fixtures/live/${f}`, import.meta.url), 'utf8');

test('oldEndpointPhases on a real EndpointSlice timeline (nftables run): terminating+serving, replacement ready, then gone', () => {
  const tl = JSON.parse(live('termination-timeline-nftables.json')) as TerminationTimeline;
  const ph = oldEndpointPhases(tl);
  // Only what follows the delete request counts (snapshots at t < 0 are the before state).
  assert.deepEqual(ph.states, ['ready=false serving=true terminating=true', 'gone']);
  assert.equal(ph.terminating?.atMs, 22);
  assert.equal(ph.replacementReady?.atMs, 1516);
  assert.equal(ph.servingWhileTerminatingMs, (tl.oldGoneAtMs ?? 0) - 22);
});

test('parseSpread and totalCounts on a real request loop (60 requests from the control plane pod, 5 kuard replicas)', () => {
  const p = parseSpread(live('spread-nftables-control-plane.txt'));
  assert.equal(p.failures.length, 0);
  assert.deepEqual(Object.values(p.counts).sort((a, b) => a - b), [8, 9, 14, 14, 15]);
  assert.equal(Object.keys(p.counts).every((k) => k.startsWith('kuard-6c48fdfbb4-')), true);
  const ev = (counts: Record<string, number>) => ({ role: 'r', ev: { from: 'f', url: 'u', sent: 0, counts, failures: [], durationMs: 0, raw: '', convergence: { converged: true, elapsedMs: 0, attempts: [] } } });
  assert.deepEqual(totalCounts([ev({ a: 1, b: 2 }), ev({ b: 3 })]), { a: 1, b: 5 });
});

test('spreadTable and spreadLog say whether the loop converged first, and show its requests', () => {
  const raw = '1 28 -\n2 28 -\n';
  const ev = { from: 'pod c on w', url: 'http://10.96.0.9/', sent: 2, ...parseSpread(raw), durationMs: 2000, raw, convergence: { converged: false, elapsedMs: 20_400, attempts: ['+0.0s 1 28 -', '+5.1s 1 28 -'] } };
  assert.match(spreadTable(ev, ['kuard-a']), /^pod c on w -> http:\/\/10\.96\.0\.9\/: NOT converged after 2 single request\(s\) in 20\.4 s \(counted and judged anyway\); then 2 requests in 2\.0 s, 2 without an answer\n/);
  assert.equal(spreadLog(ev), '# pod c on w\n# convergence (NOT converged):\n#   +0.0s 1 28 -\n#   +5.1s 1 28 -\n# counted:\n1 28 -\n2 28 -\n');
});

test('loopEnded: a request loop output is complete only with its end line (a lost last line is not a failed request)', () => {
  assert.match(spreadScript('http://10.96.0.9/', 60, 5), /\necho "end \$i"$/);
  assert.equal(loopEnded('1 0 kuard-a\n2 0 kuard-b\nend 2\n', 2), true);
  // nftables stability run 5 (2026-12-01): 59 lines came back, the 60th and the end line did not.
  assert.equal(loopEnded('58 0 kuard-a\n59 0 kuard-b\n', 60), false);
  assert.equal(loopEnded('1 0 kuard-a\nend 1\n', 60), false);
});

test('parseSpread: failed requests and a dead loop are failures', () => {
  assert.deepEqual(parseSpread('1 0 kuard-a\n2 28 -\n3 7 -\nnoise\n'), { counts: { 'kuard-a': 1 }, failures: [{ i: 2, exitCode: 28 }, { i: 3, exitCode: 7 }] });
});

test('parseResolved reads getent and nslookup output', () => {
  assert.deepEqual(parseResolved('10.96.169.28    my-nginx.kpc-connecting-apps-dns-oauk.svc.cluster.local\n'), ['10.96.169.28']);
  assert.deepEqual(parseResolved('Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tmy-nginx.ns.svc.cluster.local\nAddress: 10.96.1.2\n'), ['10.96.1.2']);
});

test('dnatPairs pairs the SYN to the ClusterIP with the same connection after DNAT', () => {
  const syn = (src: string, sport: number, dst: string, dport: number, time: number): PacketRow => ({ time, proto: 'tcp', src, srcPort: sport, dst, dstPort: dport, flags: 'S', length: 60 });
  const rows = [syn('10.244.1.5', 40000, '10.96.0.50', 80, 1), syn('10.244.1.5', 40000, '10.244.2.7', 8080, 1.0001), syn('10.244.1.5', 40001, '10.96.0.50', 80, 2)];
  const d = dnatPairs(rows, '10.96.0.50', 80, [{ ip: '10.244.2.7', port: 8080 }]);
  assert.equal(d.pairs.length, 2);
  assert.equal(d.pairs[0]?.after?.dst, '10.244.2.7');
  assert.equal(d.pairs[1]?.after, undefined);
});
