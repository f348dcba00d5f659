import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Check, PacketRow } from '../../reports/model.ts';
import { aggregateRow, convergeThenSample, tally, type JudgedAttempt } from '../../harness/judge/sample.ts';
import { paced, pool, wireSource } from '../../harness/judge/scenarios.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import type { EchoReply } from '../../harness/probes/echo.ts';
import { converge, ConvergenceError, mustConverge } from '../../harness/judge/converge.ts';

const attempt = (verdict: Check['verdict'], echo: string, servedBy?: string, note?: string): JudgedAttempt => ({
  path: 'p',
  check: { key: 'k', expected: 'e', verdict, observedEcho: echo, ...(note ? { note } : {}) },
  ...(servedBy ? { servedBy } : {}),
});

test('convergeThenSample: waits for consecutive successes, then judges a fixed sample that may deviate', async () => {
  const seq = ['refused', 'ok', 'refused', 'ok', 'ok', 'ok', 'bad', 'ok', 'ok', 'ok'];
  let i = 0;
  const s = await convergeThenSample(async () => seq[i++] ?? 'ok', (v) => v === 'ok', { what: 'x', timeoutMs: 5_000, n: 5, consecutive: 2, intervalMs: 1, settleMs: 0 });
  assert.equal(s.converged, true);
  assert.deepEqual(s.convergence, ['refused', 'ok', 'refused', 'ok', 'ok']);
  // the deviation after convergence is in the sample, not hidden by a retry
  assert.deepEqual(s.sample, ['ok', 'bad', 'ok', 'ok', 'ok']);
});

test('convergeThenSample: a path that never converges gets one attempt after the budget, and is reported', async () => {
  const s = await convergeThenSample(async () => 'refused', (v) => v === 'ok', { what: 'x', timeoutMs: 20, n: 3, intervalMs: 5 });
  assert.equal(s.converged, false);
  // One, not n: the path fails its row anyway (aggregateRow), and each attempt of a broken
  // path may wait out its whole time-out.
  assert.deepEqual(s.sample, ['refused']);
  // Its convergence attempts stay in the evidence (they were dropped before).
  assert.ok(s.convergence.length >= 2, `convergence attempts kept: ${s.convergence.length}`);
  assert.ok(s.convergence.every((v) => v === 'refused'));
});

test('convergeThenSample with a series: a streak completed late in the first call is followed by the settle, then the whole sample', async () => {
  const seq = ['refused', 'ok', 'refused', 'ok', 'ok', 'ok', 'bad', 'ok', 'ok', 'ok'];
  let i = 0;
  const calls: string[] = [];
  const one = async () => seq[i++] ?? 'ok';
  const t0 = Date.now();
  const s = await convergeThenSample(one, (v) => v === 'ok', {
    what: 'x',
    timeoutMs: 5_000,
    n: 5,
    consecutive: 2,
    intervalMs: 1,
    settleMs: 150,
    series: async (k, o) => {
      calls.push(`${k}${o?.pauseOnce ? ` pause ${o.pauseOnce.ms} ms after ${o.pauseOnce.after}` : ''}`);
      return Promise.all(Array.from({ length: k }, () => one()));
    },
  });
  assert.equal(s.converged, true);
  // The streak completed at the 5th attempt, so the call's pause (after the 2nd) did not follow
  // it: 'ok' and 'bad' came within the settle and stay as convergence evidence, not judged.
  assert.deepEqual(s.convergence, ['refused', 'ok', 'refused', 'ok', 'ok', 'ok', 'bad']);
  assert.deepEqual(s.sample, ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.deepEqual(calls, ['7 pause 150 ms after 2', '5']);
  assert.ok(Date.now() - t0 >= 140, 'the sample waited for the settle');
});

test('convergeThenSample with a series: a first call without a streak is convergence evidence, and its trailing successes count', async () => {
  const seq = ['refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'ok', 'ok', 'bad', 'ok', 'ok', 'ok'];
  let i = 0;
  const calls: number[] = [];
  const one = async () => seq[i++] ?? 'ok';
  const s = await convergeThenSample(
    async () => {
      calls.push(1);
      return one();
    },
    (v) => v === 'ok',
    {
      what: 'x',
      timeoutMs: 5_000,
      n: 5,
      consecutive: 2,
      intervalMs: 1,
      series: async (k) => {
        calls.push(k);
        return Promise.all(Array.from({ length: k }, () => one()));
      },
    },
  );
  assert.equal(s.converged, true);
  // One by one: six refusals, then ok, ok converge; the sample follows, deviation included.
  assert.deepEqual(s.convergence, ['refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'ok', 'ok']);
  assert.deepEqual(s.sample, ['bad', 'ok', 'ok', 'ok', 'ok']);
  // 7 (streak of 1 at its end), then 1 more attempt completes the streak, then the sample.
  assert.deepEqual(calls, [7, 1, 5]);
});

test('convergeThenSample with a series: a path that never converges keeps every attempt of the budget and gets one more', async () => {
  const calls: number[] = [];
  const s = await convergeThenSample(async () => 'refused', (v) => v === 'ok', {
    what: 'x',
    timeoutMs: 30,
    n: 5,
    consecutive: 2,
    intervalMs: 5,
    series: async (k) => {
      calls.push(k);
      return Array.from({ length: k }, () => 'refused');
    },
  });
  assert.equal(s.converged, false);
  assert.equal(calls[0], 7);
  assert.ok(s.convergence.length >= 9, `the first call's 7 and the rounds after: ${s.convergence.length}`);
  assert.deepEqual(s.sample, ['refused']);
});

test('convergeThenSample with a series: a programmed path costs one call; a short series is an error, not a smaller sample', async () => {
  const calls: number[] = [];
  const s = await convergeThenSample(async () => 'ok', (v) => v === 'ok', {
    what: 'x',
    timeoutMs: 1_000,
    n: 5,
    consecutive: 2,
    series: async (k) => {
      calls.push(k);
      return Array.from({ length: k }, () => 'ok');
    },
  });
  // Already programmed: streak and sample in one call.
  assert.deepEqual(calls, [7]);
  assert.equal(s.sample.length, 5);
  assert.equal(s.convergence.length, 2);
  await assert.rejects(
    convergeThenSample(async () => 'ok', (v) => v === 'ok', { what: 'path p', timeoutMs: 1_000, n: 5, consecutive: 2, series: async (k) => Array.from({ length: Math.min(k, 3) }, () => 'ok') }),
    /path p: the sample asked for 5 attempts and got 3/,
  );
});

test('aggregateRow: 5/5 holds; one deviation is "intermittent: 1 of 5" and fails the row', () => {
  const ok = aggregateRow({ key: 'k', expected: 'e', paths: [{ path: 'p', converged: true, attempts: Array.from({ length: 5 }, () => attempt('ok', 'client_address=10.0.0.1 (the client)', 'pod-a')) }] });
  assert.equal(ok.verdict, 'ok');
  assert.deepEqual(ok.samples, { total: 5, ok: 5 });
  assert.equal(ok.observedEcho, '5/5 as expected; client_address=10.0.0.1 (the client) ×5');
  assert.deepEqual(ok.servedBy, { 'pod-a': 5 });
  const bad = aggregateRow({
    key: 'k',
    expected: 'e',
    paths: [{ path: 'p', converged: true, attempts: [...Array.from({ length: 4 }, () => attempt('ok', 'client')), attempt('mismatch', 'node', undefined, 'expected answers, got drops')] }],
  });
  assert.equal(bad.verdict, 'mismatch');
  assert.equal(bad.note, 'intermittent: 1 of 5; expected answers, got drops');
  assert.equal(bad.observedEcho, '4/5 as expected; client ×4, node ×1');
});

test('aggregateRow: a path that converged only after the budget fails its row even when its attempts then hold', () => {
  const r = aggregateRow({ key: 'k', expected: 'e', paths: [{ path: 'p', converged: false, attempts: [attempt('ok', 'client')] }] });
  assert.equal(r.verdict, 'mismatch');
  assert.deepEqual(r.samples, { total: 1, ok: 1 });
  assert.equal(r.note, 'never reached the expected outcome while converging');
});

test('aggregateRow: a row of several paths names the failing path; only disagreements make "disagree"', () => {
  const r = aggregateRow({
    key: 'outside -> node without endpoint : nodePort',
    expected: 'e',
    paths: [
      { path: 'via n1', converged: true, attempts: [attempt('ok', 'a'), attempt('ok', 'a')] },
      { path: 'via n2', converged: false, attempts: [attempt('mismatch', 'refused'), attempt('mismatch', 'refused')] },
    ],
  });
  assert.equal(r.verdict, 'mismatch');
  assert.equal(r.note, 'via n2: never reached the expected outcome while converging; via n2: 2 of 2 deviate');
  assert.equal(r.observedEcho, '2/4 as expected; via n1: a ×2\nvia n2: refused ×2');
  const d = aggregateRow({ key: 'k', expected: 'e', paths: [{ path: 'p', converged: true, attempts: [attempt('ok', 'a'), attempt('disagree', 'a')] }] });
  assert.equal(d.verdict, 'disagree');
  assert.equal(aggregateRow({ key: 'k', expected: 'e', paths: [] }).verdict, 'mismatch');
});

test('tally orders by count', () => {
  assert.equal(tally(['b', 'a', 'b']), 'b ×2, a ×1');
});

test('pool runs at most `limit` at a time and keeps order', async () => {
  let running = 0;
  let peak = 0;
  const out = await pool([5, 1, 3, 2, 4], 2, async (x) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, x));
    running--;
    return x * 10;
  });
  assert.deepEqual(out, [50, 10, 30, 20, 40]);
  assert.equal(peak, 2);
});

const syn = (src: string, srcPort: number, dst: string, time: number): PacketRow => ({ time, proto: 'tcp', src, srcPort, dst, dstPort: 8080, flags: 'S', length: 60 });
const curlAt = (startedAt: number, endedAt: number): CurlEvidence => ({ from: 'x', url: 'u', args: [], exitCode: 0, exit: '0 OK', body: '', stderr: '', startedAt, endedAt });
const echo = (address: string, port: number): EchoReply => ({ layout: 'kpc', client: { address, port }, headers: {}, raw: '' }) as unknown as EchoReply;

test('wireSource: an answered request is matched by the tuple the echo saw, even among concurrent SYNs', () => {
  const eps = [{ ip: '10.244.1.5', port: 8080 }];
  // Two concurrent paths: SNAT to 172.18.0.3 and to 172.18.0.4, same window.
  const rows = [syn('172.18.0.3', 40000, '10.244.1.5', 1000.1), syn('172.18.0.4', 50000, '10.244.1.5', 1000.2)];
  assert.equal(wireSource(rows, eps, curlAt(1_000_000, 1_000_500), echo('172.18.0.4', 50000), []), '172.18.0.4');
  // No tuple from the echo (no answer): only SYNs from this path's attributable sources count.
  assert.equal(wireSource(rows, eps, curlAt(1_000_000, 1_000_500), undefined, ['172.18.0.9', '172.18.0.3']), '172.18.0.3');
  assert.equal(wireSource(rows, eps, curlAt(1_000_000, 1_000_500), undefined, ['172.18.0.9']), null);
  // The echo names a tuple the wire never carried: fall back to the window, so a disagreement shows.
  assert.equal(wireSource(rows, eps, curlAt(1_000_000, 1_000_500), echo('10.9.9.9', 1), ['172.18.0.3']), '172.18.0.3');
});

test('wireSource: a SYN that an answered request of a concurrent path accounts for is not pinned on an unanswered one', () => {
  // outside client 172.18.0.6: path A (endpoint node) answered from port 44100; path B (node without
  // endpoint) timed out in the same second. Before `claimed`, B was blamed for A's SYN ("disagree").
  const syn = { time: 10.5, proto: 'tcp' as const, src: '172.18.0.6', srcPort: 44100, dst: '10.244.1.62', dstPort: 8080, flags: 'S', length: 0 };
  const timedOut = { exitCode: 28, url: 'http://172.18.0.4:32076/', startedAt: 10_000, endedAt: 12_000 } as CurlEvidence;
  const ep = [{ ip: '10.244.1.62', port: 8080 }];
  assert.equal(wireSource([syn], ep, timedOut, undefined, ['172.18.0.6']), '172.18.0.6', 'without the claim the window blames B');
  assert.equal(wireSource([syn], ep, timedOut, undefined, ['172.18.0.6'], new Set(['172.18.0.6:44100'])), null);
});

test('mustConverge: a precondition that never converges is a mismatch row (a proxy verdict), other errors pass through untouched', async () => {
  const rows: Check[] = [];
  const rec = { check: (c: Check) => rows.push(c) };
  const row = { key: 'pod -> ClusterIP answers first', expected: '2 consecutive answers within 1 s' };
  await assert.rejects(
    mustConverge(rec, row, () => converge(async () => 'refused', (v) => v === 'ok', { what: 'x -> y answering', timeoutMs: 30, consecutive: 2, intervalMs: 10 })),
    ConvergenceError,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.verdict, 'mismatch');
  assert.match(rows[0]?.observedEcho ?? '', /^x -> y answering: not 2 consecutive successes within 30 ms \(\d+ attempts\)$/);
  await assert.rejects(mustConverge(rec, row, async () => { throw new Error('API server unreachable'); }), /API server unreachable/);
  assert.equal(rows.length, 1, 'an infrastructure error adds no verdict row');
  assert.equal(await mustConverge(rec, row, async () => 7), 7);
});

test('converge: the pause doubles after every round that did not converge, up to maxIntervalMs', async () => {
  const at: number[] = [];
  const t0 = Date.now();
  await assert.rejects(
    converge(async () => at.push(Date.now() - t0), () => false, { what: 'never', timeoutMs: 300, intervalMs: 20, maxIntervalMs: 80 }),
    (e: unknown) => e instanceof ConvergenceError,
  );
  const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
  // 20, 40, 80, 80, ...: about 6 attempts in 300 ms, where a fixed 20 ms pause makes about 15.
  assert.ok(at.length >= 4 && at.length <= 8, `attempts: ${at.length} (${gaps.join(', ')} ms apart)`);
  assert.ok((gaps[0] as number) < (gaps[2] as number) && (gaps[2] as number) >= 70, `gaps grow to the cap: ${gaps.join(', ')}`);
  assert.ok(gaps.every((g) => g < 160), `no gap beyond the cap (with timer slack): ${gaps.join(', ')}`);
});

test('convergeThenSample with a series: a first call that stops early (a time-out where an answer is due) is convergence evidence only', async () => {
  const seq = ['timeout', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'];
  let i = 0;
  const calls: string[] = [];
  const s = await convergeThenSample(async () => seq[i++] ?? 'ok', (v) => v === 'ok', {
    what: 'x',
    timeoutMs: 5_000,
    n: 5,
    consecutive: 2,
    intervalMs: 1,
    series: async (k, o) => {
      calls.push(`${k}${o?.stopWithin ? ` stop within ${o.stopWithin}` : ''}`);
      const out: string[] = [];
      for (let j = 0; j < k; j++) {
        const v = seq[i++] ?? 'ok';
        out.push(v);
        // as curlSeries with stopUnless does: an off attempt among the first `stopWithin` ends it
        if (o?.stopWithin && j < o.stopWithin && v !== 'ok') break;
      }
      return out;
    },
  });
  assert.equal(s.converged, true);
  assert.deepEqual(s.convergence, ['timeout', 'ok', 'ok']);
  assert.deepEqual(s.sample, ['ok', 'ok', 'ok', 'ok', 'ok']);
  // 7 asked, 1 came (stopped); then a round of 2 converges; then the sample.
  assert.deepEqual(calls, ['7 stop within 2', '2', '5']);
});

test('paced: calls start at least the gap apart (refusal paths: the kernel rate-limits ICMP errors per peer)', async () => {
  const starts: number[] = [];
  const p = paced(async () => starts.push(Date.now()), 120);
  await p();
  await p();
  await p();
  assert.equal(starts.length, 3);
  assert.ok((starts[1] ?? 0) - (starts[0] ?? 0) >= 110 && (starts[2] ?? 0) - (starts[1] ?? 0) >= 110, `gaps: ${starts.map((t) => t - (starts[0] ?? 0)).join(', ')}`);
});
