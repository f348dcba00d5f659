/**
 * The view model the HTML report and the summaries are drawn from: columns, rows grouped by
 * source, per-project totals, and which cases differ between columns. Pure functions of
 * `Results`, so the unit tests cover what the report shows without a browser.
 */
import { countStatuses, type CaseResult, type CaseSource, type Check, type ProjectInfo, type Results, type Status } from './model.ts';

export interface MatrixRow {
  id: string;
  title: string;
  /** Tags of the case (`control-plane`: its verdict does not depend on the proxy). */
  tags: string[];
  /** One entry per column, in column order; undefined where the case did not run in it. */
  cells: (CaseResult | undefined)[];
}

export interface MatrixGroup {
  source: CaseSource;
  rows: MatrixRow[];
}

export interface Matrix {
  columns: ProjectInfo[];
  groups: MatrixGroup[];
}

/**
 * The columns: every project in `results.projects` in its order, then any project a case
 * names that the project list lacks (so no result is ever hidden by an incomplete list).
 */
export function columnsOf(results: Pick<Results, 'projects' | 'cases'>): ProjectInfo[] {
  const columns = [...results.projects];
  const known = new Set(columns.map((p) => p.name));
  for (const c of results.cases) {
    if (known.has(c.project)) continue;
    known.add(c.project);
    columns.push({ name: c.project, proxyMode: c.proxyMode, implementation: 'unknown', lbProvider: 'unknown', cluster: { source: 'existing' } });
  }
  return columns;
}

/** Rows are case ids grouped by their source, both in order of first appearance. */
export function buildMatrix(results: Pick<Results, 'projects' | 'cases'>): Matrix {
  const columns = columnsOf(results);
  const columnIndex = new Map(columns.map((p, i) => [p.name, i]));
  const groups = new Map<string, MatrixGroup>();
  const rows = new Map<string, MatrixRow>();
  for (const c of results.cases) {
    let row = rows.get(c.id);
    if (!row) {
      const groupKey = c.source.url || c.source.title;
      let group = groups.get(groupKey);
      if (!group) {
        group = { source: c.source, rows: [] };
        groups.set(groupKey, group);
      }
      row = { id: c.id, title: c.title, tags: [...(c.tags ?? [])], cells: columns.map(() => undefined) };
      rows.set(c.id, row);
      group.rows.push(row);
    }
    row.cells[columnIndex.get(c.project) ?? -1] = c;
  }
  return { columns, groups: [...groups.values()] };
}

/** Status counts per project name, every column present even when it has no cases. */
export function projectTotals(results: Pick<Results, 'projects' | 'cases'>): Map<string, Record<Status, number>> {
  const byProject = new Map<string, CaseResult[]>(columnsOf(results).map((p) => [p.name, []]));
  for (const c of results.cases) byProject.get(c.project)?.push(c);
  return new Map([...byProject].map(([name, cases]) => [name, countStatuses(cases)]));
}

/** Statuses that say something about the proxy; `skipped` only says the run could not look. */
const COMPARED: ReadonlySet<Status> = new Set<Status>(['passed', 'failed', 'not-supported']);

export interface Difference {
  row: MatrixRow;
  source: CaseSource;
  /** Indexes into Matrix.columns of the compared cells, shown side by side. */
  columns: number[];
  /** What differs: `status`, `observed`, and the keys of checks whose observation differs. */
  status: boolean;
  observed: boolean;
  checkKeys: string[];
  /**
   * Keys of checks whose expectation differs between the columns: a difference the
   * implementations declare (e.g. localhost NodePorts), shown as such, not as a deviation.
   */
  declaredKeys: string[];
}

/**
 * An observation reduced to what should be equal across clusters: each column runs its own
 * cluster, so addresses, ports, generated pod-name suffixes and timings differ even when the
 * behaviour is the same. The role the harness writes next to an address ("(the client)",
 * "(owned by the receiving node)") and the verdict remain, and those are compared.
 */
export function normalizeObservation(text: string): string {
  return text
    .replace(/\[?[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]?(?::\d+)?/gi, '<ip>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>')
    .replace(/\b([a-z0-9]+(?:-[a-z0-9]+)*?)-[a-z0-9]{6,10}-[a-z0-9]{5}\b/g, '$1-<pod>')
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s)\b/g, '<duration>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when two cells that expected the same thing observed different things. */
function observationsDiffer<T>(items: T[], expected: (x: T) => string, observed: (x: T) => string): boolean {
  const byExpectation = new Map<string, Set<string>>();
  for (const x of items) {
    const key = normalizeObservation(expected(x));
    byExpectation.set(key, (byExpectation.get(key) ?? new Set()).add(observed(x)));
  }
  return [...byExpectation.values()].some((seen) => seen.size > 1);
}

/**
 * What a check says about behaviour, without what differs between clusters by nature: the
 * verdict, whether every judged attempt held, and the roles and outcomes named in the
 * observation ("(the client)", "(owned by the receiving node)", "drops", ...). Host names,
 * addresses, pod names and how requests happened to spread are left out.
 */
export function behaviourSignature(k: Check): string {
  const f = behaviourFacts(k);
  return JSON.stringify([f.verdict, f.allHeld, f.roles]);
}

/** The facts behaviourSignature() compares: verdict, all judged attempts held, roles named. */
export function behaviourFacts(k: Check): { verdict: Check['verdict']; allHeld?: boolean; roles: string[] } {
  const text = `${k.observedEcho ?? ''} ${k.observedWire ?? ''}`;
  const roles = [...new Set([...text.matchAll(/\((the client|owned by the receiving node)\)|no SYN reached an endpoint|\b(answered|drops|rejects|error)\b/g)].map((m) => m[0]))].sort();
  // Counts, spreads and timings differ from run to run by nature: the verdict judges them.
  return { verdict: k.verdict, ...(k.samples ? { allHeld: k.samples.ok === k.samples.total } : {}), roles };
}

function checkDiffers(ran: CaseResult[], key: string): boolean {
  const withCheck = ran.map((c) => ({ c, k: c.checks.find((k) => k.key === key) }));
  if (withCheck.some((x) => !x.k)) return true;
  return observationsDiffer(withCheck, (x) => x.k?.expected ?? '', (x) => (x.k ? behaviourSignature(x.k) : ''));
}

/** Every compared cell made the check, with different expectations: declared, not a deviation. */
function expectationsDiffer(ran: CaseResult[], key: string): boolean {
  const checks = ran.map((c) => c.checks.find((k) => k.key === key));
  if (checks.some((k) => !k)) return false;
  // Addresses, pod names and timings in an expectation are the cluster's, not the implementation's.
  return new Set(checks.map((k) => normalizeObservation(k?.expected ?? ''))).size > 1;
}

/**
 * Cases whose outcome or observed behaviour differs between columns. Compared are the cells
 * of non-control columns whose status is passed, failed or not-supported: a skipped cell (the
 * run could not look) and a negative control (broken on purpose) say nothing about how a proxy
 * behaves. A case needs two compared cells to differ. Observations are compared only between
 * cells that expected the same thing (a per-mode expectation makes different observations
 * right), after normalizeObservation(), so they must carry the role of an address.
 */
export function selectDifferences(matrix: Matrix): Difference[] {
  const eligible = matrix.columns.map((p, i) => (p.control ? -1 : i)).filter((i) => i >= 0);
  const out: Difference[] = [];
  for (const group of matrix.groups) {
    for (const row of group.rows) {
      const compared = eligible.flatMap((i) => {
        const cell = row.cells[i];
        return cell && COMPARED.has(cell.status) ? [cell] : [];
      });
      if (compared.length < 2) continue;
      const ran = compared.filter((c) => c.status !== 'not-supported');
      const status = new Set(compared.map((c) => c.status)).size > 1;
      // Cases with checks are compared row by row (free text carries host names); others by text.
      const observed = ran.every((c) => c.checks.length === 0) && observationsDiffer(ran, (c) => c.expected, (c) => normalizeObservation(c.observed));
      const keys = [...new Set(ran.flatMap((c) => c.checks.map((k) => k.key)))];
      const declaredKeys = ran.length < 2 ? [] : keys.filter((key) => expectationsDiffer(ran, key));
      const checkKeys = ran.length < 2 ? [] : keys.filter((key) => !declaredKeys.includes(key) && checkDiffers(ran, key));
      if (!status && !observed && checkKeys.length === 0 && declaredKeys.length === 0) continue;
      out.push({ row, source: group.source, columns: eligible.filter((i) => compared.includes(row.cells[i] as CaseResult)), status, observed, checkKeys, declaredKeys });
    }
  }
  return out;
}

/** The URL fragment of a case view: `#/case/<project>/<id>`, both parts URI-encoded. */
export function caseHash(project: string, id: string): string {
  return `#/case/${encodeURIComponent(project)}/${encodeURIComponent(id)}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const STATUS_LABELS: Record<Status, string> = {
  passed: 'passed',
  failed: 'failed',
  flaky: 'flaky',
  error: 'infrastructure error',
  skipped: 'skipped',
  'not-supported': 'not supported',
};

/** Where a column's cluster came from, in one line: `kind: kpc-iptables` or a kubeconfig path. */
export function clusterLabel(project: ProjectInfo): string {
  const c = project.cluster;
  if (c.source === 'kind') return `kind${c.name ? `: ${c.name}` : ''}`;
  return c.kubeconfig ? `kubeconfig: ${c.kubeconfig}` : `existing${c.name ? `: ${c.name}` : ''}`;
}
