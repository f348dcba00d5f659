/**
 * What changed between a baseline run and the current one, per (project, case): newly
 * failing, newly flaky, newly erroring, newly passing, other status changes, the same status
 * with different behaviour, cases added or removed, and negative controls whose verdict
 * changed. Pure: unit-tested on a real run (test/unit/report-changes.test.ts).
 *
 * Behaviour is compared row by row, by what a check says about the proxy (its verdict, whether
 * every judged attempt held, the roles it names: behaviourSignature()), and expectations after
 * normalizeObservation(): two nights run on freshly created clusters, so addresses, node and
 * pod names and timings differ even when nothing changed.
 */
import { CHANGE_KINDS, type CaseResult, type CellChange, type ChangeKind, type ChangesSection, type Check, type ControlResult, type ControlVerdict, type Results, type RowChange, type Status } from './model.ts';
import { behaviourFacts, behaviourSignature, normalizeObservation } from './view-model.ts';

const key = (project: string, id: string): string => `${project}\u0000${id}`;

/** A check's behaviour in words, from the same facts behaviourSignature() compares. */
export function describeBehaviour(k: Check): string {
  const { verdict, allHeld, roles } = behaviourFacts(k);
  const held = allHeld === false && k.samples ? ` (${k.samples.ok}/${k.samples.total} attempts held)` : '';
  return `${verdict}${held}${roles.length ? `: ${roles.join(', ')}` : ''}`;
}

/** Check rows that appeared, disappeared, expect something else or behave differently. */
export function rowChanges(before: Pick<CaseResult, 'checks' | 'expected' | 'observed'>, after: Pick<CaseResult, 'checks' | 'expected' | 'observed'>): RowChange[] {
  if (!before.checks.length && !after.checks.length) {
    // A case without check rows: its summary, without what differs between clusters.
    const b = normalizeObservation(`${before.expected} => ${before.observed}`);
    const a = normalizeObservation(`${after.expected} => ${after.observed}`);
    return a === b ? [] : [{ key: 'observed', before: before.observed, after: after.observed }];
  }
  const out: RowChange[] = [];
  const beforeRows = new Map(before.checks.map((k) => [k.key, k]));
  const afterRows = new Map(after.checks.map((k) => [k.key, k]));
  for (const k of new Set([...beforeRows.keys(), ...afterRows.keys()])) {
    const b = beforeRows.get(k);
    const a = afterRows.get(k);
    if (!b || !a) {
      out.push({ key: k, ...(b ? { before: describeBehaviour(b) } : {}), ...(a ? { after: describeBehaviour(a) } : {}) });
      continue;
    }
    const expectationChanged = normalizeObservation(b.expected) !== normalizeObservation(a.expected);
    if (expectationChanged) out.push({ key: k, before: `expected ${b.expected}; ${describeBehaviour(b)}`, after: `expected ${a.expected}; ${describeBehaviour(a)}` });
    else if (behaviourSignature(b) !== behaviourSignature(a)) out.push({ key: k, before: describeBehaviour(b), after: describeBehaviour(a) });
  }
  return out;
}

function statusChange(before: Status, after: Status): ChangeKind {
  switch (after) {
    case 'failed':
      return 'newly-failing';
    case 'flaky':
      return 'newly-flaky';
    case 'error':
      return 'newly-erroring';
    case 'passed':
      return 'newly-passing';
    default:
      return before === after ? 'observations-changed' : 'status-changed';
  }
}

const controlVerdict = (c: ControlResult): ControlVerdict => c.verdict ?? (c.caught ? 'caught' : 'missed');

function emptyCounts(): Record<ChangeKind, number> {
  return Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
}

/**
 * Compares `current` with `baseline`. Cells of negative-control columns (broken on purpose)
 * are left out; their controls are compared by verdict instead. A regression is a cell that is
 * newly failing (a proxy verdict) or a control the fault is no longer caught by (`missed`);
 * flaky cells, infrastructure errors and inconclusive controls are listed but are not
 * regressions: they say the run could not tell, not that the proxy got worse.
 */
export function computeChanges(baseline: Results, current: Results, file?: string): ChangesSection {
  const controlColumns = new Set([...baseline.projects, ...current.projects].filter((p) => p.control).map((p) => p.name));
  const before = new Map(baseline.cases.filter((c) => !controlColumns.has(c.project)).map((c) => [key(c.project, c.id), c]));
  const after = new Map(current.cases.filter((c) => !controlColumns.has(c.project)).map((c) => [key(c.project, c.id), c]));
  const changes: CellChange[] = [];
  const cell = (kind: ChangeKind, b: CaseResult | undefined, a: CaseResult | undefined, rows: RowChange[]): CellChange => {
    const c = (a ?? b) as CaseResult;
    return {
      kind,
      project: c.project,
      caseId: c.id,
      title: c.title,
      ...(b ? { before: b.status } : {}),
      ...(a ? { after: a.status } : {}),
      ...(b?.reason ? { beforeReason: b.reason } : {}),
      ...(a?.reason ? { afterReason: a.reason } : {}),
      rows,
      regression: kind === 'newly-failing',
    };
  };
  for (const [k, a] of after) {
    const b = before.get(k);
    if (!b) {
      changes.push(cell('added', undefined, a, []));
      continue;
    }
    const judged = (s: Status) => s === 'passed' || s === 'failed' || s === 'flaky';
    const rows = judged(a.status) && judged(b.status) ? rowChanges(b, a) : [];
    if (a.status !== b.status) changes.push(cell(statusChange(b.status, a.status), b, a, rows));
    else if (rows.length) changes.push(cell('observations-changed', b, a, rows));
  }
  for (const [k, b] of before) if (!after.has(k)) changes.push(cell('removed', b, undefined, []));

  const baseControls = new Map(baseline.controls.map((c) => [key(c.project, c.caseId), c]));
  for (const c of current.controls) {
    const b = baseControls.get(key(c.project, c.caseId));
    if (!b) continue;
    const was = controlVerdict(b);
    const now = controlVerdict(c);
    if (was === now || (was !== 'caught' && now !== 'caught')) continue;
    const title = current.cases.find((x) => x.project === c.project && x.id === c.caseId)?.title ?? c.description;
    changes.push({
      kind: now === 'caught' ? 'control-caught' : 'control-missed',
      project: c.project,
      caseId: c.caseId,
      title,
      before: b.actualStatus,
      after: c.actualStatus,
      beforeReason: `control ${was}${b.reason ? `: ${b.reason}` : ''}`,
      afterReason: `control ${now}${c.reason ? `: ${c.reason}` : ''}`,
      rows: [],
      regression: now === 'missed',
    });
  }

  const order = new Map(CHANGE_KINDS.map((k, i) => [k, i]));
  changes.sort((x, y) => (order.get(x.kind) ?? 0) - (order.get(y.kind) ?? 0) || x.caseId.localeCompare(y.caseId) || x.project.localeCompare(y.project));
  const counts = emptyCounts();
  for (const c of changes) counts[c.kind] += 1;
  return {
    baseline: { startedAt: baseline.run.startedAt, command: baseline.run.command, schemaVersion: baseline.schemaVersion, ...(file ? { file } : {}) },
    changes,
    counts,
    regressions: changes.filter((c) => c.regression).length,
  };
}

export const CHANGE_LABELS: Record<ChangeKind, string> = {
  'newly-failing': 'newly failing',
  'newly-flaky': 'newly flaky',
  'newly-erroring': 'newly infrastructure error',
  'newly-passing': 'newly passing',
  'status-changed': 'status changed',
  'observations-changed': 'behaviour changed',
  added: 'added',
  removed: 'removed',
  'control-missed': 'control no longer caught',
  'control-caught': 'control now caught',
};

/** One line: `changes since 2026-11-30 02:17 UTC: 1 newly failing (regression), 2 newly passing`. */
export function changesLine(section: ChangesSection): string {
  const when = section.baseline.startedAt.slice(0, 16).replace('T', ' ');
  const parts = CHANGE_KINDS.filter((k) => section.counts[k] > 0).map((k) => `${section.counts[k]} ${CHANGE_LABELS[k]}`);
  if (!parts.length) return `changes since ${when} UTC: none`;
  const reg = section.regressions ? ` (${section.regressions} regression${section.regressions === 1 ? '' : 's'})` : ' (no regression)';
  return `changes since ${when} UTC: ${parts.join(', ')}${reg}`;
}
