/**
 * Playwright reporter of `npm run tutorial`: collects each replay's `kpc-tutorial` attachment
 * and, once at the end, puts the runs into the `tutorials` section of the report directory's
 * results.json (a replay of a page on a column replaces the previous one; conformance cases
 * already there stay), then re-renders index.html and junit.xml.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FullConfig, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import type { Results, TutorialRun } from '../../reports/model.ts';
import type { ProjectSpec } from '../run/projects.ts';
import { REPORT_DIR } from '../run/recorder.ts';
import { buildResults } from '../run/results.ts';
import { readRuntimes } from '../run/reporter.ts';
import { TUTORIAL_ATTACHMENT } from './replay.ts';
import { mergeTutorialRuns } from './results.ts';

export default class TutorialReporter implements Reporter {
  private startedAt = new Date();
  private specs: ProjectSpec[] = [];
  private runs: TutorialRun[] = [];

  onBegin(config: FullConfig, _suite: Suite): void {
    this.startedAt = new Date();
    this.specs = config.projects.map((p) => (p.use as { kpcProject?: ProjectSpec }).kpcProject).filter((s): s is ProjectSpec => !!s);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const att = result.attachments.find((a) => a.name === TUTORIAL_ATTACHMENT && a.body);
    if (att?.body) {
      this.runs.push(JSON.parse(att.body.toString('utf8')) as TutorialRun);
      return;
    }
    // No payload: the test died before it could attach one (a fixture that could not provision, a time-out).
    const page = test.title.replace(/^tutorial /, '');
    this.runs.push({
      page,
      title: page,
      url: '',
      project: test.parent.project()?.name ?? 'default',
      proxyMode: 'unknown',
      startedAt: result.startTime.toISOString(),
      durationMs: result.duration,
      verdict: result.status === 'skipped' ? 'skipped' : 'error',
      error: result.error?.message?.split('\n')[0] ?? `ended ${result.status} without a result`,
      steps: [],
    });
  }

  async onEnd(): Promise<void> {
    const file = path.join(REPORT_DIR, 'results.json');
    const runtimes = readRuntimes();
    const fresh = buildResults({
      tests: [],
      specs: this.specs,
      runtimes,
      startedAt: this.startedAt,
      durationMs: Date.now() - this.startedAt.getTime(),
      command: process.env.KPC_COMMAND ?? process.argv.slice(1).join(' '),
      toolVersion: process.env.npm_package_version ?? '0.0.0',
    });
    let base: Results = fresh;
    if (existsSync(file)) {
      const { readResults } = await import('../../reports/read.ts');
      try {
        base = (await readResults(file)).results;
      } catch (e) {
        console.error(`tutorial: ${file} is not a results file I can add to (${(e as Error).message.split('\n')[0]}); writing a new one`);
      }
    }
    const results = mergeTutorialRuns(base, fresh, this.runs, fresh.run.command);
    await mkdir(REPORT_DIR, { recursive: true });
    await writeFile(file, JSON.stringify(results, null, 2));
    const { writeViews } = await import('../../reports/views.ts');
    await writeViews(results, REPORT_DIR);
  }

  printsToStdio(): boolean {
    return false;
  }
}
