/** The fault catalogue: every fault names an existing case and has its patch; the overlay maps module files to patched copies. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { caseIdsIn, loadCatalogue, patchExists, patchFile, rowMatcher, validateCatalogue, type Catalogue } from '../../clusters/faults/catalogue.ts';
import { overlayFor, patchedFiles } from '../../clusters/build/fault-overlay.ts';
import { faultSteps } from '../../clusters/build/fault-steps.ts';

const suites = path.resolve('suites');
// suites/ holds the group folders and the Playwright entry (suites/catalogue.ts), which is no group.
const caseIds = caseIdsIn(suites, (d) => (statSync(d).isDirectory() ? readdirSync(d) : []));

test('the catalogue in the repo is valid: cases exist, patches exist, rows are patterns', () => {
  const cat = loadCatalogue();
  assert.deepEqual(validateCatalogue(cat, { caseIds, patchExists }), []);
  assert.ok(cat.faults.length >= 10, 'at least 10 faults');
  const families = new Set(cat.faults.map((f) => f.family));
  for (const fam of ['SNAT of external traffic', 'externalTrafficPolicy Local ignored', 'SNAT of pod-to-ClusterIP traffic', 'endpoint selection', 'missing endpoint', 'health check node port', 'terminating endpoints', 'externalIPs', 'NodePort programmed on some nodes only', 'LoadBalancer VIP reached from inside the cluster']) {
    assert.ok(families.has(fam), `family "${fam}" is covered`);
  }
});

test('every patch changes only Go files of the module, each marked as a fault', () => {
  for (const f of loadCatalogue().faults) {
    const text = readFileSync(patchFile(f.name), 'utf8');
    const files = patchedFiles(text);
    assert.ok(files.every((x) => /^(pkg|cmd)\/.+\.go$/.test(x)), `${f.name}: ${files.join(', ')}`);
    assert.match(text, new RegExp(`^\\+.*FAULT ${f.name}:`, 'm'), `${f.name}: the patch says what it breaks`);
  }
});

test('validation names what is wrong', () => {
  const bad: Catalogue = {
    faults: [
      { name: 'Bad Name', family: '', description: 'x', modes: [], catches: [] },
      { name: 'no-patch', family: 'f', description: 'd', modes: ['iptables', 'ebpf' as never], catches: [{ case: 'nope/missing', rows: [], deviation: '' }] },
      { name: 'no-patch', family: 'f', description: 'd', modes: ['iptables'], catches: [{ case: 'source-ip/clusterip-preserves-pod-ip', rows: ['/[/'], deviation: 'x' }] },
    ],
  };
  const problems = validateCatalogue(bad, { caseIds, patchExists: () => false });
  const has = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `expected ${re} in:\n${problems.join('\n')}`);
  has(/Bad Name: name must match/);
  has(/Bad Name: no family/);
  has(/Bad Name: no mode/);
  has(/Bad Name: names no case/);
  has(/no-patch: clusters\/faults\/no-patch.patch does not exist/);
  has(/no-patch: unknown mode "ebpf"/);
  has(/no-patch: case "nope\/missing" does not exist/);
  has(/no-patch: catch by nope\/missing names no check row/);
  has(/no-patch: catch by nope\/missing states no deviation/);
  has(/no-patch: duplicate name/);
  has(/row pattern \/\[\/: /);
  assert.deepEqual(validateCatalogue({ faults: [] }, { caseIds, patchExists: () => true }), ['the catalogue lists no fault']);
});

test('row patterns: substring, or /regex/', () => {
  assert.equal(rowMatcher('node without endpoint')('outside -> node without endpoint : nodePort'), true);
  assert.equal(rowMatcher('node with endpoint')('outside -> node without endpoint : nodePort'), false);
  assert.equal(rowMatcher('/^replica .* answers$/')('replica kuard-abc answers'), true);
  assert.equal(rowMatcher('/^replica .* answers$/')('every request answered by a replica'), false);
  assert.equal(rowMatcher('/CLUSTERIP/i')('pod -> ClusterIP'), true);
});

test('patchedFiles reads +++ lines, refuses unsafe or non-Go paths', () => {
  const p = '--- a/pkg/proxy/topology.go\n+++ b/pkg/proxy/topology.go\n@@ -1 +1 @@\n-a\n+b\n--- a/pkg/proxy/x.go\n+++ b/pkg/proxy/x.go\n@@\n';
  assert.deepEqual(patchedFiles(p), ['pkg/proxy/topology.go', 'pkg/proxy/x.go']);
  assert.throws(() => patchedFiles('+++ b/../etc/passwd.go\n'), /unsafe path/);
  assert.throws(() => patchedFiles('+++ /dev/null\n'), /may not delete/);
  assert.throws(() => patchedFiles('+++ b/go.mod\n'), /Go sources only/);
  assert.throws(() => patchedFiles('nothing here'), /changes no file/);
});

test('overlayFor maps each module file to its patched copy', () => {
  const o = overlayFor(['pkg/proxy/topology.go', 'cmd/kube-proxy/app/server_linux.go'], '/mod/k8s.io/kubernetes@v1.34.4', '/cache/faults/x/src');
  assert.deepEqual(o, {
    Replace: {
      '/mod/k8s.io/kubernetes@v1.34.4/cmd/kube-proxy/app/server_linux.go': '/cache/faults/x/src/cmd/kube-proxy/app/server_linux.go',
      '/mod/k8s.io/kubernetes@v1.34.4/pkg/proxy/topology.go': '/cache/faults/x/src/pkg/proxy/topology.go',
    },
  });
});

test('one build step per fault, keyed by its patch, after the kube-proxy build', () => {
  const steps = faultSteps();
  assert.equal(steps.length, loadCatalogue().faults.length);
  for (const s of steps) {
    assert.equal(s.script, 'img-fault.sh');
    assert.ok(s.inputs?.includes(`clusters/faults/${s.fault}.patch`));
    assert.ok(s.after?.includes('kubernetes'));
    assert.deepEqual(s.outputs, [`pointer:faults/${s.fault}.json`]);
  }
  assert.deepEqual(faultSteps(['etp-local-ignored']).map((s) => s.name), ['fault-etp-local-ignored']);
  assert.throws(() => faultSteps(['no-such-fault']), /unknown fault/);
});
