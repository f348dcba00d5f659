import { test } from 'node:test';
import { tempDir } from './tmp.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RESULTS_SCHEMA_VERSION } from '../../reports/model.ts';
import { readResults } from '../../reports/read.ts';
import { summaryLines } from '../../reports/summary.ts';
import { validateResults } from '../../reports/validate.ts';
import { caseResult, loadSample, project, results, SAMPLE_RESULTS } from '../fixtures/results/build.ts';

const errorsOf = (data: unknown): string[] => {
  const v = validateResults(data);
  return v.ok ? [] : v.errors;
};

test('the sample fixture is a valid results file', () => {
  const v = validateResults(loadSample());
  assert.equal(v.ok, true);
  assert.deepEqual(v.warnings, []);
});

test('schemaVersion: same major is read, a newer minor with a warning, another major refused', () => {
  const r = results([project('iptables')], [caseResult('iptables', 'a/x')]);
  const [major, minor] = RESULTS_SCHEMA_VERSION.split('.').map(Number);
  const newer = validateResults({ ...r, schemaVersion: `${major}.${(minor ?? 0) + 1}.0`, someNewField: 1 });
  assert.equal(newer.ok, true);
  assert.match(newer.warnings[0] ?? '', /newer than/);
  assert.match(errorsOf({ ...r, schemaVersion: `${(major ?? 0) + 1}.0.0` })[0] ?? '', /is not readable by this reporter/);
  assert.match(errorsOf({ ...r, schemaVersion: undefined })[0] ?? '', /^schemaVersion: expected a version like/);
  assert.match(errorsOf([])[0] ?? '', /expected a results object, got an array/);
});

test('shape errors name the path and what was expected', () => {
  const r = results([project('iptables')], [caseResult('iptables', 'a/x')]) as unknown as Record<string, unknown>;
  const cases = r.cases as Record<string, unknown>[];
  const bad = {
    ...r,
    run: { ...(r.run as object), durationMs: '60s' },
    cases: [{ ...cases[0], status: 'pass', checks: [{ key: 'k', expected: 'e' }], evidence: [{ kind: 'echo', name: 'n', contentType: 't', packets: [{ time: 1 }] }] }],
  };
  delete (bad as Record<string, unknown>).controls;
  assert.deepEqual(errorsOf(bad), [
    'results.run.durationMs: expected a number, got "60s"',
    'results.cases[0].status: expected one of passed | failed | flaky | error | skipped | not-supported, got "pass"',
    'results.cases[0].checks[0].verdict: missing',
    'results.cases[0].evidence[0].packets[0].proto: missing',
    'results.cases[0].evidence[0].packets[0].src: missing',
    'results.cases[0].evidence[0].packets[0].dst: missing',
    'results.cases[0].evidence[0].packets[0].length: missing',
    'results.controls: missing',
  ]);
});

test('a second result for the same case and project is an error; wrong totals a warning', () => {
  const twice = results([project('iptables')], [caseResult('iptables', 'a/x'), caseResult('iptables', 'a/x', { status: 'failed' })]);
  assert.deepEqual(errorsOf(twice), ['cases[1]: a second result for a/x in project iptables']);
  const v = validateResults({ ...results([project('iptables')], [caseResult('iptables', 'a/x')]), totals: { passed: 5, failed: 0, skipped: 0, 'not-supported': 0 } });
  assert.equal(v.ok, true);
  assert.match(v.warnings[0] ?? '', /do not match the cases/);
});

test('readResults: clear errors for a missing file, bad JSON and a wrong shape', async () => {
  const dir = tempDir('kpc-report-');
  await assert.rejects(readResults(join(dir, 'nope.json')), /nope\.json: no such file \(run `npm run conformance` first/);
  await writeFile(join(dir, 'bad.json'), '{"schemaVersion": "1.0.0",');
  await assert.rejects(readResults(join(dir, 'bad.json')), /bad\.json: not valid JSON/);
  await writeFile(join(dir, 'shape.json'), JSON.stringify({ schemaVersion: RESULTS_SCHEMA_VERSION }));
  await assert.rejects(readResults(join(dir, 'shape.json')), /shape\.json: not a valid results file:\n {2}results\.tool: missing/);
});

test('summaryLines: one line per project, then the report path', () => {
  assert.deepEqual(summaryLines(loadSample(), 'out/report/index.html'), [
    'iptables:                          7 passed, 0 failed',
    'nftables:                          4 passed, 2 failed, 1 not supported',
    'ipvs:                              0 passed, 0 failed, 7 skipped (no IP_VS in the kernel: modprobe ip_vs: module ip_vs not found in /lib/modules/6.1.0-40-amd64)',
    'iptables-masquerade-all (control): 6 passed, 1 failed - 1/1 injected faults caught',
    'report: out/report/index.html',
  ]);
});

test('npm run report: re-renders index.html and junit.xml next to results.json; exit 1 on a missing file', async () => {
  const run = promisify(execFile);
  const dir = tempDir('kpc-report-');
  await writeFile(join(dir, 'results.json'), await readFile(SAMPLE_RESULTS));
  const ok = await run(process.execPath, ['--import', 'tsx', 'reports/cli.ts', join(dir, 'results.json')]);
  assert.match(ok.stdout, /^nftables: +4 passed, 2 failed, 1 not supported$/m);
  assert.match(ok.stdout, /^report: .*index\.html$/m);
  assert.match(await readFile(join(dir, 'index.html'), 'utf8'), /^<!doctype html>/);
  assert.match(await readFile(join(dir, 'junit.xml'), 'utf8'), /^<\?xml version="1\.0"/);
  await assert.rejects(run(process.execPath, ['--import', 'tsx', 'reports/cli.ts', join(dir, 'missing.json')]), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr ?? '', /^report: .*missing\.json: no such file/);
    return true;
  });
});
