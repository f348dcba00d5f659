/**
 * How long the HTML report takes for 2,000 case results: rendering index.html in Node, then
 * opening it from disk in headless Chromium until the page script is ready, plus opening a
 * failed case and filtering the matrix. The input is the sample fixture's cases replicated
 * (same evidence sizes: echo bodies, packet tables, rule dumps) to 500 cases x 4 columns.
 * Writes bench/results/report.json. Run: npx tsx bench/report.ts [--runs 7]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { countStatuses, type Results } from '../reports/model.ts';
import { renderHtml } from '../reports/html.ts';
import { CHROMIUM } from '../test/browser/playwright.config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 2000;
const BUDGET_MS = 2000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

function scaled(sample: Results, target: number): Results {
  const cases = [];
  for (let k = 0; cases.length < target; k++) {
    for (const c of sample.cases) {
      if (cases.length >= target) break;
      const [group, name] = c.id.split('/');
      cases.push({ ...c, id: `${group}/${name}-${String(k).padStart(3, '0')}`, source: { ...c.source, title: `${c.source.title} · part ${k % 10}` } });
    }
  }
  return { ...sample, cases, totals: countStatuses(cases) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number): number => Math.round(x * 10) / 10;
const stats = (xs: number[]): { median: number; max: number; runs: number[] } => ({ median: round(median(xs)), max: round(Math.max(...xs)), runs: xs.map(round) });

const sample = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/results/sample/results.json'), 'utf8')) as Results;
const results = scaled(sample, TARGET);
const outDir = path.join(ROOT, 'out/bench-report');
mkdirSync(outDir, { recursive: true });

renderHtml(sample); // load the page assets once, as a long-running harness would have
const renderMs: number[] = [];
let html = '';
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  html = renderHtml(results);
  writeFileSync(path.join(outDir, 'index.html'), html);
  renderMs.push(performance.now() - t);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const url = pathToFileURL(path.join(outDir, 'index.html')).href;
const readyMs: number[] = [];
const loadMs: number[] = [];
const openCaseMs: number[] = [];
const filterMs: number[] = [];
const searchMs: number[] = [];
let rows = 0;
for (let i = 0; i < RUNS; i++) {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  // Navigation start to the end of the page script (parse, layout of the matrix, routing).
  readyMs.push(await page.evaluate(() => performance.getEntriesByName('report-ready')[0]?.startTime ?? NaN));
  await page.waitForLoadState('load');
  loadMs.push(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd));
  rows = await page.locator('#matrix tr.case-row').count();
  // Clicking a failed cell: parse the embedded JSON (first time) and draw the case view.
  openCaseMs.push(
    await page.evaluate(async () => {
      const t = performance.now();
      (document.querySelector('td.st-failed a.cell') as HTMLElement).click();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      if (document.getElementById('view-case')?.hidden) throw new Error('case view did not open');
      return performance.now() - t;
    }),
  );
  await page.goBack();
  filterMs.push(
    await page.evaluate(async () => {
      const t = performance.now();
      const box = document.querySelector('#filters input[value="passed"]') as HTMLInputElement;
      box.click();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - t;
    }),
  );
  searchMs.push(
    await page.evaluate(async () => {
      const t = performance.now();
      const input = document.getElementById('search') as HTMLInputElement;
      input.value = 'affinity-04';
      input.dispatchEvent(new Event('input'));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - t;
    }),
  );
  await page.close();
}
const chromiumVersion = browser.version();
await browser.close();

const render = stats(renderMs);
const ready = stats(readyMs);
const cpu = os.cpus()[0]?.model ?? 'unknown';
const report = {
  benchmark: 'HTML report: 2,000 case results',
  command: `npx tsx bench/report.ts --runs ${RUNS}`,
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
  machine: {
    cpu,
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium: `${chromiumVersion} (${CHROMIUM}, headless)`,
  },
  input: {
    caseResults: results.cases.length,
    rows,
    columns: results.projects.length,
    differences: (html.match(/<article class="diff"/g) ?? []).length,
    htmlBytes: Buffer.byteLength(html),
  },
  runs: RUNS,
  ms: {
    renderInNode: render,
    pageReadyInChromium: ready,
    loadEventInChromium: stats(loadMs),
    openFailedCase: stats(openCaseMs),
    toggleStatusFilter: stats(filterMs),
    searchById: stats(searchMs),
  },
  budgetMs: BUDGET_MS,
  /** Node render + Chromium until ready, worst runs added: what a person waits for at most. */
  worstTotalMs: round(render.max + ready.max),
  withinBudget: render.max + ready.max < BUDGET_MS,
};
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(path.join(ROOT, 'bench/results/report.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify({ input: report.input, ms: Object.fromEntries(Object.entries(report.ms).map(([k, v]) => [k, `median ${v.median}, max ${v.max}`])), worstTotalMs: report.worstTotalMs, withinBudget: report.withinBudget }, null, 2));
