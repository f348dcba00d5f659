/**
 * Merges the results of runs that each covered some columns (e.g. one CI job per proxy mode)
 * into one document, so one report shows every column side by side.
 */
import { countStatuses, type Results } from './model.ts';

export class MergeError extends Error {
  override name = 'MergeError';
}

const distinct = (values: (string | undefined)[]): string | undefined => {
  const set = [...new Set(values.filter((v): v is string => Boolean(v)))];
  return set.length ? set.join(' / ') : undefined;
};

/** Columns must not repeat across inputs; run facts that differ are joined with ` / `. */
export function mergeResults(inputs: readonly Results[]): Results {
  const first = inputs[0];
  if (!first) throw new MergeError('nothing to merge');
  const seen = new Map<string, number>();
  inputs.forEach((r, i) => {
    for (const name of new Set([...r.projects.map((p) => p.name), ...r.cases.map((c) => c.project)])) {
      const before = seen.get(name);
      if (before !== undefined) throw new MergeError(`project ${name} is in input ${before + 1} and input ${i + 1}; each column must come from one run`);
      seen.set(name, i);
    }
  });
  const starts = inputs.map((r) => Date.parse(r.run.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...inputs.map((r, i) => (starts[i] ?? start) + r.run.durationMs));
  const cases = inputs.flatMap((r) => r.cases);
  const tutorials = inputs.flatMap((r) => r.tutorials?.runs ?? []);
  const run = {
    ...first.run,
    startedAt: Number.isFinite(start) ? new Date(start).toISOString() : first.run.startedAt,
    durationMs: Number.isFinite(end - start) ? end - start : first.run.durationMs,
    kindVersion: distinct(inputs.map((r) => r.run.kindVersion)),
    kubernetesVersion: distinct(inputs.map((r) => r.run.kubernetesVersion)),
    nodeImage: distinct(inputs.map((r) => r.run.nodeImage)),
    command: distinct(inputs.map((r) => r.run.command)) ?? first.run.command,
  };
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    run,
    projects: inputs.flatMap((r) => r.projects),
    cases,
    controls: inputs.flatMap((r) => r.controls),
    totals: countStatuses(cases),
    ...(tutorials.length ? { tutorials: { command: distinct(inputs.map((r) => r.tutorials?.command)) ?? '', runs: tutorials } } : {}),
  };
}
