/**
 * The two budgets the environment may change: KPC_SAMPLES (judged attempts per path) and
 * KPC_CONVERGE_SEC (the convergence budget fault runs shorten). Each is read when
 * harness/timeouts.ts loads, so every check imports it in a fresh process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function load(env: Record<string, string>): { out: string; err: string; status: number | null } {
  const code = "const { TIMEOUTS, SAMPLING } = await import('./harness/timeouts.ts'); console.log(JSON.stringify({ converge: TIMEOUTS.serviceProgrammed, samples: SAMPLING.attempts }));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, KPC_SAMPLES: '', KPC_CONVERGE_SEC: '', ...env }, encoding: 'utf8' });
  return { out: r.stdout.trim(), err: r.stderr, status: r.status };
}

test('defaults: 60 s to converge, 5 judged attempts', () => {
  assert.deepEqual(JSON.parse(load({}).out), { converge: 60_000, samples: 5 });
});

test('KPC_CONVERGE_SEC sets the convergence budget in seconds', () => {
  assert.deepEqual(JSON.parse(load({ KPC_CONVERGE_SEC: '20', KPC_SAMPLES: '7' }).out), { converge: 20_000, samples: 7 });
});

test('a budget that is not an integer in range is a clear error', () => {
  for (const bad of ['abc', '2', '1.5', '601']) {
    const r = load({ KPC_CONVERGE_SEC: bad });
    assert.notEqual(r.status, 0, bad);
    assert.match(r.err, new RegExp(`KPC_CONVERGE_SEC must be an integer from 5 to 600, not "${bad.replace('.', '\\.')}"`));
  }
  assert.match(load({ KPC_SAMPLES: '0' }).err, /KPC_SAMPLES must be an integer from 1 to 100, not "0"/);
});
