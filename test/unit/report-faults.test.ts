/** The Controls view with a fault detection table: valid 1.2.0 document, score, gaps, links, escaping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultsSection } from '../../reports/model.ts';
import { renderHtml } from '../../reports/html.ts';
import { validateResults } from '../../reports/validate.ts';
import { caseResult, project, results } from '../fixtures/results/build.ts';

const evil = '<script>window.__xss = 1</script>';

function faults(): FaultsSection {
  const cell = (caseId: string, status: 'passed' | 'failed' | 'error', failedRows: string[] = []) => ({ caseId, status, failedRows });
  return {
    command: 'npm run conformance -- --faults',
    startedAt: new Date(0).toISOString(),
    durationMs: 1000,
    modes: ['iptables'],
    faults: [
      { name: 'etp-local-ignored', family: 'externalTrafficPolicy Local ignored', description: `desc ${evil}`, modes: ['iptables'], patch: 'clusters/faults/etp-local-ignored.patch', catches: [{ case: 'source-ip/local', rows: ['node without endpoint'], deviation: 'answers' }] },
      { name: 'healthcheck-always-healthy', family: 'health check node port', description: 'd', modes: ['iptables'], patch: 'p', catches: [{ case: 'loadbalancer/hc', rows: ['/healthz'], deviation: '200' }] },
    ],
    baselines: [{ mode: 'iptables', report: 'faults/baseline-iptables/index.html', cases: [cell('source-ip/local', 'passed'), cell('loadbalancer/hc', 'passed')] }],
    runs: [
      { fault: 'etp-local-ignored', mode: 'iptables', verdict: 'caught', reason: 'mismatch', controls: [], caughtBy: ['source-ip/local'], cases: [cell('source-ip/local', 'failed', ['outside -> node without endpoint : nodePort']), cell('loadbalancer/hc', 'passed')], durationMs: 5, report: 'faults/etp-local-ignored-iptables/index.html' },
      { fault: 'healthcheck-always-healthy', mode: 'iptables', verdict: 'inconclusive', reason: `infrastructure error: rollout ${evil}`, controls: [], caughtBy: [], cases: [], durationMs: 5 },
    ],
    score: [{ mode: 'iptables', caught: 1, total: 2 }],
    gaps: [{ fault: 'healthcheck-always-healthy', mode: 'iptables', kind: 'inconclusive', detail: `infrastructure error: rollout ${evil}` }],
  };
}

test('results with a faults section validate and render score, gaps and evidence links', () => {
  const r = results([project('iptables')], [caseResult('iptables', 'source-ip/local')], { faults: faults() });
  const v = validateResults(JSON.parse(JSON.stringify(r)));
  assert.ok(v.ok, v.ok ? '' : v.errors.join('\n'));
  const html = renderHtml(r);
  assert.match(html, /Detection score: .*iptables: 1\/2 caught \(50%\)/);
  assert.match(html, /<code>healthcheck-always-healthy<\/code> on iptables \(inconclusive\)/);
  assert.ok(html.includes('href="faults/etp-local-ignored-iptables/index.html#/case/iptables/source-ip%2Flocal"'), 'cells link into the fault run');
  assert.ok(html.includes('class="declared st-failed"'), 'the declared case is marked');
  assert.ok(!html.includes(evil), 'network text is escaped');
  assert.match(html, /Controls <span class="pill">1\/2<\/span>/);
});

test('a bad faults section is named by the validator', () => {
  const f = faults() as unknown as { runs: { verdict: string }[] };
  f.runs[0]!.verdict = 'probably';
  const v = validateResults(JSON.parse(JSON.stringify(results([], [], { faults: f as unknown as FaultsSection }))));
  assert.equal(v.ok, false);
  const errors = v.ok ? [] : v.errors;
  assert.ok(errors.some((x) => /faults\.runs\[0\]\.verdict: expected one of caught \| missed \| inconclusive/.test(x)), errors.join('\n'));
});

test('junit: one suite per fault mode, only caught faults pass', async () => {
  const { renderJunit } = await import('../../reports/junit.ts');
  const xml = renderJunit(results([project('iptables')], [caseResult('iptables', 'source-ip/local')], { faults: faults() }));
  assert.match(xml, /<testsuite name="faults-iptables" tests="2" failures="1"/);
  assert.match(xml, /<testcase name="healthcheck-always-healthy"[^>]*>\s*<failure message="inconclusive: infrastructure error: rollout &lt;script&gt;/);
  assert.match(xml, /<testcase name="etp-local-ignored"[^>]*>\s*<\/testcase>/);
});
