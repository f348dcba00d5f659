/**
 * Playwright reporter: collects each case's payload in onTestEnd and writes, once in onEnd,
 * out/report/results.json (the data model) plus the HTML and JUnit views of it.
 */
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import type { ProjectSpec } from './projects.ts';
import { CASE_ATTACHMENT, REPORT_DIR, type CasePayload } from './recorder.ts';
import { buildResults, type FinishedTest, type ProjectRuntime } from './results.ts';

export const RUNTIME_DIR = path.join(REPORT_DIR, 'run');

export default class ResultsReporter implements Reporter {
  private startedAt = new Date();
  private specs: ProjectSpec[] = [];
  private tests = new Map<string, FinishedTest>();

  onBegin(config: FullConfig, _suite: Suite): void {
    this.startedAt = new Date();
    // A report describes one run: drop the previous run's results, evidence and runtimes.
    rmSync(REPORT_DIR, { recursive: true, force: true });
    this.specs = config.projects
      .map((p) => (p.use as { kpcProject?: ProjectSpec }).kpcProject)
      .filter((s): s is ProjectSpec => !!s);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project()?.name ?? 'default';
    const att = result.attachments.find((a) => a.name === CASE_ATTACHMENT && a.body);
    const payload = att?.body ? (JSON.parse(att.body.toString('utf8')) as CasePayload) : undefined;
    const skip = test.annotations.find((a) => a.type === 'skip')?.description ?? result.annotations.find((a) => a.type === 'skip')?.description;
    const notSupported = [...test.annotations, ...result.annotations].find((a) => a.type === 'not-supported')?.description ?? payload?.notSupported;
    this.tests.set(`${project}\u0000${test.id}`, {
      title: test.title,
      project,
      pwStatus: result.status,
      expectedStatus: test.expectedStatus,
      errorMessage: result.error?.message,
      skipReason: skip,
      notSupported: result.status === 'skipped' ? notSupported : undefined,
      durationMs: result.duration,
      attempts: result.retry + 1,
      repeatIndex: test.repeatEachIndex,
      payload,
    });
  }

  async onEnd(result: FullResult): Promise<void> {
    const runtimes = await readRuntimes();
    const results = buildResults({
      tests: [...this.tests.values()],
      specs: this.specs,
      runtimes,
      startedAt: this.startedAt,
      durationMs: result.duration,
      command: process.env.KPC_COMMAND ?? process.argv.slice(1).join(' '),
      toolVersion: process.env.npm_package_version ?? '0.0.0',
      repeat: Number(process.env.KPC_REPEAT ?? 1),
    });
    await mkdir(REPORT_DIR, { recursive: true });
    const file = path.join(REPORT_DIR, 'results.json');
    await writeFile(file, JSON.stringify(results, null, 2));
    const { writeViews } = await import('../../reports/views.ts');
    await writeViews(results, REPORT_DIR);
  }

  printsToStdio(): boolean {
    return false;
  }
}

/** What provisioning wrote per column (run/<project>.json); the tutorial reporter reads it too. */
export async function readRuntimes(): Promise<ProjectRuntime[]> {
  const names = await readdir(RUNTIME_DIR).catch(() => [] as string[]);
  const out: ProjectRuntime[] = [];
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    out.push(JSON.parse(await readFile(path.join(RUNTIME_DIR, n), 'utf8')) as ProjectRuntime);
  }
  return out;
}
