import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BUILD_STEPS } from '../../clusters/build/steps.ts';
import { ciliumPins, ciliumSteps } from '../../clusters/build/cilium-steps.ts';

const repo = path.resolve(import.meta.dirname, '../..');

test('cilium steps are opt-in: none of them is a default step', () => {
  const defaults = new Set(BUILD_STEPS.map((s) => s.name));
  for (const s of ciliumSteps()) {
    assert.ok(!defaults.has(s.name), s.name);
    assert.ok(existsSync(path.join(repo, 'clusters', 'build', s.script)), s.script);
    for (const a of s.after ?? []) assert.ok(defaults.has(a) || ciliumSteps().some((c) => c.name === a), `${s.name} after ${a}`);
  }
});

test('cilium pins stay out of clusters/versions.json (its text is in every default step key)', () => {
  const versions = JSON.parse(readFileSync(path.join(repo, 'clusters', 'versions.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(versions.cilium, undefined);
  const pins = ciliumPins();
  assert.match(pins.version, /^v\d+\.\d+\.\d+$/);
  assert.match(pins.llvm.package, /^\d+$/);
  assert.deepEqual(ciliumSteps(pins)[0]?.outputs, [`bin/cilium-${pins.version}/.done`]);
});
