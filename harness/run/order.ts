/**
 * The order cases start in. Playwright hands tests to free workers in the order they are
 * declared, and on its own it declares them file by file in alphabetical order, so the longest
 * cases (udp/, termination/) started last and the run waited for them at its end. Starting the
 * longest first (longest-processing-time scheduling) shortens a run on a fixed number of
 * workers. Durations come from the last measured catalogue run (bench/results/conformance.json,
 * written by bench/conformance.ts); a case without a measurement goes first, since nothing
 * says it is short. Order changes when cases run, never what they check.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SUITES_DIR = path.join(ROOT, 'suites');
export const DURATIONS_FILE = path.join(ROOT, 'bench/results/conformance.json');

export interface CaseFile {
  /** `<group>/<name>` */
  id: string;
  file: string;
}

/** Every case file: suites/<group>/<name>.spec.ts, sorted by id. */
export function caseFiles(suitesDir: string = SUITES_DIR): CaseFile[] {
  const out: CaseFile[] = [];
  for (const group of readdirSync(suitesDir, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const f of readdirSync(path.join(suitesDir, group.name))) {
      if (f.endsWith('.spec.ts')) out.push({ id: `${group.name}/${f.slice(0, -'.spec.ts'.length)}`, file: path.join(suitesDir, group.name, f) });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Median seconds per case id over the runs of a bench/results/conformance.json
 * (`perMode.<mode>.runs[].caseSeconds`): of the given modes (the columns of this run) when it
 * measured any of them, else of every mode. The median, not the mean: a column where a case fails
 * and waits out its convergence budget (the cilium column's findings took 70-140 s where
 * kube-proxy takes 10) must not move that case to the front of every column's run. Anything
 * else in the file is ignored; a file of another shape gives no durations (every case then
 * counts as unmeasured).
 */
export function medianCaseSeconds(bench: unknown, modes?: readonly string[]): Map<string, number> {
  const seen = new Map<string, number[]>();
  const perMode = (bench as { perMode?: unknown } | null)?.perMode;
  if (!perMode || typeof perMode !== 'object') return new Map();
  const all = perMode as Record<string, unknown>;
  // The columns of this run when the file measured any of them; every column otherwise.
  const own = (modes ?? []).filter((m) => m in all);
  for (const mode of own.length ? own.map((m) => all[m]) : Object.values(all)) {
    const runs = (mode as { runs?: unknown } | null)?.runs;
    if (!Array.isArray(runs)) continue;
    for (const run of runs) {
      const secs = (run as { caseSeconds?: unknown } | null)?.caseSeconds;
      if (!secs || typeof secs !== 'object') continue;
      for (const [id, s] of Object.entries(secs as Record<string, unknown>)) {
        if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) continue;
        seen.set(id, [...(seen.get(id) ?? []), s]);
      }
    }
  }
  return new Map(
    [...seen].map(([id, v]) => {
      const x = [...v].sort((a, b) => a - b);
      const mid = Math.floor(x.length / 2);
      return [id, x.length % 2 ? (x[mid] as number) : ((x[mid - 1] as number) + (x[mid] as number)) / 2];
    }),
  );
}

/** Unmeasured cases first (by id), then measured ones longest first (ties by id). */
export function longestFirst<T extends { id: string }>(cases: readonly T[], seconds: ReadonlyMap<string, number>): T[] {
  const key = (c: T) => seconds.get(c.id) ?? Number.POSITIVE_INFINITY;
  return [...cases].sort((a, b) => key(b) - key(a) || a.id.localeCompare(b.id));
}

/** The columns of this run (KPC_PROJECTS, without a `@release` suffix), to order by their own durations. */
export function runModes(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KPC_PROJECTS ?? '').split(',').map((x) => x.trim().split('@')[0] ?? '').filter(Boolean);
}

/** The case files in the order the catalogue declares them. */
export function catalogueOrder(suitesDir: string = SUITES_DIR, durationsFile: string = DURATIONS_FILE, modes: readonly string[] = runModes()): CaseFile[] {
  let bench: unknown;
  try {
    bench = existsSync(durationsFile) ? JSON.parse(readFileSync(durationsFile, 'utf8')) : undefined;
  } catch {
    bench = undefined; // an unreadable file only loses the ordering, never a case
  }
  return longestFirst(caseFiles(suitesDir), medianCaseSeconds(bench, modes));
}

/** A Playwright `--grep` that selects exactly these case ids (a title is its id; tags follow it). */
export function grepForCases(ids: readonly string[]): string {
  return ids.map((id) => `(^|\\s)${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).join('|');
}
