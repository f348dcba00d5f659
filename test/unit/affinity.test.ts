import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EXPIRY_SLACK_MS, judgeSticky } from '../../harness/judge/affinity.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';

// A real echoserver 1.10 answer; the pod name is swapped per attempt.
const BODY = readFileSync(new URL('../fixtures/echo/echoserver-1.10-pod-info.txt', import.meta.url), 'utf8');
const POD = 'source-ip-app-6d8c7b5f4-q9zjw';

const attempt = (pod: string, startedAt: number): CurlEvidence => ({
  from: 'pod client', url: 'http://10.96.11.181:80/', args: [], exitCode: 0, exit: '0 OK', httpCode: 200,
  body: BODY.replaceAll(POD, pod), stderr: '', startedAt, endedAt: startedAt + 20,
});

test('judgeSticky: one endpoint for the whole sample without a timeout; a switch is a mismatch', () => {
  const s = [attempt('pod-a', 0), attempt('pod-a', 10), attempt('pod-b', 20_000)];
  const j = judgeSticky('k', 'p', s);
  assert.deepEqual(j.map((a) => a.check.verdict), ['ok', 'ok', 'mismatch']);
  assert.equal(j[2]?.check.note, 'left pod-a for pod-b');
});

test('judgeSticky: a gap longer than the affinity timeout starts a new segment judged on its own', () => {
  const T = 5_000;
  const s = [attempt('pod-a', 0), attempt('pod-a', 100), attempt('pod-b', 100 + T), attempt('pod-b', 200 + T)];
  const j = judgeSticky('k', 'p', s, T);
  assert.deepEqual(j.map((a) => a.check.verdict), ['ok', 'ok', 'ok', 'ok']);
  assert.match(j[2]?.check.observedEcho ?? '', /5\.0 s after the previous request \(affinity may have expired/);
});

test('judgeSticky: a switch inside one segment (gaps under timeout less slack) stays a mismatch', () => {
  const T = 5_000;
  const gap = T - EXPIRY_SLACK_MS; // not beyond the cut
  const s = [attempt('pod-a', 0), attempt('pod-a', gap), attempt('pod-b', 2 * gap)];
  const j = judgeSticky('k', 'p', s, T);
  assert.deepEqual(j.map((a) => a.check.verdict), ['ok', 'ok', 'mismatch']);
});
