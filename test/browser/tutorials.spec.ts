/**
 * The Tutorials view on real replays (test/fixtures/results/tutorials-real: "Using Source IP"
 * replayed on iptables and nftables, evidence files stripped). One step is judged again against
 * the page's older output for it (kubectl printed `service "clusterip" exposed` before 1.11), so
 * a differing step is a real comparison of our real output, not a made-up verdict: the view must
 * show the page's output and ours side by side, with the reason.
 */
import { cp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { readResults } from '../../reports/read.ts';
import { writeViews } from '../../reports/views.ts';
import { runVerdict, sameText, verdictOf } from '../../harness/tutorials/match.ts';
import type { CaseContext } from '../../harness/run/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/results/tutorials-real');
const OUT = path.join(ROOT, 'out/browser-report-tutorials');
const OLD_OUTPUT = 'service "clusterip" exposed';

test.beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  await cp(FIXTURE, OUT, { recursive: true });
  const { results } = await readResults(path.join(OUT, 'results.json'));
  const run = results.tutorials?.runs.find((r) => r.page === 'using-source-ip' && r.project === 'iptables');
  const step = run?.steps.find((s) => s.id === 'expose-clusterip');
  if (!run || !step) throw new Error('the fixture lacks using-source-ip/expose-clusterip on iptables');
  const v = verdictOf([sameText(OLD_OUTPUT)], { output: step.ourOutput }, {}, {} as CaseContext);
  Object.assign(step, { docsOutput: OLD_OUTPUT, mustAgree: [sameText(OLD_OUTPUT).says], ...v });
  run.verdict = runVerdict(run.steps);
  await writeFile(path.join(OUT, 'results.json'), JSON.stringify(results));
  await writeViews(results, OUT);
});

test('the Tutorials view opens, lists each replay step by step, and a differing step shows both outputs', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await page.goto(pathToFileURL(path.join(OUT, 'index.html')).href);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.locator('nav.tabs a[data-view="tutorials"]').click();
  const view = page.locator('#view-tutorials');
  await expect(view).toBeVisible();
  await expect(page.locator('#view-matrix')).toBeHidden();
  const runs = view.locator('article.tutorial[data-page="using-source-ip"]');
  await expect(runs).not.toHaveCount(0);
  const iptables = view.locator('article.tutorial[data-page="using-source-ip"][data-project="iptables"]');
  await expect(iptables.locator('li.tstep')).toHaveCount(19);

  const differing = iptables.locator('li.tstep[data-step="expose-clusterip"]');
  await expect(differing).toHaveAttribute('data-verdict', 'differs');
  await expect(differing.locator('pre.docs-output')).toHaveText(OLD_OUTPUT);
  await expect(differing.locator('pre.our-output')).toHaveText('service/clusterip exposed');
  await expect(differing.locator('.reason')).toContainText('the page prints');
  await expect(differing.locator('pre.docs-output')).toBeVisible();
  await expect(differing.locator('pre.our-output')).toBeVisible();

  // An agreeing step links to the case covering the same behaviour, which opens.
  const clusterIp = iptables.locator('li.tstep[data-step="clusterip-from-pod"]');
  await expect(clusterIp).toHaveAttribute('data-verdict', 'agrees');
  await clusterIp.locator('a', { hasText: 'source-ip/clusterip-preserves-pod-ip' }).first().click();
  await expect(page.locator('#view-case')).toBeVisible();
  await page.goBack();
  await expect(view).toBeVisible();
  await page.screenshot({ path: path.join(ROOT, 'out/screenshots/report-tutorials.png'), fullPage: false });
  expect(problems).toEqual([]);
});
