/**
 * Playwright reporter: collects each case's payload in onTestEnd and writes, once in onEnd,
 * out/report/results.json (the data model) plus the HTML and JUnit views of it.
 *
 * In a phased run (phases.ts) each phase is a report of its own: its results.json is written
 * into the phase's directory as soon as its last test has ended (the fault runner waits for
 * that file to change the cluster for the next phase), and its views right after.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import type { ProjectSpec } from './projects.ts';
import { CASE_ATTACHMENT, REPORT_DIR, type CasePayload } from './recorder.ts';
import { buildResults, type FinishedTest, type ProjectRuntime } from './results.ts';
import { PHASE_ANNOTATION, phasesFromEnv, type PhaseSpec } from './phases.ts';
import type { Results } from '../../reports/model.ts';

export const RUNTIME_DIR = path.join(REPORT_DIR, 'run');

interface PhaseState {
  spec: PhaseSpec;
  /** Test ids of the phase that have not ended yet. */
  pending: Set<string>;
  tests: FinishedTest[];
  startedAt?: Date;
  written: boolean;
}

export default class ResultsReporter implements Reporter {
  private startedAt = new Date();
  private specs: ProjectSpec[] = [];
  private tests = new Map<string, FinishedTest>();
  private phases = new Map<string, PhaseState>();
  private views: Promise<void>[] = [];

  onBegin(config: FullConfig, suite: Suite): void {
    this.startedAt = new Date();
    // A report describes one run: drop the previous run's results, evidence and runtimes.
    rmSync(REPORT_DIR, { recursive: true, force: true });
    this.specs = config.projects
      .map((p) => (p.use as { kpcProject?: ProjectSpec }).kpcProject)
      .filter((s): s is ProjectSpec => !!s);
    for (const spec of phasesFromEnv() ?? []) {
      rmSync(spec.dir, { recursive: true, force: true });
      this.phases.set(spec.name, { spec, pending: new Set(), tests: [], written: false });
    }
    for (const t of suite.allTests()) this.phaseOf(t)?.pending.add(t.id);
    // A phase the run selects no case of (--grep) has ended before it began.
    for (const p of this.phases.values()) if (!p.pending.size) this.writePhase(p);
  }

  private phaseOf(test: TestCase): PhaseState | undefined {
    const name = test.annotations.find((a) => a.type === PHASE_ANNOTATION)?.description;
    return name ? this.phases.get(name) : undefined;
  }

  onTestBegin(test: TestCase): void {
    const p = this.phaseOf(test);
    if (p && !p.startedAt) p.startedAt = new Date();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project()?.name ?? 'default';
    const att = result.attachments.find((a) => a.name === CASE_ATTACHMENT && a.body);
    const payload = att?.body ? (JSON.parse(att.body.toString('utf8')) as CasePayload) : undefined;
    const skip = test.annotations.find((a) => a.type === 'skip')?.description ?? result.annotations.find((a) => a.type === 'skip')?.description;
    const notSupported = [...test.annotations, ...result.annotations].find((a) => a.type === 'not-supported')?.description ?? payload?.notSupported;
    const finished: FinishedTest = {
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
    };
    const phase = this.phaseOf(test);
    if (!phase) {
      this.tests.set(`${project}\u0000${test.id}`, finished);
      return;
    }
    phase.tests.push(finished);
    phase.pending.delete(test.id);
    if (!phase.pending.size && !phase.written) this.writePhase(phase);
  }

  /** Writes the phase's results.json at once (renamed into place: whoever waits for it reads it whole), its views after. */
  private writePhase(phase: PhaseState): void {
    phase.written = true;
    const started = phase.startedAt ?? new Date();
    const results = this.build(phase.tests, started, Date.now() - started.getTime(), phase.spec.command);
    mkdirSync(phase.spec.dir, { recursive: true });
    const file = path.join(phase.spec.dir, 'results.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
    renameSync(`${file}.tmp`, file);
    this.views.push(writeViewsOf(results, phase.spec.dir).catch((e: unknown) => console.error(`[report] the views of ${phase.spec.name} were not written: ${String(e)}`)));
  }

  private build(tests: FinishedTest[], startedAt: Date, durationMs: number, command?: string): Results {
    return buildResults({
      tests,
      specs: this.specs,
      runtimes: readRuntimes(),
      startedAt,
      durationMs,
      command: command ?? process.env.KPC_COMMAND ?? process.argv.slice(1).join(' '),
      toolVersion: process.env.npm_package_version ?? '0.0.0',
      repeat: Number(process.env.KPC_REPEAT ?? 1),
    });
  }

  async onEnd(result: FullResult): Promise<void> {
    if (this.phases.size) {
      // Phases cut short (Ctrl-C, a crash) report what ran; the starter sees they did not end.
      for (const p of this.phases.values()) if (!p.written && p.tests.length) this.writePhase(p);
      await Promise.all(this.views);
      return;
    }
    const results = this.build([...this.tests.values()], this.startedAt, result.duration);
    await mkdir(REPORT_DIR, { recursive: true });
    await writeFile(path.join(REPORT_DIR, 'results.json'), JSON.stringify(results, null, 2));
    await writeViewsOf(results, REPORT_DIR);
  }

  printsToStdio(): boolean {
    return false;
  }
}

async function writeViewsOf(results: Results, dir: string): Promise<void> {
  const { writeViews } = await import('../../reports/views.ts');
  await writeViews(results, dir);
}

/**
 * What provisioning wrote per column (run/<project>.json); the tutorial reporter reads it too.
 * Synchronous: a phase's results are written from onTestEnd, which Playwright does not await.
 */
export function readRuntimes(): ProjectRuntime[] {
  let names: string[] = [];
  try {
    names = readdirSync(RUNTIME_DIR);
  } catch {
    return [];
  }
  return names.filter((x) => x.endsWith('.json')).map((n) => JSON.parse(readFileSync(path.join(RUNTIME_DIR, n), 'utf8')) as ProjectRuntime);
}
