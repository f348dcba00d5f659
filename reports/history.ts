/**
 * History: the outcomes of one (case, column) over earlier runs, oldest first, the current run
 * last. `npm run report -- --history DIR` reads every results.json under DIR (DIR/*.json and
 * DIR/<run>/results.json) and the report gets a History view: per case and column a strip of
 * outcomes, each linking to that run's case view when its index.html sits next to its
 * results.json. Not stored in results.json: it is a view over many files.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Results, Status } from './model.ts';
import { readResults, ResultsFileError } from './read.ts';
import { columnsOf } from './view-model.ts';

export interface HistoryRun {
  startedAt: string;
  command: string;
  /** The run's index.html relative to the report being written (URL-encoded), when present. */
  href?: string;
  current: boolean;
}

export interface HistoryCell {
  status: Status;
  reason?: string;
}

export interface HistoryRow {
  id: string;
  title: string;
  /** One strip per column, in column order; a strip has one entry per run (undefined: not run). */
  strips: (HistoryCell | undefined)[][];
  /** Columns (indexes) whose outcome was not the same in every run that ran it. */
  unstable: number[];
}

export interface History {
  runs: HistoryRun[];
  columns: string[];
  rows: HistoryRow[];
}

export interface HistoryInput {
  results: Results;
  /** Relative link to the run's index.html, if it has one. */
  href?: string;
}

/**
 * Builds the history from earlier runs (any order; sorted by start time) and the current run.
 * Rows and columns follow the current run, then anything only earlier runs had.
 */
export function buildHistory(earlier: readonly HistoryInput[], current: Results): History {
  const inputs = [...earlier].sort((a, b) => a.results.run.startedAt.localeCompare(b.results.run.startedAt));
  const all: (HistoryInput & { current: boolean })[] = [...inputs.map((x) => ({ ...x, current: false })), { results: current, href: '', current: true }];
  const columns: string[] = [];
  const rowsById = new Map<string, { id: string; title: string }>();
  for (const x of [all[all.length - 1], ...all.slice(0, -1).reverse()]) {
    if (!x) continue;
    for (const p of columnsOf(x.results)) if (!columns.includes(p.name)) columns.push(p.name);
    for (const c of x.results.cases) if (!rowsById.has(c.id)) rowsById.set(c.id, { id: c.id, title: c.title });
  }
  const lookup = all.map((x) => new Map(x.results.cases.map((c) => [`${c.project}\u0000${c.id}`, c])));
  const rows: HistoryRow[] = [...rowsById.values()].map(({ id, title }) => {
    const strips = columns.map((project) =>
      all.map((_x, i): HistoryCell | undefined => {
        // A mark links to `<run href><case fragment>` (the page script composes it).
        const c = lookup[i]?.get(`${project}\u0000${id}`);
        return c ? { status: c.status, ...(c.reason ? { reason: c.reason } : {}) } : undefined;
      }),
    );
    const unstable = strips.flatMap((s, i) => (new Set(s.flatMap((c) => (c ? [c.status] : []))).size > 1 ? [i] : []));
    return { id, title, strips, unstable };
  });
  return {
    runs: all.map((x) => ({ startedAt: x.results.run.startedAt, command: x.results.run.command, current: x.current, ...(x.href ? { href: x.href } : {}) })),
    columns,
    rows,
  };
}

/** A relative link from one directory to a file, each segment URI-encoded (no scheme can appear). */
export function relativeHref(fromDir: string, toFile: string): string {
  return path
    .relative(path.resolve(fromDir), path.resolve(toFile))
    .split(path.sep)
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** The results files of a history directory: DIR/*.json and DIR/<run>/results.json. */
export async function historyFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new ResultsFileError(`--history ${dir}: cannot read the directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const files: string[] = [];
  for (const n of names.sort()) {
    const p = path.join(dir, n);
    const s = await stat(p).catch(() => undefined);
    if (s?.isFile() && n.endsWith('.json')) files.push(p);
    else if (s?.isDirectory() && existsSync(path.join(p, 'results.json'))) files.push(path.join(p, 'results.json'));
  }
  return files;
}

/**
 * Reads a history directory for a report written into `reportDir`. A file that is not a valid
 * results file (or of another major version) is left out with a warning: one bad night must not
 * take the history down. The current run's own results.json is skipped if it is found there.
 */
export async function readHistory(dir: string, reportDir: string, currentFile?: string): Promise<{ inputs: HistoryInput[]; warnings: string[] }> {
  const inputs: HistoryInput[] = [];
  const warnings: string[] = [];
  for (const file of await historyFiles(dir)) {
    if (currentFile && path.resolve(file) === path.resolve(currentFile)) continue;
    try {
      const { results, warnings: w } = await readResults(file);
      warnings.push(...w.map((x) => `${file}: ${x}`));
      const html = path.join(path.dirname(file), 'index.html');
      inputs.push({ results, ...(path.basename(file) === 'results.json' && existsSync(html) ? { href: relativeHref(reportDir, html) } : {}) });
    } catch (err) {
      if (!(err instanceof ResultsFileError)) throw err;
      warnings.push(`left out of the history: ${err.message.replace(/\n\s*/g, ' ').slice(0, 300)}`);
    }
  }
  return { inputs, warnings };
}
