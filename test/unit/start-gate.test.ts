import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { awaitGate, gateState } from '../../harness/run/start-gate.ts';
import { enterPhase, phasesFromEnv, PHASES_ENV } from '../../harness/run/phases.ts';

test('gateState: empty or absent is closed, go opens, anything else is an abort with its reason', () => {
  assert.equal(gateState(undefined), undefined);
  assert.equal(gateState(''), undefined);
  assert.deepEqual(gateState('go\n'), { open: true });
  assert.deepEqual(gateState('abort: the swap to drop-one-endpoint failed: rollout timed out\n'), { open: false, why: 'the swap to drop-one-endpoint failed: rollout timed out' });
});

test('awaitGate / enterPhase: wait for go, report an abort with its reason, throw on time-out', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpc-gate-'));
  try {
    const file = path.join(dir, 'gate');
    const phase = { name: 'drop-one-endpoint-iptables', dir, gate: file };
    setTimeout(() => void writeFile(file, 'go\n'), 100);
    const r = await enterPhase(phase, 5_000, 10);
    assert.equal(r.abort, undefined);
    assert.ok(r.waitedMs >= 90, `waited for the file (${r.waitedMs} ms)`);
    await writeFile(file, 'abort: interrupted\n');
    assert.deepEqual((await enterPhase(phase, 5_000, 10)).abort, 'interrupted');
    await rm(file);
    await assert.rejects(awaitGate(file, 50, 10), /was not opened within/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('phasesFromEnv: absent is an ordinary run; malformed values are refused with the reason', () => {
  assert.equal(phasesFromEnv({}), undefined);
  const ok = [{ name: 'baseline-iptables', dir: '/r/baseline-iptables', gate: '/r/baseline-iptables.gate' }, { name: 'x-iptables', dir: '/r/x', gate: '/r/x.gate', cases: ['a/b'], verdictsExpected: true }];
  assert.deepEqual(phasesFromEnv({ [PHASES_ENV]: JSON.stringify(ok) }), ok);
  assert.throws(() => phasesFromEnv({ [PHASES_ENV]: '{' }), /is not JSON/);
  assert.throws(() => phasesFromEnv({ [PHASES_ENV]: '[]' }), /non-empty JSON array/);
  assert.throws(() => phasesFromEnv({ [PHASES_ENV]: JSON.stringify([{ name: 'a', dir: '/d' }]) }), /phase 1 has no gate/);
  assert.throws(() => phasesFromEnv({ [PHASES_ENV]: JSON.stringify([ok[0], ok[0]]) }), /appears twice/);
  assert.throws(() => phasesFromEnv({ [PHASES_ENV]: JSON.stringify([{ ...ok[0], cases: 'a/b' }]) }), /cases must be a list/);
});
