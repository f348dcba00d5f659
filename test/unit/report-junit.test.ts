import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml } from '../../reports/escape.ts';
import { renderJunit } from '../../reports/junit.ts';
import { caseResult, loadSample, project, results } from '../fixtures/results/build.ts';

/**
 * A small well-formedness check: tags nest, attribute values are quoted, text holds no raw `<`
 * and every `&` starts an entity. Enough for what renderJunit writes (no CDATA, no comments).
 */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, '');
  const stack: string[] = [];
  let last = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const text = body.slice(last, m.index);
    assert.doesNotMatch(text, /</, `raw < in text before ${m[0]}`);
    assert.doesNotMatch(text, /&(?!(amp|lt|gt|quot|apos);)/, `bare & in text before ${m[0]}`);
    for (const v of (m[3] ?? '').matchAll(/"([^"]*)"/g)) assert.doesNotMatch(v[1] ?? '', /&(?!(amp|lt|gt|quot|apos);)/);
    if (m[1]) assert.equal(stack.pop(), m[2], `unbalanced </${m[2]}>`);
    else if (!m[4]) stack.push(m[2] ?? '');
    last = (m.index ?? 0) + m[0].length;
  }
  assert.equal(body.slice(last).trim(), '');
  assert.deepEqual(stack, []);
}

const attr = (xml: string, tag: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${tag}\\b[^>]*\\s${name}="([^"]*)"`, 'g'))].map((m) => m[1] ?? '');

test('escapeXml escapes markup and drops characters XML 1.0 cannot hold', () => {
  assert.equal(escapeXml(`<a b="c">'&'</a>`), '&lt;a b=&quot;c&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  assert.equal(escapeXml('ok\u0000\u0007\u001b[31m\ttab\nline\r\uFFFE\uD800x\uD83D\uDE00'), 'ok[31m\ttab\nline\rx\uD83D\uDE00');
});

test('one testsuite per project, with the matrix dimensions as properties', () => {
  const xml = renderJunit(loadSample());
  assertWellFormed(xml);
  assert.deepEqual(attr(xml, 'testsuite', 'name'), ['iptables', 'nftables', 'ipvs', 'iptables-masquerade-all']);
  assert.deepEqual(attr(xml, 'testsuite', 'tests'), ['7', '7', '7', '7']);
  assert.deepEqual(attr(xml, 'testsuite', 'failures'), ['0', '2', '0', '0']);
  assert.deepEqual(attr(xml, 'testsuite', 'skipped'), ['0', '1', '7', '0']);
  assert.match(xml, /<testsuites name="service-proxy-conformance" tests="28" failures="2" errors="0" skipped="8" time="412\.380"/);
  const nft = xml.slice(xml.indexOf('<testsuite name="nftables"'), xml.indexOf('<testsuite name="ipvs"'));
  for (const p of ['proxyMode" value="nftables', 'implementation" value="kube-proxy', 'lbProvider" value="metallb', 'cluster" value="kind: kpc-nftables', 'kubernetesVersion" value="v1.34.4']) assert.ok(nft.includes(p), p);
  assert.ok(nft.includes('<testcase name="source-ip/nodeport-cluster-snat" classname="nftables.source-ip"'));
  assert.ok(nft.includes('<property name="group" value="source-ip"/>'));
  assert.ok(nft.includes('<property name="source" value="Using Source IP (Kubernetes tutorial)"/>'));
  assert.match(nft, /<skipped message="not supported: nftables mode does not accept NodePort connections on 127\.0\.0\.1/);
  const ipvs = xml.slice(xml.indexOf('<testsuite name="ipvs"'), xml.indexOf('<testsuite name="iptables-masquerade-all"'));
  assert.ok(ipvs.includes('<property name="skippedReason" value="no IP_VS in the kernel'));
  assert.match(ipvs, /<skipped message="no IP_VS in the kernel/);
});

test('failures carry the reason as message and expected/observed/checks/step errors as text', () => {
  const xml = renderJunit(loadSample());
  const failure = /<testcase name="source-ip\/nodeport-local-preserves-client-ip" classname="nftables\.source-ip"[\s\S]*?<failure message="([^"]*)" type="conformance">([\s\S]*?)<\/failure>/.exec(xml);
  assert.ok(failure, 'the nftables failure is reported');
  assert.match(failure[1] ?? '', /^outside -&gt; kpc-worker2:30080 \(no endpoint\): unexpected/);
  assert.match(failure[2] ?? '', /^expected: kpc-worker: answers/);
  assert.match(failure[2] ?? '', /\n {2}mismatch: outside -&gt; kpc-worker2:30080 \(no endpoint\): expected no answer/);
  assert.match(failure[2] ?? '', /\nstep &quot;curl each node from the outside container&quot;: outside/);
  // The hostile header from the echo body stays text.
  assert.ok((failure[1] ?? '').includes('&lt;/script&gt;&lt;script&gt;window.__xss = 1&lt;/script&gt;'));
});

test('a negative control passes in JUnit when the fault was caught and fails when it was missed', () => {
  const control = { description: 'masquerade everything', mustFail: ['a/x'] };
  const make = (status: 'failed' | 'passed') =>
    renderJunit(
      results([project('masq', { control })], [caseResult('masq', 'a/x', { status, reason: status === 'failed' ? 'source was SNATed' : undefined })], {
        controls: [{ project: 'masq', caseId: 'a/x', description: control.description, expectedStatus: 'failed', actualStatus: status, caught: status === 'failed' }],
      }),
    );
  const caught = make('failed');
  assert.match(caught, /<testsuite name="masq" tests="1" failures="0"/);
  assert.ok(caught.includes('<property name="control" value="caught"/>'));
  const missed = make('passed');
  assert.match(missed, /<testsuite name="masq" tests="1" failures="1"/);
  assert.match(missed, /<failure message="negative control not caught: expected this case to fail under &quot;masquerade everything&quot;, it passed" type="control">/);
});

test('hostile text in ids, names, reasons and properties keeps the XML well-formed', () => {
  const bad = `</testcase><x a="1">]]>&amp;\u0000\u001b[0m'"`;
  const xml = renderJunit(
    results([project(`p${bad}`, { lbProvider: bad })], [caseResult(`p${bad}`, `g/${bad}`, { title: bad, status: 'failed', reason: bad, observed: bad, checks: [{ key: bad, expected: bad, observedEcho: bad, verdict: 'mismatch', note: bad }], steps: [{ title: bad, durationMs: 1, error: bad }] })], {
      tool: { name: bad, version: '1' },
    }),
  );
  assertWellFormed(xml);
  assert.equal(xml.match(/<testcase /g)?.length, 1);
  assert.ok(!xml.includes('\u0000'));
});

test('a project with no cases is an empty testsuite, not a missing one', () => {
  const xml = renderJunit(results([project('iptables'), project('ipvs', { skippedReason: 'no IP_VS' })], [caseResult('iptables', 'a/x')]));
  assertWellFormed(xml);
  assert.match(xml, /<testsuite name="ipvs" tests="0" failures="0" errors="0" skipped="0" time="0\.000"/);
});
