/**
 * Joining the testcontainers reaper (harness/probes/reaper.ts): only "Failed to connect to
 * Reaper", the error of a reaper shutting down as a process joins it (CI, stop 17, the
 * dual-stack control's first capture), is retried, a bounded number of times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryReaper, REAPER_UNREACHABLE } from '../../harness/probes/reaper.ts';

// The message testcontainers-node 11.9 throws (build/reaper/reaper.js, connectToReaperSocket).
const unreachable = () => new Error('Failed to connect to Reaper');

function options(log: string[], slept: number[]) {
  return { tries: 4, pause: (n: number) => 2_000 * n, sleep: async (ms: number) => void slept.push(ms), log: (l: string) => void log.push(l) };
}

test('a reaper that was shutting down: the next try joins, and each retry is logged', async () => {
  const log: string[] = [];
  const slept: number[] = [];
  let calls = 0;
  const r = await retryReaper(async () => {
    calls++;
    if (calls < 3) throw unreachable();
    return 'joined';
  }, options(log, slept));
  assert.equal(r, 'joined');
  assert.equal(calls, 3);
  assert.deepEqual(slept, [2_000, 4_000]);
  assert.equal(log.length, 2);
  assert.match(log[0] ?? '', /\[reaper\] Failed to connect to Reaper \(try 1\/4\).*shutting down.*2 s/);
});

test('other errors (no Docker, a refused image) are not retried', async () => {
  const slept: number[] = [];
  let calls = 0;
  await assert.rejects(retryReaper(async () => {
    calls++;
    throw new Error('Could not find a working container runtime strategy');
  }, options([], slept)), /working container runtime/);
  assert.equal(calls, 1);
  assert.deepEqual(slept, []);
});

test('a reaper that stays unreachable: the error says how many tries and where to look', async () => {
  let calls = 0;
  await assert.rejects(retryReaper(async () => {
    calls++;
    throw unreachable();
  }, options([], [])), (e: Error) => REAPER_UNREACHABLE.test(e.message) && /4 tries/.test(e.message) && /org\.testcontainers\.ryuk/.test(e.message));
  assert.equal(calls, 4);
});
