import { test } from 'node:test';
import { tempDir } from './tmp.ts';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILD_STEPS, type BuildStep } from '../../clusters/build/steps.ts';
import { fillTemplate, readStamp, sourcedHelpers, splitOutputs, stepKey, writeStamp } from '../../clusters/build/step-cache.ts';
import { loadImages } from '../../clusters/images.ts';

test('steps: unique names, dependencies run earlier, image outputs exist in images.json', () => {
  const seen = new Set<string>();
  const ids = new Set(loadImages().images.map((i) => i.id));
  for (const s of BUILD_STEPS) {
    assert.ok(!seen.has(s.name), `duplicate ${s.name}`);
    for (const a of s.after ?? []) assert.ok(seen.has(a), `${s.name} runs after ${a}, which is not earlier`);
    for (const o of s.outputs ?? []) if (o.startsWith('image:')) assert.ok(ids.has(o.slice(6)), `${s.name}: ${o}`);
    seen.add(s.name);
  }
});

test('every non-base image is produced by some step', () => {
  const produced = new Set(BUILD_STEPS.flatMap((s) => (s.outputs ?? []).filter((o) => o.startsWith('image:')).map((o) => o.slice(6))));
  for (const i of loadImages().images) assert.ok(produced.has(i.id), i.id);
});

test('sourcedHelpers finds the helpers a script sources', () => {
  const text = 'source "$(dirname "$0")/lib.sh"\nsource "$HERE/go-common.sh"\n  . "$HERE/img-common.sh"\necho source nothing.sh';
  assert.deepEqual(sourcedHelpers(text), ['go-common.sh', 'img-common.sh', 'lib.sh']);
});

test('fillTemplate reads versions.json fields and refuses missing ones', () => {
  const v = { etcd: { version: 'v3.6.5' }, kind: 'v0.30.0' };
  assert.equal(fillTemplate('bin/etcd-{.etcd.version}/.done', v), 'bin/etcd-v3.6.5/.done');
  assert.equal(fillTemplate('bin/kind-{.kind}', v), 'bin/kind-v0.30.0');
  assert.throws(() => fillTemplate('{.nope.x}', v), /no value at \.nope\.x/);
  assert.deepEqual(splitOutputs({ name: 'x', script: 'x.sh', outputs: ['image:pause', 'a/{.kind}', 'pointer:node/{.kind}.json'] }, v), {
    files: ['a/v0.30.0'],
    images: ['pause'],
    pointers: ['node/v0.30.0.json'],
  });
});

test('stepKey changes with versions, script, sourced helper, inputs and dependency keys', () => {
  const root = tempDir('kpc-steps-');
  const build = path.join(root, 'clusters', 'build');
  mkdirSync(build, { recursive: true });
  mkdirSync(path.join(root, 'in'));
  writeFileSync(path.join(build, 'lib.sh'), 'one');
  writeFileSync(path.join(build, 's.sh'), 'source "$(dirname "$0")/lib.sh"\necho hi');
  writeFileSync(path.join(root, 'in', 'a.txt'), 'a');
  const step: BuildStep = { name: 's', script: 's.sh', inputs: ['in'], after: ['d'] };
  const key = (versionsText = '{}', depKeys = ['k1']) => stepKey(step, { repoRoot: root, buildDir: build, versionsText, depKeys });
  const k0 = key();
  assert.equal(key(), k0, 'stable');
  assert.notEqual(key('{"x":1}'), k0, 'versions');
  assert.notEqual(key('{}', ['k2']), k0, 'dependency');
  writeFileSync(path.join(build, 'lib.sh'), 'two');
  const k1 = key();
  assert.notEqual(k1, k0, 'helper');
  writeFileSync(path.join(root, 'in', 'b.txt'), 'b');
  assert.notEqual(key(), k1, 'input');
});

test('stamps are written whole and read back', () => {
  const cache = tempDir('kpc-cache-');
  assert.equal(readStamp(cache, 'x'), undefined);
  writeStamp(cache, { step: 'x', key: 'abc', seconds: 1.5, finishedAt: '2026-01-01T00:00:00Z' });
  assert.equal(readStamp(cache, 'x')?.key, 'abc');
  assert.ok(!existsSync(path.join(cache, 'stamps', 'x.json.tmp')));
});
