import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CaseResult, Results } from '../../reports/model.ts';
import { cilium } from '../../harness/implementations/cilium.ts';
import { failedRows, findingReason, matchingFinding } from '../../harness/run/findings.ts';
import { findingsCheck } from '../e2e/findings-check.ts';

// The cilium column of a real run (npm run conformance -- --modes cilium, Cilium v1.20.2 built
// here), trimmed to what the check reads: status, reason, check keys and verdicts.
const REAL = JSON.parse(readFileSync(new URL('../fixtures/results/cilium-e2e.json', import.meta.url), 'utf8')) as Pick<Results, 'cases'>;
const FINDINGS = cilium.findings ?? [];

const clone = (): CaseResult[] => JSON.parse(JSON.stringify(REAL.cases)) as CaseResult[];
const byId = (cases: CaseResult[], id: string): CaseResult => {
  const c = cases.find((x) => x.id === id);
  assert.ok(c, `${id} in the fixture`);
  return c;
};

test('findings: the real cilium run is its findings and nothing else', () => {
  assert.equal(FINDINGS.length, 2);
  const r = findingsCheck(REAL, 'cilium', FINDINGS, ['proxy/mode-matches']);
  assert.deepEqual(r.problems, []);
  assert.equal(r.passed, REAL.cases.length - r.skipped);
  assert.match(r.summary, /2\/2 findings reproduced/);
  // Each finding's case failed on exactly its declared rows, and its reason names the write-up.
  for (const f of FINDINGS) {
    const c = byId(REAL.cases as CaseResult[], f.caseId);
    assert.equal(c.status, 'failed');
    assert.deepEqual(failedRows(c), [...f.rows].sort());
    assert.equal(matchingFinding(c, FINDINGS), f);
    assert.ok(c.reason?.startsWith(`known finding, written up in ${f.doc}`), c.reason);
  }
});

test('findings: a finding that no longer fails, or fails on another row, is a problem', () => {
  const gone = clone();
  const a = byId(gone, 'service/no-endpoints-rejected');
  a.status = 'passed';
  for (const k of a.checks) k.verdict = 'ok';
  assert.match(findingsCheck({ cases: gone }, 'cilium', FINDINGS).problems.join('\n'), /no-endpoints-rejected passed: the finding .* no longer reproduces/);

  const extra = clone();
  const b = byId(extra, 'service/no-endpoints-rejected');
  const ok = b.checks.find((k) => k.verdict === 'ok');
  assert.ok(ok, 'a row that held (node -> ClusterIP: refused by the socket LB)');
  ok.verdict = 'mismatch';
  assert.equal(matchingFinding(b, FINDINGS), undefined, 'no longer exactly the finding');
  assert.match(findingsCheck({ cases: extra }, 'cilium', FINDINGS).problems.join('\n'), new RegExp(`failed on other rows than its finding .* new ${ok.key}`));

  const fewer = clone();
  const c = byId(fewer, 'service/no-endpoints-rejected');
  const first = c.checks.find((k) => k.verdict === 'mismatch');
  assert.ok(first);
  first.verdict = 'ok';
  assert.match(findingsCheck({ cases: fewer }, 'cilium', FINDINGS).problems.join('\n'), /no longer pod -> ClusterIP|no longer outside -> nodePort/);
});

test('findings: any other failure, an error, a skip without reason or a missing required case is a problem', () => {
  const other = clone();
  const p = byId(other, 'proxy/mode-matches');
  p.status = 'failed';
  assert.match(findingsCheck({ cases: other }, 'cilium', FINDINGS).problems.join('\n'), /cilium\/proxy\/mode-matches failed/);

  const err = clone();
  const e = byId(err, 'udp/nodeport-local-preserves-client-ip');
  e.status = 'error';
  e.reason = 'timed out (no proxy verdict)';
  assert.match(findingsCheck({ cases: err }, 'cilium', FINDINGS).problems.join('\n'), /nodeport-local-preserves-client-ip error: timed out .*no verdict on its finding/);

  const skip = clone();
  const s = byId(skip, 'nodeport/fixed-port');
  s.status = 'skipped';
  delete s.reason;
  assert.match(findingsCheck({ cases: skip }, 'cilium', FINDINGS).problems.join('\n'), /fixed-port skipped without a reason/);

  const missing = { cases: clone().filter((x) => x.id !== 'proxy/mode-matches') };
  assert.match(findingsCheck(missing, 'cilium', FINDINGS, ['proxy/mode-matches']).problems.join('\n'), /proxy\/mode-matches did not run/);
  assert.match(findingsCheck({ cases: [] }, 'cilium', FINDINGS).problems.join('\n'), /column cilium ran no case/);
});

test('findings: a kube-proxy column failing a cilium finding case is not excused', () => {
  const c = { ...byId(clone(), 'service/no-endpoints-rejected'), project: 'nftables' };
  // No findings declared for nftables: the same failed rows are a plain failure there.
  assert.equal(matchingFinding(c, undefined), undefined);
  assert.match(findingsCheck({ cases: [c] }, 'nftables', []).problems.join('\n'), /nftables\/service\/no-endpoints-rejected failed/);
  assert.equal(findingReason(FINDINGS[0]!, 'x'), `known finding, written up in ${FINDINGS[0]!.doc}: ${FINDINGS[0]!.summary} | x`);
});
