/**
 * Runtime validation of a results.json before anything renders it: the schema version, then
 * the shape of every field the writers read. Unknown fields are allowed (a newer minor version
 * may add some). Errors name the path, e.g. `cases[3].status`.
 */
import { CHANGE_KINDS, CONTROL_VERDICTS, countStatuses, RESULTS_SCHEMA_VERSION, STATUSES, TUTORIAL_VERDICTS, type Results } from './model.ts';

export type Validation =
  | { ok: true; results: Results; warnings: string[] }
  | { ok: false; errors: string[]; warnings: string[] };

type Check = (value: unknown, path: string, errors: string[]) => void;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

const str: Check = (v, path, errors) => {
  if (typeof v !== 'string') errors.push(`${path}: expected a string, got ${describe(v)}`);
};
const num: Check = (v, path, errors) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) errors.push(`${path}: expected a number, got ${describe(v)}`);
};
const bool: Check = (v, path, errors) => {
  if (typeof v !== 'boolean') errors.push(`${path}: expected true or false, got ${describe(v)}`);
};
const oneOf =
  (values: readonly string[]): Check =>
  (v, path, errors) => {
    if (typeof v !== 'string' || !values.includes(v)) errors.push(`${path}: expected one of ${values.join(' | ')}, got ${describe(v)}`);
  };
const arrayOf =
  (item: Check): Check =>
  (v, path, errors) => {
    if (!Array.isArray(v)) return void errors.push(`${path}: expected an array, got ${describe(v)}`);
    v.forEach((x, i) => item(x, `${path}[${i}]`, errors));
  };
const object =
  (required: Record<string, Check>, optional: Record<string, Check> = {}): Check =>
  (v, path, errors) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return void errors.push(`${path}: expected an object, got ${describe(v)}`);
    const o = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(required)) {
      if (o[key] === undefined) errors.push(`${path}.${key}: missing`);
      else check(o[key], `${path}.${key}`, errors);
    }
    for (const [key, check] of Object.entries(optional)) if (o[key] !== undefined) check(o[key], `${path}.${key}`, errors);
  };

const status = oneOf(STATUSES);

const packetRow = object(
  { time: num, proto: oneOf(['tcp', 'udp', 'icmp', 'other']), src: str, dst: str, length: num },
  { iface: str, srcPort: num, dstPort: num, flags: str },
);

const evidence = object(
  { kind: oneOf(['echo', 'pcap', 'packets', 'rules', 'rules-diff', 'log', 'json', 'text']), name: str, contentType: str },
  { step: str, path: str, text: str, packets: arrayOf(packetRow) },
);

const check = object(
  { key: str, expected: str, verdict: oneOf(['ok', 'mismatch', 'disagree', 'skipped']) },
  { observedEcho: str, observedWire: str, note: str, samples: object({ total: num, ok: num }), proxyIndependent: bool },
);

const runOutcome = object({ run: num, status: oneOf(STATUSES.filter((s) => s !== 'flaky')), durationMs: num, failedRows: arrayOf(str) }, { reason: str, evidenceDir: str });

const caseResult = object(
  {
    id: str,
    title: str,
    source: object({ title: str, url: str }),
    project: str,
    proxyMode: str,
    status,
    expected: str,
    observed: str,
    checks: arrayOf(check),
    steps: arrayOf(object({ title: str, durationMs: num }, { error: str })),
    evidence: arrayOf(evidence),
    durationMs: num,
  },
  // 1.3.0: the runs of a repeated case.
  { reason: str, attempts: num, tags: arrayOf(str), runs: arrayOf(runOutcome), shownRun: num },
);

const projectInfo = object(
  {
    name: str,
    proxyMode: str,
    implementation: str,
    lbProvider: str,
    cluster: object({ source: oneOf(['kind', 'existing']) }, { name: str, kubeconfig: str, nodeImage: str }),
  },
  // 1.3.0: nodeAccess (docker | pod, other strings tolerated); 1.4.0: kubeProxyVersion, kubeProxyRelease.
  { control: object({ description: str, mustFail: arrayOf(str) }), skippedReason: str, nodeAccess: str, kubeProxyVersion: str, kubeProxyRelease: str },
);

const controlVerdict = oneOf(CONTROL_VERDICTS);

const controlResult = object(
  {
    project: str,
    caseId: str,
    description: str,
    expectedStatus: oneOf(['failed']),
    actualStatus: status,
    caught: bool,
  },
  // 1.2.0: how the control was judged.
  { verdict: controlVerdict, rows: arrayOf(str), deviation: str, matchedRows: arrayOf(str), reason: str },
);

const faultCell = object({ caseId: str, status, failedRows: arrayOf(str) }, { reason: str });

const faultsSection = object({
  command: str,
  startedAt: str,
  durationMs: num,
  modes: arrayOf(str),
  faults: arrayOf(
    object({ name: str, family: str, description: str, modes: arrayOf(str), patch: str, catches: arrayOf(object({ case: str, rows: arrayOf(str), deviation: str })) }),
  ),
  baselines: arrayOf(object({ mode: str, cases: arrayOf(faultCell) }, { report: str })),
  runs: arrayOf(
    object(
      { fault: str, mode: str, verdict: controlVerdict, reason: str, controls: arrayOf(controlResult), caughtBy: arrayOf(str), cases: arrayOf(faultCell), durationMs: num },
      { image: str, report: str },
    ),
  ),
  score: arrayOf(object({ mode: str, caught: num, total: num })),
  gaps: arrayOf(object({ fault: str, mode: str, kind: oneOf(['missed', 'uncaught', 'inconclusive']), detail: str })),
});

const changesSection = object({
  baseline: object({ startedAt: str, command: str, schemaVersion: str }, { file: str }),
  changes: arrayOf(
    object(
      { kind: oneOf(CHANGE_KINDS), project: str, caseId: str, title: str, rows: arrayOf(object({ key: str }, { before: str, after: str })), regression: bool },
      { before: status, after: status, beforeReason: str, afterReason: str },
    ),
  ),
  counts: object({}),
  regressions: num,
});

const tutorialVerdict = oneOf(TUTORIAL_VERDICTS);

const tutorialStep = object(
  {
    id: str,
    section: str,
    sourceUrl: str,
    command: str,
    docsOutput: str,
    ourOutput: str,
    mustAgree: arrayOf(str),
    mayDiffer: arrayOf(str),
    verdict: tutorialVerdict,
    reason: str,
    cases: arrayOf(str),
    evidence: arrayOf(evidence),
    durationMs: num,
  },
  { ran: str, documented: str },
);

const tutorialsSection = object({
  command: str,
  runs: arrayOf(
    object(
      { page: str, title: str, url: str, project: str, proxyMode: str, startedAt: str, durationMs: num, verdict: tutorialVerdict, steps: arrayOf(tutorialStep) },
      { error: str },
    ),
  ),
});

const resultsShape = object(
  {
  schemaVersion: str,
  tool: object({ name: str, version: str }),
  run: object(
    {
      startedAt: str,
      durationMs: num,
      host: object({ os: str, kernel: str, cpus: num, memoryGiB: num }),
      command: str,
    },
    { kindVersion: str, kubernetesVersion: str, nodeImage: str, repeat: num },
  ),
  projects: arrayOf(projectInfo),
  cases: arrayOf(caseResult),
  controls: arrayOf(controlResult),
  // `error` arrived in 1.1.0, `flaky` in 1.3.0: older files have no such count.
  totals: object(Object.fromEntries(STATUSES.filter((s) => s !== 'error' && s !== 'flaky').map((s) => [s, num])), { error: num, flaky: num }),
  },
  // 1.2.0: the fault catalogue's detection table; 1.3.0: the comparison with a baseline, replayed tutorials.
  { faults: faultsSection, changes: changesSection, tutorials: tutorialsSection },
);

const MAX_ERRORS = 50;

/** Checks the version first: another major version is refused before the shape is looked at. */
export function validateResults(data: unknown): Validation {
  const warnings: string[] = [];
  const errors: string[] = [];
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  const [major, minor] = RESULTS_SCHEMA_VERSION.split('.').map(Number);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, errors: [`expected a results object, got ${describe(data)}`], warnings };
  }
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) {
    return { ok: false, errors: [`schemaVersion: expected a version like "${RESULTS_SCHEMA_VERSION}", got ${describe(version)}`], warnings };
  }
  const [fileMajor, fileMinor] = version.split('.').map(Number);
  if (fileMajor !== major) {
    return { ok: false, errors: [`schemaVersion: ${version} is not readable by this reporter (reads ${major}.x, written as ${RESULTS_SCHEMA_VERSION})`], warnings };
  }
  if ((fileMinor ?? 0) > (minor ?? 0)) warnings.push(`schemaVersion ${version} is newer than ${RESULTS_SCHEMA_VERSION}; fields this reporter does not know are ignored`);

  resultsShape(data, 'results', errors);
  if (errors.length) {
    const shown = errors.slice(0, MAX_ERRORS);
    if (errors.length > MAX_ERRORS) shown.push(`... and ${errors.length - MAX_ERRORS} more`);
    return { ok: false, errors: shown, warnings };
  }

  const results = data as Results;
  const seen = new Set<string>();
  for (const [i, c] of results.cases.entries()) {
    const key = `${c.project}\u0000${c.id}`;
    if (seen.has(key)) errors.push(`cases[${i}]: a second result for ${c.id} in project ${c.project}`);
    seen.add(key);
  }
  if (errors.length) return { ok: false, errors, warnings };

  const projects = new Set(results.projects.map((p) => p.name));
  const unlisted = [...new Set(results.cases.map((c) => c.project).filter((p) => !projects.has(p)))];
  if (unlisted.length) warnings.push(`cases name projects missing from projects[]: ${unlisted.join(', ')}`);
  const counted = countStatuses(results.cases);
  results.totals.error ??= 0;
  results.totals.flaky ??= 0;
  if (STATUSES.some((s) => counted[s] !== results.totals[s])) {
    warnings.push(`totals ${JSON.stringify(results.totals)} do not match the cases ${JSON.stringify(counted)}; the report shows the counted values`);
  }
  return { ok: true, results, warnings };
}
