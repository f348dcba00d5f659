import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { preStopScript } from '../../harness/apps/workloads.ts';

/**
 * Runs the preStop command as the container would (/bin/sh -c) with a fake `sleep` that only
 * counts its calls (no wall clock: the count is what the loop decided), and returns the count.
 */
function sleeps(dir: string, script: string): number {
  const log = path.join(dir, 'sleeps');
  writeFileSync(log, '');
  execFileSync('/bin/sh', ['-c', script], { env: { PATH: `${dir}:${process.env.PATH ?? ''}` } });
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
}

test('preStopScript without a marker is the plain sleep of the tutorial', () => {
  assert.equal(preStopScript(20), 'sleep 20');
});

test('preStopScript with a marker: at least the minimum, then until the marker, at most the cap', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpc-prestop-'));
  try {
    writeFileSync(path.join(dir, 'sleep'), ['#!/bin/sh', `echo "$1" >> ${dir}/sleeps`, ''].join('\n'));
    chmodSync(path.join(dir, 'sleep'), 0o755);
    const marker = path.join(dir, 'release');
    // No marker: one-second sleeps up to the cap.
    assert.equal(sleeps(dir, preStopScript(2, { marker, maxSec: 5 })), 5);
    // Marker there: the minimum only.
    writeFileSync(marker, '');
    assert.equal(sleeps(dir, preStopScript(2, { marker, maxSec: 5 })), 2);
    // A cap below the minimum never shortens the minimum.
    assert.equal(sleeps(dir, preStopScript(3, { marker, maxSec: 1 })), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
