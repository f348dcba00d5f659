import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gateState, passGate, START_GATE_ENV } from '../../harness/run/start-gate.ts';

test('gateState: empty or absent is closed, go opens, anything else is an abort with its reason', () => {
  assert.equal(gateState(undefined), undefined);
  assert.equal(gateState(''), undefined);
  assert.deepEqual(gateState('go\n'), { open: true });
  assert.deepEqual(gateState('abort: the swap to drop-one-endpoint failed: rollout timed out\n'), { open: false, why: 'the swap to drop-one-endpoint failed: rollout timed out' });
});

test('passGate: returns at once without a gate, waits for go, throws on abort and on time-out', async () => {
  await passGate({});
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpc-gate-'));
  try {
    const file = path.join(dir, 'gate');
    const env = { [START_GATE_ENV]: file };
    const t0 = Date.now();
    setTimeout(() => void writeFile(file, 'go\n'), 100);
    await passGate(env, 5_000, 10);
    assert.ok(Date.now() - t0 >= 90, 'waited for the file');
    await writeFile(file, 'abort: interrupted\n');
    await assert.rejects(passGate(env, 5_000, 10), /called off before it started: interrupted/);
    await rm(file);
    await assert.rejects(passGate(env, 50, 10), /was not opened within/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
