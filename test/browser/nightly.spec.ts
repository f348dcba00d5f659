/**
 * The nightly views on the real iptables + nftables run: a copy of it with one regression and
 * one flaky cell (three runs) against the original as baseline, and three earlier nights as
 * history. The Changes and History views open, link to case views, and the flaky cell lists
 * its runs.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { computeChanges } from '../../reports/changes.ts';
import { buildHistory, readHistory } from '../../reports/history.ts';
import { countStatuses, type CaseResult, type Results } from '../../reports/model.ts';
import { writeViews } from '../../reports/views.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/results/real-iptables-nftables/results.json');
const OUT = path.join(ROOT, 'out/browser-report-nightly');
const real = (): Results => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
const find = (r: Results, project: string, id: string): CaseResult => r.cases.find((c) => c.project === project && c.id === id) as CaseResult;

test.beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  const cur = real();
  cur.run.startedAt = '2026-12-01T02:17:00.000Z';
  const dns = find(cur, 'iptables', 'connecting-apps/dns');
  dns.status = 'failed';
  dns.reason = 'pod in the namespace -> Service by name: unexpected';
  const row = dns.checks.find((k) => k.key === 'pod in the namespace -> Service by name');
  if (row) row.verdict = 'mismatch';
  const flaky = find(cur, 'nftables', 'source-ip/clusterip-preserves-pod-ip');
  flaky.status = 'flaky';
  flaky.reason = 'flaky: 3 runs: 2 passed, 1 failed';
  flaky.runs = [
    { run: 1, status: 'passed', durationMs: 9000, failedRows: [] },
    { run: 2, status: 'failed', durationMs: 9500, failedRows: [flaky.checks[0]?.key ?? ''], reason: 'unexpected source' },
    { run: 3, status: 'passed', durationMs: 8800, failedRows: [] },
  ];
  flaky.shownRun = 2;
  cur.totals = countStatuses(cur.cases);
  cur.changes = computeChanges(real(), cur, 'last-night/results.json');
  for (const day of [28, 29, 30]) {
    const r = real();
    r.run.startedAt = `2026-11-${day}T02:17:00.000Z`;
    if (day === 29) find(r, 'nftables', 'source-ip/clusterip-preserves-pod-ip').status = 'failed';
    r.totals = countStatuses(r.cases);
    const dir = path.join(OUT, 'history', `n${day}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(r));
    await writeViews(r, dir);
  }
  await writeFile(path.join(OUT, 'results.json'), JSON.stringify(cur));
  const { inputs } = await readHistory(path.join(OUT, 'history'), OUT);
  await writeViews(cur, OUT, { history: buildHistory(inputs, cur) });
});

test('the Changes view lists the regression first and links to its case', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(pathToFileURL(path.join(OUT, 'index.html')).href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.locator('nav.tabs a[data-view="changes"]').click();
  const view = page.locator('#view-changes');
  await expect(view).toBeVisible();
  await expect(view.locator('tr.change').first()).toHaveAttribute('data-kind', 'newly-failing');
  await expect(view.locator('tr.change.regression')).toHaveCount(1);
  await expect(view.locator('tr[data-kind="newly-flaky"]')).toContainText('source-ip/clusterip-preserves-pod-ip');
  await expect(view.locator('tr.regression .row-changes')).toContainText('pod in the namespace -> Service by name');
  await view.locator('tr.regression a', { hasText: 'connecting-apps/dns' }).click();
  await expect(page.locator('#view-case h2')).toContainText('resolves my-nginx');
  expect(problems).toEqual([]);
});

test('the History view shows a strip per case and column and opens earlier runs', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(pathToFileURL(path.join(OUT, 'index.html')).href + '#/history');
  const view = page.locator('#view-history');
  await expect(view).toBeVisible();
  const row = view.locator('tr', { hasText: 'source-ip/clusterip-preserves-pod-ip' });
  await expect(row.locator('td').nth(1).locator('.h')).toHaveCount(4);
  await expect(row.locator('td').nth(1)).toHaveClass(/unstable/);
  await expect(row.locator('td').nth(1).locator('.h').nth(1)).toHaveClass(/st-failed/);
  // The current run's mark opens its case view, with every run of the flaky cell listed.
  await row.locator('td').nth(1).locator('.h').nth(3).click();
  await expect(page.locator('#view-case .badge').first()).toContainText('flaky');
  await expect(page.locator('#view-case table.runs tbody tr')).toHaveCount(3);
  await expect(page.locator('#view-case table.runs tr.shown')).toContainText('unexpected source');
  // An earlier night's mark opens that night's own report.
  await page.goBack();
  await row.locator('td').nth(1).locator('.h').nth(1).click();
  await expect(page).toHaveURL(/history\/n29\/index\.html#\/case\/nftables\//);
  await expect(page.locator('#view-case .badge').first()).toContainText('failed');
  expect(problems).toEqual([]);
});
