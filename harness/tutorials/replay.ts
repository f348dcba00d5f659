/**
 * defineTutorial(): replays a docs page (tutorials/<page>.ts) as one Playwright test on the
 * project's cluster, with the cases' fixtures: the same provisioning, a fresh namespace removed
 * at the end (also after Ctrl-C, by Playwright's teardown), client pods, the outside client,
 * captures and a recorder for evidence. Each step runs, is compared with the page, and the
 * run goes out as a `kpc-tutorial` attachment that harness/tutorials/reporter.ts puts into
 * results.json.
 */
import type { TestInfo } from '@playwright/test';
import type { Evidence, TutorialRun, TutorialStepResult } from '../../reports/model.ts';
import { test } from '../run/case.ts';
import { installedProxyMode } from '../implementations/index.ts';
import { proxyModeOf } from '../run/projects.ts';
import { Recorder } from '../run/recorder.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { runVerdict, verdictOf } from './match.ts';
import { tutorialTestTitle, type AnyTutorial, type StepOutcome, type TutorialStep } from './types.ts';

export const TUTORIAL_ATTACHMENT = 'kpc-tutorial';

/** A page's replay takes a few minutes at most even on a slow machine (the target is 90 s warm). */
const REPLAY_TIMEOUT_MS = 6 * 60_000;

export function defineTutorial(t: AnyTutorial): void {
  test(tutorialTestTitle(t.id), { tag: ['@tutorial'] }, async ({ kpc }, testInfo) => {
    testInfo.setTimeout(REPLAY_TIMEOUT_MS);
    const started = Date.now();
    const rec = new Recorder(testInfo, {
      id: `tutorial/${t.id}`,
      title: t.title,
      source: { title: t.title, url: t.url },
      project: testInfo.project.name,
      proxyMode: proxyModeOf(kpc.project),
    });
    const run: TutorialRun = {
      page: t.id,
      title: t.title,
      url: t.url,
      project: testInfo.project.name,
      proxyMode: proxyModeOf(kpc.project),
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      verdict: 'agrees',
      steps: [],
    };
    let stop: string | undefined;
    try {
      const missing = await kpc.missing(t.needs ?? []);
      if (missing) throw new Error(`cannot replay here: ${missing.reason}`);
      const ctx = await kpc.contextFor(rec, testInfo);
      run.proxyMode = installedProxyMode(ctx.impl);
      const state = t.state();
      for (const step of t.steps) {
        if (stop) {
          run.steps.push(stepResult(t, step, { output: '' }, { verdict: 'skipped', reason: `not run: ${stop}` }, [], 0));
          continue;
        }
        const r = await replayStep(ctx, rec, t, step, state);
        run.steps.push(r);
        if (r.verdict === 'error') stop = `step ${step.id} failed`;
      }
    } catch (e) {
      run.error = e instanceof Error ? e.message : String(e);
    }
    run.durationMs = Date.now() - started;
    run.verdict = run.error ? 'error' : runVerdict(run.steps);
    await attachRun(testInfo, run);
    if (run.error) throw new Error(run.error);
    const bad = run.steps.filter((s) => s.verdict === 'error' || s.verdict === 'differs');
    if (bad.length) throw new Error(bad.map((s) => `${s.id}: ${s.verdict}: ${s.reason}`).join('\n'));
  });
}

async function replayStep<S>(ctx: CaseContext, rec: Recorder, t: AnyTutorial, step: TutorialStep<S>, state: S): Promise<TutorialStepResult> {
  const from = rec.evidence.length;
  const start = Date.now();
  let outcome: StepOutcome;
  try {
    outcome = await rec.step(`${step.id}: ${step.command.split('\n')[0] ?? ''}`.slice(0, 200), () => step.run(ctx, state));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return stepResult(t, step, { output: '' }, { verdict: 'error', reason: `no verdict: the step failed: ${msg}` }, rec.evidence.slice(from), Date.now() - start);
  }
  const v = verdictOf(step.mustAgree, outcome, state, ctx);
  return stepResult(t, step, outcome, v, rec.evidence.slice(from), Date.now() - start);
}

function stepResult<S>(t: AnyTutorial, step: TutorialStep<S>, o: StepOutcome, v: Pick<TutorialStepResult, 'verdict' | 'reason'>, evidence: Evidence[], durationMs: number): TutorialStepResult {
  return {
    id: step.id,
    section: step.section,
    sourceUrl: `${t.url}#${step.anchor}`,
    command: step.command,
    ...(o.ran && o.ran !== step.command ? { ran: o.ran } : {}),
    docsOutput: step.docsOutput,
    ourOutput: o.output,
    mustAgree: step.mustAgree.map((a) => a.says),
    mayDiffer: step.mayDiffer,
    verdict: v.verdict,
    reason: v.reason,
    ...(o.documented && v.verdict === 'agrees' ? { documented: o.documented } : {}),
    cases: step.cases ?? [],
    // Decoded packets stay in the pcap files and the cases; the tutorial view links the files.
    evidence: evidence.filter((ev) => ev.kind !== 'packets').map(({ packets: _packets, ...ev }) => ev),
    durationMs,
  };
}

async function attachRun(testInfo: TestInfo, run: TutorialRun): Promise<void> {
  await testInfo.attach(TUTORIAL_ATTACHMENT, { body: JSON.stringify(run), contentType: 'application/json' });
}
