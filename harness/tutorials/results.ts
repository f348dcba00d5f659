/** Putting replays into a results document. Pure: unit-tested. */
import { RESULTS_SCHEMA_VERSION, type Results, type TutorialRun } from '../../reports/model.ts';

/**
 * `base` with `runs` in its tutorials section: a run replaces the one of the same page and
 * column, others stay; columns the replays ran on that `base` lacks are taken from `fresh`
 * (the projects of this replay). Cases, controls and faults of `base` are kept as they are.
 */
export function mergeTutorialRuns(base: Results, fresh: Pick<Results, 'projects' | 'run'>, runs: readonly TutorialRun[], command: string): Results {
  const key = (r: TutorialRun) => `${r.page}\u0000${r.project}`;
  const replaced = new Set(runs.map(key));
  const kept = (base.tutorials?.runs ?? []).filter((r) => !replaced.has(key(r)));
  const known = new Set(base.projects.map((p) => p.name));
  const used = new Set(runs.map((r) => r.project));
  const extra = fresh.projects.filter((p) => !known.has(p.name) && used.has(p.name));
  const noCases = base.cases.length === 0;
  return {
    ...base,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    // A report of replays only describes the replay's run; one with cases keeps its own.
    run: noCases ? { ...fresh.run, kindVersion: fresh.run.kindVersion ?? base.run.kindVersion, kubernetesVersion: fresh.run.kubernetesVersion ?? base.run.kubernetesVersion, nodeImage: fresh.run.nodeImage ?? base.run.nodeImage } : base.run,
    projects: [...base.projects, ...extra],
    tutorials: { command, runs: [...kept, ...runs].sort((a, b) => a.page.localeCompare(b.page) || a.project.localeCompare(b.project)) },
  };
}
