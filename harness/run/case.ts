/**
 * defineCase(): a conformance case is data (id, title, source, needs) plus one function. This
 * turns it into a Playwright test that gets a cluster, a fresh namespace and a recorder, and
 * reports skipped / not-supported with a precise reason instead of failing or passing silently.
 * Case files only define; the catalogue declares the tests once every file is loaded
 * (declareCases), once per phase in a phased run (phases.ts).
 */
import { test as base } from '@playwright/test';
import type { CaseSource } from '../../reports/model.ts';
import { caseFixtures, type CaseContext, type Feature } from './fixtures.ts';
import { proxyModeOf } from './projects.ts';
import { finishCase, Recorder } from './recorder.ts';
import { declarePerPhase, startPhaseCase, PHASE_ANNOTATION, type PhaseSpec } from './phases.ts';

export interface CaseDef {
  /** Stable id `<group>/<name>`; the file is suites/<group>/<name>.spec.ts. */
  id: string;
  title: string;
  source: CaseSource;
  /** What the cluster must offer; a missing feature skips with the reason. */
  needs?: readonly Feature[];
  /**
   * `control-plane`: the verdict does not depend on the Service proxy (DNS records, env vars,
   * EndpointSlice conditions); the matrix marks such rows so they do not read as proxy conformance.
   */
  tags?: readonly CaseTag[];
  /** Longer than the default test timeout (e.g. termination with a grace period). */
  timeoutMs?: number;
  run(ctx: CaseContext): Promise<void>;
}

export type CaseTag = 'control-plane';

export const test = base.extend(caseFixtures);

const defined: CaseDef[] = [];

/** Adds a case to the catalogue (declared as a test by declareCases). */
export function defineCase(def: CaseDef): void {
  defined.push(def);
}

/** Declares every defined case as a Playwright test, in definition order; in a phased run, once per phase. */
export function declareCases(): void {
  declarePerPhase(test.describe, (phase) => {
    for (const def of defined) if (!phase?.cases || phase.cases.includes(def.id)) declareCase(def, phase);
  });
}

function declareCase(def: CaseDef, phase: PhaseSpec | undefined): void {
  const tags = [`@${def.id.split('/')[0]}`, ...(def.tags ?? []).map((t) => `@${t}`)];
  test(def.id, { tag: tags, ...(phase ? { annotation: { type: PHASE_ANNOTATION, description: phase.name } } : {}) }, async ({ kpc }, testInfo) => {
    if (def.timeoutMs) testInfo.setTimeout(def.timeoutMs);
    // Nothing touches the cluster before the phase's gate opens.
    const abort = await startPhaseCase(phase, testInfo);
    test.skip(abort !== undefined, `the phase ${phase?.name} was called off: ${abort}`);
    const rec = new Recorder(
      testInfo,
      {
        id: def.id,
        title: def.title,
        source: def.source,
        project: testInfo.project.name,
        proxyMode: proxyModeOf(kpc.project),
        tags: [...(def.tags ?? [])],
      },
      phase ? { root: phase.dir, verdictsExpected: phase.verdictsExpected ?? false } : {},
    );
    const skip = await kpc.missing(def.needs ?? []);
    if (skip) {
      await rec.attachPayload(skip.notSupported ? { notSupported: skip.reason } : {});
      if (skip.notSupported) testInfo.annotations.push({ type: 'not-supported', description: skip.reason });
      test.skip(true, skip.reason);
      return;
    }
    // A negative control runs like any case: it fails when the fault is caught, and the results
    // judge whether the right check row caught it (harness/run/results.ts).
    let error: unknown;
    try {
      const ctx = await kpc.contextFor(rec, testInfo);
      await def.run(ctx);
    } catch (e) {
      error = e;
      rec.observe(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    await finishCase(rec, testInfo, error);
  });
}
