import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { preStopScript } from '../../harness/apps/workloads.ts';

/** Runs the preStop command as the container would (/bin/sh -c) and returns how long it took. */
function run(script: string): number {
  const t0 = Date.now();
  execFileSync('/bin/sh', ['-c', script]);
  return Date.now() - t0;
}

test('preStopScript without a marker is the plain sleep of the tutorial', () => {
  assert.equal(preStopScript(20), 'sleep 20');
});

test('preStopScript with a marker: at least the minimum, then until the marker, at most the cap', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpc-prestop-'));
  try {
    const marker = path.join(dir, 'release');
    // No marker: runs to its cap (3 s).
    const capped = run(preStopScript(1, { marker, maxSec: 3 }));
    assert.ok(capped >= 2_900 && capped < 5_000, `cap: ${capped} ms`);
    // Marker already there: the minimum (1 s) only.
    writeFileSync(marker, '');
    const released = run(preStopScript(1, { marker, maxSec: 3 }));
    assert.ok(released >= 900 && released < 2_500, `released: ${released} ms`);
    // A cap below the minimum never shortens the minimum.
    assert.match(preStopScript(5, { marker, maxSec: 2 }), /-lt 5 \]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
