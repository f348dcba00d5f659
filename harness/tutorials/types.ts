/**
 * A docs tutorial as data: an ordered list of steps, each with the page's command and the
 * output the page prints (short, with its source section), what we run for it through the
 * harness (apps, probes, captures), and what must agree between the two. The pages live in
 * tutorials/<page>.ts; the replay is harness/tutorials/replay.ts.
 */
import type { CaseContext } from '../run/fixtures.ts';

/** What our cluster printed for a step, plus the facts the agreements judge. */
export interface StepOutcome {
  /** The command as we ran it (our names, images, addresses), when it differs from the page's. */
  ran?: string;
  /** Our output in the page's shape (the same command's output, or the same lines picked out). */
  output: string;
  /** Facts for the agreements: e.g. the judged rows of a source-IP scenario. */
  facts?: Record<string, unknown>;
  /** A difference that is expected here (e.g. the page shows iptables mode, this column runs nftables). */
  documented?: string;
}

/** One thing that must agree between the page and our run; returns true, or why it does not. */
export interface Agreement<S> {
  says: string;
  holds(o: StepOutcome, state: S, ctx: CaseContext): true | string;
}

export interface TutorialStep<S> {
  /** Stable within the page, e.g. `expose-clusterip`. */
  id: string;
  /** The section heading on the page. */
  section: string;
  /** The section's anchor on the page (without `#`). */
  anchor: string;
  /** The page's command, as printed there. */
  command: string;
  /** The page's printed output for it: only what the comparison needs. */
  docsOutput: string;
  mustAgree: Agreement<S>[];
  /** What may differ between the page and us, in words (addresses, names, ages). */
  mayDiffer: string[];
  /** Case ids covering the same behaviour. */
  cases?: string[];
  run(ctx: CaseContext, state: S): Promise<StepOutcome>;
}

export interface Tutorial<S> {
  /** `npm run tutorial -- <id>`. */
  id: string;
  title: string;
  url: string;
  /** A fresh state for one replay (objects made by earlier steps). */
  state(): S;
  /** Environment the replay needs (as a case's `needs`). */
  needs?: readonly import('../run/fixtures.ts').Feature[];
  steps: TutorialStep<S>[];
}

/** Ties a page's state type to its steps (the registry holds pages of different states). */
export function defineTutorialPage<S>(t: Tutorial<S>): Tutorial<S> {
  return t;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTutorial = Tutorial<any>;

/** The Playwright test of a page's replay (`npm run tutorial` greps for it). */
export function tutorialTestTitle(id: string): string {
  return `tutorial ${id}`;
}
