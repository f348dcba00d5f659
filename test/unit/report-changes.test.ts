/**
 * Baseline comparison and exit codes on the real iptables + nftables run
 * (test/fixtures/results/real-iptables-nftables): copies of it, mutated the way a regression,
 * a fix, a flake, an infrastructure hiccup or a changed behaviour would change a night's results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { changesLine, computeChanges, rowChanges } from '../../reports/changes.ts';
import { EXIT, exitCodeFor, parseFailOn } from '../../reports/exit-code.ts';
import { countStatuses, type CaseResult, type Results } from '../../reports/model.ts';
import { summaryLines } from '../../reports/summary.ts';
import { validateResults } from '../../reports/validate.ts';
import { main } from '../../reports/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/results/real-iptables-nftables/results.json');
const real = (): Results => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;

function cell(r: Results, project: string, id: string): CaseResult {
  const c = r.cases.find((x) => x.project === project && x.id === id);
  assert.ok(c, `${project} ${id} in the fixture`);
  return c;
}

/** One column of the real run, renamed, so two clusters' results compare as two nights. */
function column(r: Results, project: string): Results {
  return { ...r, projects: r.projects.filter((p) => p.name === project).map((p) => ({ ...p, name: 'nightly' })), cases: r.cases.filter((c) => c.project === project).map((c) => ({ ...c, project: 'nightly' })) };
}

test('a run compared with itself has no changes and no regression', () => {
  const ch = computeChanges(real(), real());
  assert.deepEqual(ch.changes, []);
  assert.equal(ch.regressions, 0);
  assert.match(changesLine(ch), /: none$/);
});

test('two clusters of the same night differ only where the implementations declare it, not by addresses or names', () => {
  // iptables and nftables ran on separate kind clusters: other ClusterIPs, node and pod names.
  const r = real();
  const ch = computeChanges(column(r, 'iptables'), column(r, 'nftables'));
  assert.deepEqual(
    ch.changes.map((c) => [c.kind, c.caseId, c.rows.map((x) => x.key)]),
    [
      ['observations-changed', 'distribution/rules-shape', ['the declared balancing shape in the rules of a worker']],
      ['observations-changed', 'nodeport/localhost', ['node -> 127.0.0.1 : nodePort']],
    ],
  );
  assert.equal(ch.regressions, 0);
});

test('newly failing is a regression; newly passing, flaky, erroring, added and removed are listed, not regressions', () => {
  const base = real();
  const cur = real();
  // A regression: a row that held now mismatches.
  const dns = cell(cur, 'iptables', 'connecting-apps/dns');
  dns.status = 'failed';
  dns.reason = 'pod in the namespace -> Service by name: unexpected';
  const row = dns.checks.find((k) => k.key === 'pod in the namespace -> Service by name');
  assert.ok(row);
  row.verdict = 'mismatch';
  // A fix: failing last night, passing now.
  cell(base, 'nftables', 'connecting-apps/dns').status = 'failed';
  // A flake and an infrastructure hiccup.
  const ids = [...new Set(cur.cases.map((c) => c.id))];
  const [flakyId, errorId, goneId] = [ids[3], ids[4], ids[5]].map((x) => x ?? '') as [string, string, string];
  cell(cur, 'iptables', flakyId).status = 'flaky';
  cell(cur, 'iptables', errorId).status = 'error';
  // A case removed from the catalogue and one added.
  cur.cases = cur.cases.filter((c) => !(c.project === 'nftables' && c.id === goneId));
  cur.cases.push({ ...cell(cur, 'nftables', ids[0] as string), id: 'udp/new-case', title: 'a new case' });

  const ch = computeChanges(base, cur, '/nights/2026-11-30/results.json');
  const kinds = ch.changes.map((c) => [c.kind, c.project, c.caseId, c.regression]);
  assert.deepEqual(kinds, [
    ['newly-failing', 'iptables', 'connecting-apps/dns', true],
    ['newly-flaky', 'iptables', flakyId, false],
    ['newly-erroring', 'iptables', errorId, false],
    ['newly-passing', 'nftables', 'connecting-apps/dns', false],
    ['added', 'nftables', 'udp/new-case', false],
    ['removed', 'nftables', goneId, false],
  ]);
  assert.equal(ch.regressions, 1);
  assert.deepEqual(ch.changes[0]?.rows, [{ key: 'pod in the namespace -> Service by name', before: 'ok: answered', after: 'mismatch: answered' }]);
  assert.equal(ch.baseline.file, '/nights/2026-11-30/results.json');
  assert.equal(changesLine(ch), `changes since ${base.run.startedAt.slice(0, 16).replace('T', ' ')} UTC: 1 newly failing, 1 newly flaky, 1 newly infrastructure error, 1 newly passing, 1 added, 1 removed (1 regression)`);
  // The section is part of the schema: a results file carrying it validates.
  const v = validateResults(JSON.parse(JSON.stringify({ ...cur, changes: ch })));
  assert.ok(v.ok, v.ok ? '' : v.errors.join('\n'));
});

test('same status, changed behaviour: compared by verdict, attempts and roles, never by addresses or pod names', () => {
  const base = real();
  const c = cell(base, 'iptables', 'source-ip/clusterip-preserves-pod-ip');
  const echoRow = c.checks.find((k) => /\(the client\)/.test(k.observedEcho ?? ''));
  assert.ok(echoRow, 'the fixture names the client role');
  // Other addresses and pod names, same behaviour: no change.
  const moved = structuredClone(c);
  for (const k of moved.checks) k.observedEcho = k.observedEcho?.replace(/\b10\.244\.\d+\.\d+/g, '10.244.9.99').replace(/-[a-z0-9]{6,10}-[a-z0-9]{5}\b/g, '-abcdef123-zzzzz');
  assert.deepEqual(rowChanges(c, moved), []);
  // The source is no longer the client (SNAT), all attempts still "ok" by a wrong expectation: a change.
  const snat = structuredClone(c);
  const k = snat.checks.find((x) => x.key === echoRow.key);
  assert.ok(k);
  k.observedEcho = k.observedEcho?.replace(/\(the client\)/g, '(owned by the receiving node)');
  const cur = real();
  cur.cases = cur.cases.map((x) => (x.project === 'iptables' && x.id === c.id ? snat : x));
  const ch = computeChanges(base, cur);
  assert.deepEqual(ch.changes.map((x) => [x.kind, x.caseId, x.regression]), [['observations-changed', c.id, false]]);
  assert.match(ch.changes[0]?.rows[0]?.before ?? '', /the client/);
  assert.match(ch.changes[0]?.rows[0]?.after ?? '', /owned by the receiving node/);
  // Fewer attempts held is a change too.
  const held = structuredClone(c);
  const sampled = held.checks.find((x) => x.samples);
  assert.ok(sampled?.samples);
  sampled.samples = { total: sampled.samples.total, ok: sampled.samples.total - 1 };
  assert.equal(rowChanges(c, held).length, 1);
});

test('negative controls: cells of a control column are not compared; a control no longer caught is a regression', () => {
  const project = { name: 'iptables-masquerade-all', proxyMode: 'iptables', implementation: 'kube-proxy', lbProvider: 'metallb', cluster: { source: 'kind' as const }, control: { description: 'masqueradeAll', mustFail: ['source-ip/clusterip-preserves-pod-ip'] } };
  const withControl = (caught: boolean): Results => {
    const r = real();
    const c = { ...cell(r, 'iptables', 'source-ip/clusterip-preserves-pod-ip'), project: project.name, status: caught ? ('failed' as const) : ('passed' as const) };
    return {
      ...r,
      projects: [...r.projects, project],
      cases: [...r.cases, c],
      controls: [{ project: project.name, caseId: c.id, description: 'masqueradeAll', expectedStatus: 'failed', actualStatus: c.status, caught, verdict: caught ? 'caught' : 'missed' }],
    };
  };
  const lost = computeChanges(withControl(true), withControl(false));
  assert.deepEqual(lost.changes.map((c) => [c.kind, c.regression]), [['control-missed', true]]);
  assert.equal(exitCodeFor({ ...withControl(false), changes: lost }, 'regressions'), EXIT.verdict);
  const back = computeChanges(withControl(false), withControl(true));
  assert.deepEqual(back.changes.map((c) => [c.kind, c.regression]), [['control-caught', false]]);
});

test('exit codes: failures (default) and regressions, infrastructure errors apart', () => {
  const base = real();
  assert.equal(exitCodeFor(base, 'failures'), EXIT.ok);
  const flaky = real();
  cell(flaky, 'iptables', 'connecting-apps/dns').status = 'flaky';
  assert.equal(exitCodeFor(flaky, 'failures'), EXIT.verdict, 'a flaky cell is never counted as passed');
  const errored = real();
  cell(errored, 'nftables', 'connecting-apps/dns').status = 'error';
  assert.equal(exitCodeFor(errored, 'failures'), EXIT.noVerdict, 'an infrastructure error alone is not a proxy failure');
  // The same failure in the baseline and now: a failure, not a regression.
  const failing = real();
  cell(failing, 'iptables', 'connecting-apps/dns').status = 'failed';
  assert.equal(exitCodeFor({ ...failing, changes: computeChanges(failing, failing) }, 'failures'), EXIT.verdict);
  assert.equal(exitCodeFor({ ...failing, changes: computeChanges(failing, failing) }, 'regressions'), EXIT.ok);
  assert.equal(exitCodeFor({ ...failing, changes: computeChanges(base, failing) }, 'regressions'), EXIT.verdict);
  assert.equal(exitCodeFor({ ...flaky, changes: computeChanges(base, flaky) }, 'regressions'), EXIT.noVerdict, 'newly flaky is not a regression, but not clean either');
  assert.throws(() => exitCodeFor(base, 'regressions'), /needs a baseline/);
  assert.equal(parseFailOn(undefined), 'failures');
  assert.throws(() => parseFailOn('warnings'), /--fail-on must be failures or regressions/);
});

test('the summary names the changes after the per-column lines', () => {
  const cur = real();
  cell(cur, 'iptables', 'connecting-apps/dns').status = 'failed';
  const lines = summaryLines({ ...cur, changes: computeChanges(real(), cur) }, 'out/report/index.html');
  assert.match(lines[0] ?? '', /^iptables: 25 passed, 1 failed$/);
  assert.match(lines.at(-2) ?? '', /^changes since .* UTC: 1 newly failing \(1 regression\)$/);
  assert.equal(lines.at(-1), 'report: out/report/index.html');
});

test('npm run report -- --baseline OLD --current NEW --fail-on regressions: records the changes, renders them, exits 1', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpc-changes-'));
  const log = console.log;
  const err = console.error;
  console.log = () => undefined;
  const errors: string[] = [];
  console.error = (m: unknown) => void errors.push(String(m));
  try {
    await mkdir(path.join(dir, 'old'));
    await mkdir(path.join(dir, 'new'));
    const cur = real();
    const dns = cell(cur, 'iptables', 'connecting-apps/dns');
    dns.status = 'failed';
    dns.reason = '<script>alert(1)</script>';
    cur.totals = countStatuses(cur.cases);
    await writeFile(path.join(dir, 'old/results.json'), JSON.stringify(real()));
    await writeFile(path.join(dir, 'new/results.json'), JSON.stringify(cur));
    const args = ['--baseline', path.join(dir, 'old/results.json'), '--current', path.join(dir, 'new/results.json')];
    assert.equal(await main([...args, '--fail-on', 'regressions']), 1);
    assert.equal(await main(args), 0, 'without --fail-on the report exits 0');
    const written = JSON.parse(await readFile(path.join(dir, 'new/results.json'), 'utf8')) as Results;
    assert.equal(written.changes?.regressions, 1);
    const html = await readFile(path.join(dir, 'new/index.html'), 'utf8');
    assert.match(html, /<section id="view-changes"/);
    assert.match(html, /data-kind="newly-failing"/);
    assert.ok(!html.includes('<script>alert(1)</script>'), 'captured text is escaped');
    assert.equal(await main(['--fail-on', 'regressions', path.join(dir, 'new/results.json')]), 2);
    assert.match(errors.join('\n'), /--fail-on regressions needs --baseline/);
    assert.equal(await main(['--baseline', path.join(dir, 'missing.json'), path.join(dir, 'new/results.json')]), 1);
    assert.match(errors.join('\n'), /missing\.json: no such file/);
  } finally {
    console.log = log;
    console.error = err;
    await rm(dir, { recursive: true, force: true });
  }
});

test('npm run conformance: bad nightly options are exit 2 before anything runs (docs/bad-inputs.md)', async () => {
  const { execa } = await import('execa');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpc-badnightly-'));
  try {
    const notResults = path.join(dir, 'notes.json');
    await writeFile(notResults, '{"not":"results"}');
    const v2 = path.join(dir, 'v2.json');
    await writeFile(v2, JSON.stringify({ ...real(), schemaVersion: '2.0.0' }));
    const rows: [string[], RegExp][] = [
      [['--repeat', '0'], /^conformance: --repeat must be an integer from 1 to 20, not "0"/],
      [['--fail-on', 'warnings'], /^conformance: --fail-on must be failures or regressions, not "warnings"/],
      [['--fail-on', 'regressions'], /^conformance: --fail-on regressions needs --baseline/],
      [['--baseline', path.join(dir, 'missing.json')], /^conformance: --baseline .*missing\.json: no such file/],
      [['--baseline', notResults], /^conformance: --baseline .*notes\.json: not a valid results file/],
      [['--baseline', v2], /^conformance: --baseline .*v2\.json: not a valid results file: +schemaVersion: 2\.0\.0 is not readable/],
    ];
    await Promise.all(
      rows.map(async ([args, re]) => {
        const r = await execa(process.execPath, ['--import', 'tsx', 'harness/cli/conformance.ts', ...args], { cwd: ROOT, reject: false, env: { ...process.env, KPC_REPORT_DIR: path.join(dir, 'report') } });
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr.trim(), re);
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
