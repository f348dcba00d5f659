/**
 * History over earlier runs (`npm run report -- --history DIR`): copies of the real iptables +
 * nftables run as three earlier nights, one with its report next to it, one not a results file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHistory, readHistory, relativeHref } from '../../reports/history.ts';
import { countStatuses, type Results, type Status } from '../../reports/model.ts';
import { renderHtml, type ClientHistory } from '../../reports/html.ts';
import { main } from '../../reports/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/results/real-iptables-nftables/results.json');
const ID = 'connecting-apps/dns';

function night(day: number, dnsOnIptables: Status): Results {
  const r = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
  r.run.startedAt = `2026-11-${String(day).padStart(2, '0')}T02:17:00.000Z`;
  const c = r.cases.find((x) => x.project === 'iptables' && x.id === ID);
  assert.ok(c);
  c.status = dnsOnIptables;
  r.totals = countStatuses(r.cases);
  return r;
}

test('buildHistory: runs oldest first, this run last; a strip per case and column; unstable cells named', () => {
  const h = buildHistory([{ results: night(28, 'failed'), href: '../history/n28/index.html' }, { results: night(27, 'passed') }], night(29, 'passed'));
  assert.deepEqual(h.runs.map((r) => [r.startedAt.slice(0, 10), r.current]), [['2026-11-27', false], ['2026-11-28', false], ['2026-11-29', true]]);
  assert.deepEqual(h.columns, ['iptables', 'nftables']);
  const row = h.rows.find((r) => r.id === ID);
  assert.deepEqual(row?.strips[0]?.map((c) => c?.status), ['passed', 'failed', 'passed']);
  assert.deepEqual(row?.unstable, [0], 'only the iptables column changed');
  assert.deepEqual(h.runs.map((r) => r.href), [undefined, '../history/n28/index.html', undefined], 'a link only where a report sits next to the results');
  assert.equal(h.rows.filter((r) => r.unstable.length).length, 1);
});

test('a case only earlier runs had keeps its row, with gaps where it did not run', () => {
  const old = night(27, 'passed');
  old.cases.push({ ...(old.cases[0] as Results['cases'][number]), id: 'retired/case', title: 'gone since' });
  const h = buildHistory([{ results: old }], night(28, 'passed'));
  const row = h.rows.find((r) => r.id === 'retired/case');
  assert.deepEqual(row?.strips[0]?.map((c) => c?.status), ['passed', undefined]);
});

test('relativeHref encodes every segment: no scheme or markup can come from a directory name', () => {
  assert.equal(relativeHref('/r/out/report', '/r/history/2026-11-30/index.html'), '../../history/2026-11-30/index.html');
  assert.equal(relativeHref('/r', '/r/h/javascript:alert(1)"x/index.html'), 'h/javascript%3Aalert(1)%22x/index.html');
});

test('readHistory + the History view: DIR/*.json and DIR/<run>/results.json, bad files left out with a warning', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpc-history-'));
  try {
    const hist = path.join(dir, 'report/history');
    await mkdir(path.join(hist, 'n27'), { recursive: true });
    await mkdir(path.join(hist, 'n28'), { recursive: true });
    await writeFile(path.join(hist, 'n27/results.json'), JSON.stringify(night(27, 'passed')));
    await writeFile(path.join(hist, 'n27/index.html'), '<!doctype html>');
    await writeFile(path.join(hist, 'n28/results.json'), JSON.stringify(night(28, 'failed')));
    await writeFile(path.join(hist, 'n26.json'), JSON.stringify(night(26, 'passed')));
    await writeFile(path.join(hist, 'notes.json'), '{"not":"results"}');
    await writeFile(path.join(hist, 'v2.json'), JSON.stringify({ ...night(25, 'passed'), schemaVersion: '2.0.0' }));
    const current = path.join(dir, 'report/results.json');
    await writeFile(current, JSON.stringify(night(29, 'flaky')));
    const read = await readHistory(hist, path.dirname(current), current);
    assert.equal(read.inputs.length, 3);
    assert.deepEqual(read.inputs.map((x) => x.href), [undefined, 'history/n27/index.html', undefined]);
    assert.equal(read.warnings.length, 2);
    assert.match(read.warnings.join('\n'), /notes\.json: not a valid results file/);
    assert.match(read.warnings.join('\n'), /v2\.json: not a valid results file: schemaVersion: 2\.0\.0 is not readable/);

    const html = renderHtml(night(29, 'flaky'), { history: buildHistory(read.inputs, night(29, 'flaky')) });
    assert.match(html, /<a href="#\/history" data-view="history">History <span class="pill">4<\/span><\/a>/);
    // The strips travel as compact data the page script draws when the view opens.
    const data = JSON.parse(/<script type="application\/json" id="history-data">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null') as ClientHistory;
    assert.deepEqual(data.runs.map((r) => [r.label, r.href]), [
      ['2026-11-26 02:17:00 UTC', undefined],
      ['2026-11-27 02:17:00 UTC', 'history/n27/index.html'],
      ['2026-11-28 02:17:00 UTC', undefined],
      ['2026-11-29 02:17:00 UTC (this run)', undefined],
    ]);
    const row = data.rows.find((r) => r.id === ID);
    assert.deepEqual(row?.cells, ['ppfk', 'pppp']);
    assert.deepEqual(row?.unstable, [0]);

    const log = console.log;
    const warn = console.warn;
    console.log = () => undefined;
    console.warn = () => undefined;
    try {
      assert.equal(await main(['--history', hist, current]), 0);
      assert.equal(await main(['--history', path.join(dir, 'nope'), current]), 1);
    } finally {
      console.log = log;
      console.warn = warn;
    }
    assert.match(await readFile(path.join(dir, 'report/index.html'), 'utf8'), /<section id="view-history"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
