import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { escapeHtml, jsonForScript, safeEvidenceHref, safeExternalHref } from '../../reports/escape.ts';
import { renderHtml, type ClientData } from '../../reports/html.ts';
import { caseResult, loadSample, project, results } from '../fixtures/results/build.ts';

/** Every element the renderer writes; anything else would have come from data. */
const ALLOWED_TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'h3', 'dl', 'div', 'dt', 'dd', 'p', 'span', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'nav', 'a', 'main', 'section', 'form', 'label', 'input', 'output', 'article', 'footer', 'code', 'br', 'script']);

const SCRIPT = '<script>window.__xss = 1</script>';
const BREAKOUT = '</script><script>window.__xss = 2</script><!--';
const IMG = '<img src=x onerror="window.__xss = 3">';
const QUOTES = `" onmouseover="window.__xss = 4" x='`;

/** A results file whose network-sourced fields all carry markup. */
function hostile() {
  const payload = `${SCRIPT}${BREAKOUT}${IMG}${QUOTES}`;
  const columns = [project('iptables'), project(`nft${SCRIPT}`)];
  const cases = columns.map((p) =>
    caseResult(p.name, `source-ip/${SCRIPT}`, {
      title: `title ${IMG}`,
      source: { title: `source ${BREAKOUT}`, url: 'javascript:window.__xss = 5' },
      status: p.name === 'iptables' ? 'passed' : 'failed',
      reason: `reason ${payload}`,
      expected: `expected ${payload}`,
      observed: `observed ${payload} ${p.name}`,
      checks: [{ key: `pod ${SCRIPT} -> svc`, expected: payload, observedEcho: payload, observedWire: `${payload} ${p.name}`, verdict: 'ok', note: payload }],
      steps: [{ title: `step ${SCRIPT}`, durationMs: 5, error: payload }],
      evidence: [
        { kind: 'echo', name: `echo ${SCRIPT}`, step: `step ${SCRIPT}`, contentType: 'text/plain', text: `x-probe=${payload}` },
        { kind: 'pcap', name: 'capture', contentType: 'application/vnd.tcpdump.pcap', path: 'javascript:window.__xss = 6' },
        { kind: 'packets', name: 'packets', contentType: 'application/json', packets: [{ time: 1, iface: `eth0${SCRIPT}`, proto: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', flags: SCRIPT, length: 60 }] },
      ],
    }),
  );
  return results(columns, cases, { run: { ...results([], []).run, command: `npm run conformance -- ${SCRIPT}`, nodeImage: IMG } });
}

/**
 * The markup outside our own <style> and <script> elements, as tags with their attributes.
 * Fails when text between tags holds a raw `<` or a tag does not parse as name + quoted attributes.
 */
function tags(html: string): { name: string; attrs: [string, string][] }[] {
  const markup = html.replace(/(<style>)[\s\S]*?(<\/style>)/g, '$1$2').replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2');
  const out: { name: string; attrs: [string, string][] }[] = [];
  let last = 0;
  for (const m of markup.matchAll(/<\/?([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"<>]*")?)*)\s*\/?>|<!doctype html>/g)) {
    assert.doesNotMatch(markup.slice(last, m.index), /</, `stray < before ${m[0]}`);
    last = (m.index ?? 0) + m[0].length;
    const attrs = [...(m[2] ?? '').matchAll(/([\w:-]+)(?:="([^"]*)")?/g)].map((a): [string, string] => [a[1] ?? '', a[2] ?? '']);
    if (m[1]) out.push({ name: m[1].toLowerCase(), attrs });
  }
  assert.doesNotMatch(markup.slice(last), /</);
  return out;
}

function between(html: string, start: string, end: string): string {
  const i = html.indexOf(start);
  assert.ok(i >= 0, `missing ${start}`);
  return html.slice(i + start.length, html.indexOf(end, i + start.length));
}

test('escapeHtml escapes markup and quotes', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(escapeHtml(undefined), '');
});

test('jsonForScript cannot close its script element and round-trips', () => {
  const value = { s: `${BREAKOUT}&\u2028\u2029` };
  const json = jsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(json), value);
});

test('link targets from data: only relative evidence paths and http(s) sources', () => {
  assert.equal(safeEvidenceHref('evidence/iptables/source-ip__x/01-worker.pcap'), 'evidence/iptables/source-ip__x/01-worker.pcap');
  for (const bad of ['javascript:alert(1)', '/etc/passwd', '../../secret', 'evidence/../../x', 'a//b', 'data:text/html,x', 'evidence/"onclick=x']) assert.equal(safeEvidenceHref(bad), undefined, bad);
  assert.equal(safeExternalHref('https://kubernetes.io/docs/'), 'https://kubernetes.io/docs/');
  for (const bad of ['javascript:alert(1)', 'data:text/html,<script>', 'file:///etc/passwd', 'not a url']) assert.equal(safeExternalHref(bad), undefined, bad);
});

test('a <script> in echo bodies, reasons, ids, names and paths stays inert in the HTML', () => {
  const html = renderHtml(hostile());
  // Exactly our two script elements: the JSON data block and the page script.
  assert.equal(html.match(/<script/gi)?.length, 2);
  assert.equal(html.match(/<\/script/gi)?.length, 2);
  assert.equal(html.match(/<!--/g), null);
  assert.equal(html.match(/<img/gi), null);
  // Every tag parses; no attribute was broken out of: no event handler, no style, no javascript: link.
  const parsed = tags(html);
  assert.deepEqual([...new Set(parsed.map((t) => t.name))].filter((n) => !ALLOWED_TAGS.has(n)), []);
  for (const { name, attrs } of parsed) {
    for (const [attr, value] of attrs) {
      assert.doesNotMatch(attr, /^on|^style$|^src$/i, `<${name} ${attr}>`);
      if (attr === 'href') assert.match(value, /^(#|https?:\/\/|evidence\/)/, `<${name} href="${value}">`);
    }
  }
  // The markup is shown as text.
  assert.ok(html.includes(escapeHtml(`reason ${SCRIPT}`)));
  assert.ok(html.includes(escapeHtml(`source-ip/${SCRIPT}`)));
  // The data block gives the page script the original strings; unsafe links are dropped.
  const data = JSON.parse(between(html, '<script type="application/json" id="report-data">', '</script>')) as ClientData;
  const failed = data.cases.find((c) => c.status === 'failed');
  assert.equal(failed?.evidence[0]?.text, `x-probe=${SCRIPT}${BREAKOUT}${IMG}${QUOTES}`);
  assert.equal(failed?.project, `nft${SCRIPT}`);
  assert.equal(failed?.sourceHref, undefined);
  assert.equal(failed?.evidence[1]?.href, undefined);
});

test('a strict CSP allows exactly the inline style and script by hash', () => {
  const html = renderHtml(loadSample());
  const csp = between(html, '<meta http-equiv="Content-Security-Policy" content="', '"').replace(/&#39;/g, "'");
  const sha = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
  const css = between(html, '<style>', '</style>');
  const js = between(html, '<script>', '</script>');
  assert.equal(csp, `default-src 'none'; style-src ${sha(css)}; script-src ${sha(js)}; base-uri 'none'; form-action 'none'`);
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style>'), 'the policy comes before the first style');
  // Self-contained: nothing loaded from elsewhere.
  for (const t of tags(html)) {
    assert.ok(!['link', 'iframe', 'object', 'embed', 'img', 'base'].includes(t.name), t.name);
    assert.ok(!t.attrs.some(([a]) => a === 'src'), `${t.name} src`);
  }
  assert.doesNotMatch(css, /@import|url\(/i);
});

test('the sample report has the header, every column, the groups and the controls', () => {
  const html = renderHtml(loadSample());
  for (const text of ['v0.30.0', 'v1.34.4', 'kpc/node:v1.34.4', '6 min 52 s', 'kind: kpc-nftables', 'no IP_VS in the kernel', 'Using Source IP (Kubernetes tutorial)', 'iptables-masquerade-all', 'fault caught', '1 of 1 caught']) {
    assert.ok(html.includes(escapeHtml(text)), text);
  }
  assert.equal(html.match(/<tr class="case-row"/g)?.length, 7);
  // 3 deviations plus proxy/mode-matches, whose expectation differs per mode (a declared difference).
  assert.equal(html.match(/<article class="diff"/g)?.length, 4);
  assert.ok(html.includes("declared difference"));
  assert.ok(html.includes('href="#/case/nftables/source-ip%2Fnodeport-local-preserves-client-ip"'));
});
