/**
 * The Differences view on a real run of iptables and nftables (test/fixtures/results/
 * real-iptables-nftables, evidence stripped): it must list exactly the differences the
 * implementations declare (the balancing shape of the rules, localhost NodePorts), as declared,
 * and nothing else, although every cluster had its own addresses, node and pod names.
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { readResults } from '../../reports/read.ts';
import { writeViews } from '../../reports/views.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/results/real-iptables-nftables');
const OUT = path.join(ROOT, 'out/browser-report-real');

test.beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  await cp(FIXTURE, OUT, { recursive: true });
  const { results } = await readResults(path.join(OUT, 'results.json'));
  await writeViews(results, OUT);
});

test('a real iptables + nftables run differs exactly in the declared differences', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(pathToFileURL(path.join(OUT, 'index.html')).href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.locator('nav.tabs a[data-view="compare"]').click();
  const compare = page.locator('#view-compare');
  await expect(compare.locator('article.diff h3 .case-id')).toHaveText(['distribution/rules-shape', 'nodeport/localhost']);
  const localhost = compare.locator('article.diff[data-id="nodeport/localhost"]');
  await expect(localhost).toContainText('1 declared difference');
  await expect(localhost.locator('tr.differs')).toHaveCount(1);
  await expect(localhost.locator('tr.differs th')).toContainText('node -> 127.0.0.1 : nodePort');
  await expect(localhost.locator('tr.differs td').nth(0)).toContainText('answers');
  await expect(localhost.locator('tr.differs td').nth(1)).toContainText('refused');
  await expect(compare.locator('article.diff', { hasText: 'deviation' })).toHaveCount(0);
  expect(problems).toEqual([]);
});
