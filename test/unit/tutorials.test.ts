import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Check, TutorialRun, TutorialStepResult } from '../../reports/model.ts';
import { renderHtml } from '../../reports/html.ts';
import { mergeResults } from '../../reports/merge.ts';
import { validateResults } from '../../reports/validate.ts';
import { age, getPodsWide, getServices, table } from '../../harness/tutorials/kubectl.ts';
import { clientAddresses, column, normalizeOutput, parseTable, rowsHold, runVerdict, sameColumns, sameText, verdictOf } from '../../harness/tutorials/match.ts';
import { mergeTutorialRuns } from '../../harness/tutorials/results.ts';
import type { CaseContext } from '../../harness/run/fixtures.ts';
import { TUTORIALS } from '../../tutorials/index.ts';
import { caseResult, project, results } from '../fixtures/results/build.ts';

const ctx = {} as CaseContext;

test('normalizeOutput sets aside addresses, allocated ports, pod-name suffixes and ages', () => {
  assert.equal(
    normalizeOutput('clusterip    ClusterIP   10.0.170.92  <none>        80/TCP    51s\nnodeport  NodePort  10.96.1.2  <none>  80:31234/TCP  3m12s'),
    'clusterip ClusterIP <ip> <none> 80/TCP <age>\nnodeport NodePort <ip> <none> 80:<port>/TCP <age>',
  );
  assert.equal(normalizeOutput('source-ip-app-826191075-qehz4   1/1   Running   0   20h'), 'source-ip-app-<pod> 1/1 Running 0 <age>');
  assert.equal(normalizeOutput('source-ip-app-7d4b9c6f5-x2x8q   1/1   Running   0   5s'), 'source-ip-app-<pod> 1/1 Running 0 <age>');
  assert.equal(normalizeOutput('  healthCheckNodePort: 32122\n\n'), 'healthCheckNodePort: <port>');
});

test('parseTable reads kubectl columns (two or more blanks apart, cells may hold one blank)', () => {
  const t = parseTable('NAME      NOMINATED NODE   AGE\nweb-1     <none>           5s\n');
  assert.deepEqual(t.header, ['NAME', 'NOMINATED NODE', 'AGE']);
  assert.deepEqual(t.rows, [{ NAME: 'web-1', 'NOMINATED NODE': '<none>', AGE: '5s' }]);
});

test('agreements: same text, same columns, a column, judged rows; verdictOf gathers every reason', () => {
  const docs = 'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nclusterip    ClusterIP   10.0.170.92  <none>        80/TCP    51s';
  const ours = getServices([{ metadata: { name: 'clusterip', creationTimestamp: new Date(Date.now() - 4000) }, spec: { type: 'ClusterIP', clusterIP: '10.96.20.7', ports: [{ port: 80, protocol: 'TCP' }] } }]);
  const agreements = [sameText(docs), sameColumns(docs), column('PORT(S)', /^80\/TCP$/, 'PORT(S) 80/TCP')];
  assert.deepEqual(verdictOf(agreements, { output: ours }, {}, ctx).verdict, 'agrees');

  const nodePortOutput = ours.replace('80/TCP', '80:30080/TCP');
  const v = verdictOf(agreements, { output: nodePortOutput }, {}, ctx);
  assert.equal(v.verdict, 'differs');
  assert.match(v.reason, /the same lines.*80:<port>\/TCP/);
  assert.match(v.reason, /PORT\(S\) 80\/TCP: PORT\(S\) is "80:30080\/TCP"/);

  const ok: Check = { key: 'pod -> ClusterIP', expected: 'x', verdict: 'ok', observedEcho: '5/5' };
  const bad: Check = { key: 'outside -> node : nodePort', expected: 'x', verdict: 'mismatch', observedEcho: '0/5 as expected', note: 'expected drops, got answers' };
  assert.equal(rowsHold('rows').holds({ output: '', facts: { checks: [ok] } }, {}, ctx), true);
  assert.equal(rowsHold('rows').holds({ output: '', facts: { checks: [ok, bad] } }, {}, ctx), 'outside -> node : nodePort: 0/5 as expected (expected drops, got answers)');
  assert.equal(rowsHold('rows').holds({ output: '' }, {}, ctx), 'no judged rows');
  const thrown = verdictOf([{ says: 'boom', holds: () => { throw new Error('no facts'); } }], { output: '' }, {}, ctx);
  assert.equal(thrown.verdict, 'differs');
  assert.match(thrown.reason, /boom: could not be judged: no facts/);
});

test('runVerdict is the worst step: error > differs > skipped > agrees', () => {
  assert.equal(runVerdict([{ verdict: 'agrees' }, { verdict: 'differs' }, { verdict: 'skipped' }]), 'differs');
  assert.equal(runVerdict([{ verdict: 'agrees' }, { verdict: 'error' }, { verdict: 'differs' }]), 'error');
  assert.equal(runVerdict([{ verdict: 'agrees' }]), 'agrees');
  assert.equal(runVerdict([]), 'agrees');
});

test("kubectl's printed forms: table layout, ages, Services, pods", () => {
  assert.equal(table(['A', 'BB'], [['xxx', 'y']]), 'A     BB\nxxx   y');
  const now = new Date('2025-01-01T12:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  assert.deepEqual([51, 192, 300, 7200, 4 * 3600 + 60, 20 * 3600, 3 * 86400].map((s) => age(ago(s), now)), ['51s', '3m12s', '5m', '120m', '4h1m', '20h', '3d']);
  const lb = getServices([{ metadata: { name: 'loadbalancer', creationTimestamp: ago(5) }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '172.18.0.240' }] } } }], now);
  assert.deepEqual(parseTable(lb).rows[0], { NAME: 'loadbalancer', TYPE: 'LoadBalancer', 'CLUSTER-IP': '10.96.0.9', 'EXTERNAL-IP': '172.18.0.240', 'PORT(S)': '80:31000/TCP', AGE: '5s' });
  const pending = getServices([{ metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 31001 }] } }], now);
  assert.equal(parseTable(pending).rows[0]?.['EXTERNAL-IP'], '<pending>');
  const pods = getPodsWide([{ metadata: { name: 'source-ip-app-7d4b9c6f5-x2x8q', creationTimestamp: ago(20) }, spec: { nodeName: 'kpc-worker', containers: [{ name: 'c' }] }, status: { phase: 'Running', podIP: '10.244.1.4', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: '', imageID: '' }] } }], now);
  assert.deepEqual(parseTable(pods).rows[0], { NAME: 'source-ip-app-7d4b9c6f5-x2x8q', READY: '1/1', STATUS: 'Running', RESTARTS: '0', AGE: '20s', IP: '10.244.1.4', NODE: 'kpc-worker' });
  assert.deepEqual(clientAddresses('client_address=10.0.0.1\nx\nclient_address=10.0.0.2'), ['10.0.0.1', '10.0.0.2']);
});

test('the pages are data: unique ids, every step with a command, the docs output, a section link and something that must agree', () => {
  assert.ok(TUTORIALS.length >= 1);
  assert.equal(new Set(TUTORIALS.map((t) => t.id)).size, TUTORIALS.length);
  for (const t of TUTORIALS) {
    assert.match(t.url, /^https:\/\/kubernetes\.io\//);
    assert.equal(new Set(t.steps.map((s) => s.id)).size, t.steps.length, `${t.id}: step ids unique`);
    for (const s of t.steps) {
      assert.ok(s.command.trim() && s.docsOutput.trim() && s.section && /^[a-z0-9-]+$/.test(s.anchor), `${t.id}/${s.id}: command, docs output, section, anchor`);
      assert.ok(s.mustAgree.length > 0, `${t.id}/${s.id}: says what must agree`);
      // Short quotes only: the comparison needs a few lines, never the page's text.
      assert.ok(s.docsOutput.split('\n').length <= 12, `${t.id}/${s.id}: docs output is short`);
    }
  }
});

function step(id: string, extra: Partial<TutorialStepResult> = {}): TutorialStepResult {
  return { id, section: 'S', sourceUrl: 'https://kubernetes.io/docs/x/#s', command: `kubectl ${id}`, docsOutput: 'service/x exposed', ourOutput: 'service/x exposed', mustAgree: ['the same lines'], mayDiffer: ['addresses'], verdict: 'agrees', reason: 'agrees', cases: [], evidence: [], durationMs: 10, ...extra };
}

function run(page: string, projectName: string, steps: TutorialStepResult[], extra: Partial<TutorialRun> = {}): TutorialRun {
  return { page, title: `title ${page}`, url: 'https://kubernetes.io/docs/x/', project: projectName, proxyMode: projectName, startedAt: '2026-12-01T02:00:00.000Z', durationMs: 1000, verdict: runVerdict(steps), steps, ...extra };
}

test('mergeTutorialRuns: a replay replaces the same page and column, keeps the rest, adds its column', () => {
  const base = results([project('nftables')], [caseResult('nftables', 'source-ip/x')], { tutorials: { command: 'old', runs: [run('a', 'nftables', [step('1')]), run('b', 'nftables', [step('1')])] } });
  const fresh = results([project('iptables'), project('nftables')], []);
  const merged = mergeTutorialRuns(base, fresh, [run('a', 'nftables', [step('2')]), run('a', 'iptables', [step('3')])], 'npm run tutorial -- a');
  assert.deepEqual(merged.tutorials?.runs.map((r) => `${r.page}/${r.project}/${r.steps[0]?.id}`), ['a/iptables/3', 'a/nftables/2', 'b/nftables/1']);
  assert.deepEqual(merged.projects.map((p) => p.name), ['nftables', 'iptables']);
  assert.equal(merged.cases.length, 1);
  assert.equal(merged.run, base.run, 'a report with cases keeps its run facts');
  assert.equal(validateResults(JSON.parse(JSON.stringify(merged))).ok, true);
  const both = mergeResults([results([project('x')], [], { tutorials: { command: 'c1', runs: [run('a', 'x', [])] } }), results([project('y')], [], { tutorials: { command: 'c2', runs: [run('a', 'y', [])] } })]);
  assert.deepEqual(both.tutorials?.runs.map((r) => r.project), ['x', 'y']);
});

test('validate: the tutorials section is checked, with paths', () => {
  const r = results([project('iptables')], [], { tutorials: { command: 'c', runs: [run('a', 'iptables', [step('1', { verdict: 'same' as never })])] } });
  const v = validateResults(JSON.parse(JSON.stringify(r)));
  assert.equal(v.ok, false);
  assert.match(v.ok ? '' : v.errors.join('\n'), /results\.tutorials\.runs\[0\]\.steps\[0\]\.verdict: expected one of agrees \| differs \| error \| skipped/);
});

test('the Tutorials view shows both outputs of a differing step, its reason, links to cases, and escapes captured text', () => {
  const SCRIPT = '<script>window.__xss = 1</script>';
  const steps = [
    step('expose', { cases: ['source-ip/clusterip-preserves-pod-ip', 'source-ip/missing'] }),
    step('curl', {
      docsOutput: 'client_address=10.240.0.5',
      ourOutput: `client_address=172.18.0.9 ${SCRIPT}`,
      verdict: 'differs',
      reason: `client_address is a node address: ${SCRIPT}`,
      evidence: [{ kind: 'echo', name: `echo ${SCRIPT}`, contentType: 'text/plain', path: 'evidence/iptables/tutorial__a/01-echo.txt' }, { kind: 'pcap', name: 'bad', contentType: 'x', path: 'javascript:alert(1)' }],
    }),
    step('healthz', { documented: 'kube-proxy answers JSON' }),
  ];
  const r = results([project('iptables')], [caseResult('iptables', 'source-ip/clusterip-preserves-pod-ip')], { tutorials: { command: 'npm run tutorial -- a', runs: [run('a', 'iptables', steps)] } });
  const html = renderHtml(r);
  const view = html.slice(html.indexOf('<section id="view-tutorials"'), html.indexOf('<section id="view-case"'));
  assert.match(html, /<a href="#\/tutorials" data-view="tutorials">Tutorials <span class="pill">0\/1<\/span>/);
  assert.match(view, /<li class="tstep t-differs" data-step="curl" data-verdict="differs">/);
  assert.match(view, /<pre class="docs-output">client_address=10\.240\.0\.5<\/pre><\/td><td><pre class="our-output">client_address=172\.18\.0\.9 &lt;script&gt;/);
  assert.match(view, /client_address is a node address: &lt;script&gt;/);
  assert.match(view, /<a href="#\/case\/iptables\/source-ip%2Fclusterip-preserves-pod-ip">source-ip\/clusterip-preserves-pod-ip<\/a>/);
  assert.match(view, /<code>source-ip\/missing<\/code> <span class="muted">\(not in this report\)<\/span>/);
  assert.match(view, /<a href="evidence\/iptables\/tutorial__a\/01-echo\.txt">echo &lt;script&gt;/);
  assert.doesNotMatch(view, /javascript:/);
  assert.match(view, /documented difference/);
  assert.doesNotMatch(view, /<script>/);
  const empty = renderHtml(results([project('iptables')], []));
  assert.match(empty, /No tutorial was replayed into this report/);
});

test('a real replay renders from its fixture: every step of Using Source IP with both outputs, verdicts and case links', async () => {
  const { readFileSync } = await import('node:fs');
  const real = JSON.parse(readFileSync(new URL('../fixtures/results/tutorials-real/results.json', import.meta.url), 'utf8')) as ReturnType<typeof results>;
  const v = validateResults(real);
  assert.equal(v.ok, true, v.ok ? '' : v.errors.join('\n'));
  const runs = real.tutorials?.runs.filter((r) => r.page === 'using-source-ip') ?? [];
  assert.ok(runs.length >= 1, 'the fixture holds a replay of using-source-ip');
  const html = renderHtml(real);
  const view = html.slice(html.indexOf('<section id="view-tutorials"'), html.indexOf('<section id="view-case"'));
  for (const run of runs) {
    const page = TUTORIALS.find((t) => t.id === run.page);
    assert.deepEqual(run.steps.map((s) => s.id), page?.steps.map((s) => s.id), `${run.project}: the steps of the page, in order`);
    assert.match(view, new RegExp(`<article class="tutorial" data-page="using-source-ip" data-project="${run.project}">`));
    for (const s of run.steps) {
      assert.ok(view.includes(`data-step="${s.id}" data-verdict="${s.verdict}"`), `${run.project}/${s.id} shown with its verdict`);
      if (s.ourOutput) assert.ok(view.includes(s.ourOutput.split('\n')[0]?.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;') ?? ''), `${run.project}/${s.id}: our output shown`);
    }
  }
  // The real cases in the fixture are linked from the steps that cite them.
  assert.match(view, /<a href="#\/case\/iptables\/source-ip%2Fclusterip-preserves-pod-ip">source-ip\/clusterip-preserves-pod-ip<\/a>/);
});
