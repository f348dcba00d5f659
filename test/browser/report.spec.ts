/**
 * Opens the HTML report of the sample fixture from disk (file://) in headless Chromium:
 * filters the matrix, opens a failed cell and reads its evidence, switches to the comparison
 * and controls views, and saves out/screenshots/report.png. The page must make no request
 * outside the report directory and log no error (a CSP violation would log one), and the
 * hostile captured data in the fixture must show as text without running.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { readResults } from '../../reports/read.ts';
import { writeViews } from '../../reports/views.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/results/sample');
const OUT = path.join(ROOT, 'out/browser-report');
const SCREENSHOTS = path.join(ROOT, 'out/screenshots');
const FAILED_CASE = 'source-ip/nodeport-local-preserves-client-ip';

test.beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  await cp(FIXTURE, OUT, { recursive: true });
  const { results } = await readResults(path.join(OUT, 'results.json'));
  await writeViews(results, OUT);
  await mkdir(SCREENSHOTS, { recursive: true });
});

/** Opens the report and collects anything that must not happen while the test runs. */
async function openReport(page: Page): Promise<{ problems: string[] }> {
  const problems: string[] = [];
  const reportDir = pathToFileURL(OUT).href;
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(reportDir)) problems.push(`request outside the report: ${req.url()}`);
  });
  await page.goto(pathToFileURL(path.join(OUT, 'index.html')).href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return { problems };
}

test('filters the matrix by status and by id', async ({ page }) => {
  const { problems } = await openReport(page);
  const rows = page.locator('#matrix tr.case-row');
  await expect(rows).toHaveCount(7);
  await expect(page.locator('#matrix thead th')).toHaveText([/Case/, /iptables/, /nftables/, /ipvs/, /iptables-masquerade-all/]);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'report-matrix.png') });

  for (const status of ['passed', 'skipped', 'not-supported']) await page.locator(`#filters input[value="${status}"]`).uncheck();
  await expect(rows.filter({ visible: true })).toHaveCount(3);
  await expect(page.locator('#shown')).toHaveText('3 of 7 cases');

  await page.locator('#search').fill('affinity');
  await expect(rows.filter({ visible: true })).toHaveCount(1);
  await expect(rows.filter({ visible: true })).toContainText('virtual-ips/session-affinity-clientip');

  await page.locator('#search').fill('no-such-case');
  await expect(page.locator('#no-match')).toBeVisible();
  expect(problems).toEqual([]);
});

test('a failed cell opens its evidence; the comparison shows only differing cases', async ({ page }) => {
  const { problems } = await openReport(page);
  await expect(page.locator('header')).toContainText('v1.34.4');
  await expect(page.locator('header')).toContainText('no IP_VS in the kernel');

  const cell = page.locator(`#matrix a.cell[href="#/case/nftables/${encodeURIComponent(FAILED_CASE)}"]`);
  await expect(cell).toContainText('failed');
  await cell.click();

  const view = page.locator('#view-case');
  await expect(view).toBeVisible();
  await expect(page.locator('#view-matrix')).toBeHidden();
  await expect(view.locator('h2')).toContainText('externalTrafficPolicy=Local');
  await expect(view.locator('.case-head .badge')).toHaveText(/failed/);
  await expect(view.locator('.checks tr.bad')).toHaveCount(1);
  await expect(view.locator('.checks tr.bad')).toContainText('kpc-worker2:30080 (no endpoint)');
  await expect(view.locator('.step-error')).toContainText('expected no answer');

  // The echo body reflects a hostile request header: shown as text, never run.
  const echo = view.locator('details.ev-echo pre').first();
  await expect(echo).toContainText('x-probe=</script><script>window.__xss = 1</script>');
  await expect(view.locator('.reason')).toContainText('<img src=x onerror=');
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await expect(page.locator('img')).toHaveCount(0);

  // Packet table with the flags column and a link to the pcap file that exists on disk.
  const packets = view.locator('table.packets').first();
  await expect(packets.locator('tbody tr')).toHaveCount(28);
  await expect(packets.locator('tbody tr').nth(2)).toContainText('S.');
  await expect(packets.locator('tbody tr').first()).toContainText('172.18.0.9:51522');
  const pcapHref = await view.locator('.packet-note a').getAttribute('href');
  expect(pcapHref).toMatch(/^evidence\/nftables\/.+\.pcap$/);
  expect(existsSync(path.join(OUT, pcapHref ?? 'missing'))).toBe(true);
  await expect(view.locator('.diffline.add').first()).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'report-case.png'), fullPage: true });

  await page.locator('nav.tabs a[data-view="compare"]').click();
  const compare = page.locator('#view-compare');
  await expect(compare).toBeVisible();
  await expect(view).toBeHidden();
  // proxy/mode-matches expects each column's own mode: a declared difference, listed as such.
  await expect(compare.locator('article.diff')).toHaveCount(4);
  await expect(compare.locator('article.diff h3 .case-id')).toHaveText(['proxy/mode-matches', 'service/nodeport-localhost', FAILED_CASE, 'virtual-ips/session-affinity-clientip']);
  await expect(compare.locator('article.diff[data-id="proxy/mode-matches"]')).toContainText('declared difference');
  const side = compare.locator(`article.diff[data-id="${FAILED_CASE}"] table.side`);
  await expect(side.locator('thead th')).toHaveText(['', /iptables/, /nftables/]);
  // the outcome and the one check row (free-text observations of cases with checks are not compared)
  await expect(side.locator('tr.differs')).toHaveCount(2);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'report.png'), fullPage: true });

  await page.locator('nav.tabs a[data-view="controls"]').click();
  await expect(page.locator('#view-controls')).toContainText('1 of 1 caught');
  await page.goBack();
  await expect(compare).toBeVisible();
  expect(problems).toEqual([]);
});
