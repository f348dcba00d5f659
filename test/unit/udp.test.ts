import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseUdpClient, udpEvidence, udpTarget } from '../../harness/probes/udp.ts';
import { parseEcho } from '../../harness/probes/echo.ts';
import { reachOf } from '../../harness/judge/judge.ts';
import { judgeReplacementStream } from '../../harness/judge/conntrack.ts';
import { wireSource } from '../../harness/judge/scenarios.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import type { Runner } from '../../harness/probes/runners.ts';

// Output of our Perl UDP client against our Perl UDP echo server, both in our tools image (perl-base
// only), on the host network: 12 datagrams from source port 40123, then two to a closed port.
const HOST = readFileSync(new URL('../fixtures/udp/client-host.txt', import.meta.url), 'utf8');
const runner: Runner = { label: 'pod client', ip: '10.244.2.5', node: 'w2', run: async () => ({ stdout: '', stderr: '', exitCode: 0, durationMs: 0 }) };

test('parseUdpClient: replies (with the echo reply), refusals, local address and port', () => {
  const a = parseUdpClient(HOST);
  assert.deepEqual(a.map((x) => x.status), [...Array(12).fill('reply'), 'refused', 'refused']);
  assert.equal(a[0]?.localPort, 40123);
  assert.equal(a[1]?.localPort, 40123, 'one socket, one source port for the whole stream');
  const echo = parseEcho(a[0]?.reply ?? '');
  assert.ok(echo.ok);
  assert.equal(echo.value.layout, 'kpc');
  assert.equal(echo.value.client.port, 40123);
  assert.equal(echo.value.pod?.name, 'udp-echo-6d5f-abcde');
  assert.equal(echo.value.pod?.ip, '10.244.1.7');
});

test('attemptTimes: whole epoch seconds plus uptime give each attempt a time inside its second, spaced as the uptime says', () => {
  const a = parseUdpClient(HOST).slice(0, 12);
  const raw = HOST.split('\n').filter((l) => l.startsWith('@')).slice(0, 12).map((l) => Number(l.slice(1).split(' ')[0]));
  a.forEach((x, i) => assert.equal(Math.floor(x.at / 1000), raw[i], `attempt ${i} stays in its printed second`));
  for (let i = 1; i < a.length; i++) {
    const wall = (a[i]?.at ?? 0) - (a[i - 1]?.at ?? 0);
    const up = ((a[i]?.uptime ?? 0) - (a[i - 1]?.uptime ?? 0)) * 1000;
    assert.ok(Math.abs(wall - up) <= 1, `spacing ${wall} ms vs uptime ${up} ms`);
  }
});

test('udpEvidence: reachOf classifies UDP like curl (reply answers, refused rejects, timeout drops)', () => {
  const all = parseUdpClient(HOST);
  const [reply] = all;
  const refused = all[12];
  const url = 'udp://10.96.0.20:53';
  assert.equal(reachOf(udpEvidence(runner, url, reply, 0, 1, '')), 'answers');
  assert.equal(reachOf(udpEvidence(runner, url, refused, 0, 1, '')), 'rejects');
  assert.equal(reachOf(udpEvidence(runner, url, { at: 5, status: 'timeout' }, 0, 1, '')), 'drops');
  assert.equal(reachOf(udpEvidence(runner, url, undefined, 0, 1, 'perl: not found')), 'error');
  assert.deepEqual(udpTarget('udp://10.96.0.20:53'), { host: '10.96.0.20', port: 53 });
  assert.equal(udpTarget('http://10.96.0.20:53/'), undefined);
});

test('wireSource: a UDP probe is matched to its datagram at the endpoint by the tuple the server saw', () => {
  const c = udpEvidence(runner, 'udp://10.96.0.20:53', { at: 1000, status: 'reply', reply: 'x' }, 1000, 1200, '');
  const rows = [
    { time: 1.05, proto: 'tcp' as const, src: '10.244.2.5', srcPort: 40123, dst: '10.244.1.7', dstPort: 5300, flags: 'S', length: 0 },
    { time: 1.1, proto: 'udp' as const, src: '172.18.0.4', srcPort: 40123, dst: '10.244.1.7', dstPort: 5300, length: 14 },
  ];
  const echo = { client: { address: '172.18.0.4', port: 40123 } } as Parameters<typeof wireSource>[3];
  assert.equal(wireSource(rows, [{ ip: '10.244.1.7', port: 5300 }], c, echo, ['10.244.2.5']), '172.18.0.4');
  // no echo: the datagram inside the attempt's window, from an attributable address
  assert.equal(wireSource(rows, [{ ip: '10.244.1.7', port: 5300 }], c, undefined, ['172.18.0.4']), '172.18.0.4');
  assert.equal(wireSource(rows, [{ ip: '10.244.1.7', port: 5300 }], c, undefined, ['10.244.2.5']), null, 'the TCP SYN does not count for UDP');
});

/** A stream built from the recorded reply, re-addressed per pod, one attempt per `at`. */
function stream(spec: [number, 'old' | 'new' | 'timeout' | 'refused'][]): CurlEvidence[] {
  const [reply] = parseUdpClient(HOST);
  return spec.map(([at, what]) => {
    const body = what === 'old' || what === 'new' ? reply?.reply?.replace(/udp-echo-6d5f-abcde/g, what === 'old' ? 'udp-old' : 'udp-new') : undefined;
    const status = body ? 'reply' : what === 'refused' ? 'refused' : 'timeout';
    return udpEvidence(runner, 'udp://10.96.0.20:53', { at, status, ...(body ? { reply: body } : {}) }, at, at + 100, '');
  });
}
const T = { oldPod: 'udp-old', newPod: 'udp-new', deletedAt: 3_000, newReadyAt: 6_000, boundMs: 10_000, replyWindowMs: 500 };

test('judgeReplacementStream: a stream that switches to the new endpoint within the bound passes', () => {
  const s = stream([[0, 'timeout'], [1000, 'old'], [2000, 'old'], [3500, 'refused'], [5000, 'refused'], [7000, 'new'], [8000, 'new'], [20_000, 'new']]);
  const v = judgeReplacementStream('p', s, T);
  assert.equal(v.inconclusive, undefined);
  assert.deepEqual(v.before.map((a) => a.check.verdict), ['ok', 'ok'], 'attempts before the first answer are not judged');
  assert.deepEqual(v.after.map((a) => a.check.verdict), ['ok', 'ok', 'ok']);
  assert.equal(v.switchMs, 1000);
});

test('judgeReplacementStream: a stream stuck on the stale entry is a mismatch naming it', () => {
  const s = stream([[1000, 'old'], [2000, 'old'], ...Array.from({ length: 30 }, (_, i): [number, 'timeout'] => [3100 + i * 700, 'timeout'])]);
  const v = judgeReplacementStream('p', s, T);
  assert.equal(v.after.length, 1);
  assert.equal(v.after[0]?.check.verdict, 'mismatch');
  assert.match(v.after[0]?.check.note ?? '', /stale conntrack entry/);
  assert.match(v.after[0]?.check.observedEcho ?? '', /never answered by udp-new/);
});

test('judgeReplacementStream: a late switch, or a loss after it, is a mismatch; a stream too short is inconclusive', () => {
  const late = judgeReplacementStream('p', stream([[1000, 'old'], [17_000, 'new'], [18_000, 'new']]), T);
  assert.equal(late.after[0]?.check.verdict, 'mismatch');
  assert.match(late.after[0]?.check.observedEcho ?? '', /only 11 s after/);
  const lossy = judgeReplacementStream('p', stream([[1000, 'old'], [7000, 'new'], [8000, 'timeout'], [9000, 'new']]), T);
  assert.deepEqual(lossy.after.map((a) => a.check.verdict), ['ok', 'mismatch', 'ok']);
  const short = judgeReplacementStream('p', stream([[1000, 'old'], [4000, 'timeout'], [6000, 'timeout']]), T);
  assert.match(short.inconclusive ?? '', /ended .* before the bound/);
});

test('judgeReplacementStream: a datagram whose reply window straddles the deletion is judged in neither row; one before it is', () => {
  const s = stream([[1000, 'old'], [2000, 'timeout'], [2700, 'timeout'], [7000, 'new'], [8000, 'new']]);
  const v = judgeReplacementStream('p', s, T);
  assert.deepEqual(v.before.map((a) => a.check.verdict), ['ok', 'mismatch'], 'the loss at 2.0 s (window closed at 2.5 s) is judged; 2.7 s is not');
  assert.deepEqual(v.after.map((a) => a.check.verdict), ['ok', 'ok']);
});
