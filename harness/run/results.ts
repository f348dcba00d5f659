/** Builds the versioned Results document from what the runner saw. Pure: unit-tested. */
import os from 'node:os';
import { countStatuses, RESULTS_SCHEMA_VERSION, type CaseResult, type ControlResult, type ProjectInfo, type Results, type Status } from '../../reports/model.ts';
import type { CasePayload } from './recorder.ts';
import { controlDecls, judgeControl } from '../faults/detection.ts';
import { proxyModeOf, type ProjectSpec } from './projects.ts';
import { groupRepeats } from './repeats.ts';
import { findingReason, matchingFinding } from './findings.ts';

/** One finished Playwright test, reduced to what the results need. */
export interface FinishedTest {
  title: string;
  project: string;
  /** Playwright's status for the last attempt. */
  pwStatus: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  /** Playwright's expected status ('failed' for a negative control). */
  expectedStatus: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  errorMessage?: string;
  skipReason?: string;
  notSupported?: string;
  durationMs: number;
  attempts: number;
  /** Which run of the case this is with `--repeat N` (Playwright's repeatEachIndex, 0-based). */
  repeatIndex?: number;
  payload?: CasePayload;
}

/** Facts a worker learnt about its cluster (written by the provisioning fixture). */
export interface ProjectRuntime {
  project: string;
  proxyMode?: string;
  /** The implementation's readable name (recognised at run time on an existing cluster). */
  implementation?: string;
  cluster?: ProjectInfo['cluster'];
  lbProvider?: string;
  kubernetesVersion?: string;
  /** What the running kube-proxy pods report (`kube-proxy --version`). */
  kubeProxyVersion?: string;
  kindVersion?: string;
  nodeImage?: string;
  /** docker or pod (harness/probes/node-access.ts). */
  nodeAccess?: ProjectInfo['nodeAccess'];
  unavailable?: string;
}

/**
 * The case's own outcome, with no negative-control logic (controls are judged separately from
 * these). `failed` is kept for proxy verdicts: a failure without a verdict payload (a fixture
 * that could not provision, a time-out, an exception before any check) is an `error`.
 */
export function statusOf(t: FinishedTest): { status: Status; reason?: string } {
  if (t.notSupported) return { status: 'not-supported', reason: t.notSupported };
  switch (t.pwStatus) {
    case 'passed':
      return { status: 'passed' };
    case 'skipped':
      return { status: 'skipped', reason: t.skipReason ?? 'skipped' };
    case 'interrupted':
      return { status: 'skipped', reason: 'interrupted before it finished' };
    case 'timedOut':
      return { status: 'error', reason: `timed out (no proxy verdict)${t.errorMessage ? `: ${firstLine(t.errorMessage)}` : ''}` };
    default:
      if (t.payload?.failureKind === 'verdict') return { status: 'failed', reason: firstLine(t.errorMessage) ?? 'a check did not hold' };
      return { status: 'error', reason: firstLine(t.errorMessage) ?? 'the harness failed before any verdict' };
  }
}

function firstLine(s: string | undefined): string | undefined {
  if (!s) return undefined;
  // Playwright error messages carry ANSI colours.
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/\u001b\[[0-9;]*m/g, '').trim();
  return clean.split('\n')[0]?.slice(0, 500);
}

export function toCaseResult(t: FinishedTest, spec: ProjectSpec | undefined, runtime: ProjectRuntime | undefined): CaseResult {
  const { status, reason: own } = statusOf(t);
  const p = t.payload;
  // A failure that is exactly a written-up finding of this implementation stays failed; its reason names the finding.
  const finding = spec && spec.implementation !== 'detect' ? matchingFinding({ id: p?.id ?? t.title, status, checks: p?.checks ?? [] }, spec.implementation.findings) : undefined;
  const reason = finding ? findingReason(finding, own) : own;
  return {
    id: p?.id ?? t.title,
    title: p?.title ?? t.title,
    source: p?.source ?? { title: 'unknown', url: '' },
    project: t.project,
    proxyMode: runtime?.proxyMode ?? p?.proxyMode ?? (spec ? proxyModeOf(spec) : 'unknown'),
    status,
    ...(reason ? { reason } : {}),
    expected: p?.expected ?? '',
    observed: p?.observed ?? (t.errorMessage ? firstLine(t.errorMessage) ?? '' : ''),
    checks: p?.checks ?? [],
    steps: p?.steps ?? [],
    evidence: p?.evidence ?? [],
    durationMs: t.durationMs,
    attempts: t.attempts,
    ...(p?.tags?.length ? { tags: p.tags } : {}),
  };
}

export function buildResults(input: {
  tests: FinishedTest[];
  specs: ProjectSpec[];
  runtimes: ProjectRuntime[];
  startedAt: Date;
  durationMs: number;
  command: string;
  toolVersion: string;
  /** Runs per case (`--repeat N`); the runs of one cell are combined (harness/run/repeats.ts). */
  repeat?: number;
}): Results {
  const runtimeOf = new Map(input.runtimes.map((r) => [r.project, r]));
  const specOf = new Map(input.specs.map((s) => [s.name, s]));
  const cases = groupRepeats(input.tests.map((t) => ({ cell: toCaseResult(t, specOf.get(t.project), runtimeOf.get(t.project)), run: t.repeatIndex ?? 0 })))
    .sort((a, b) => a.id.localeCompare(b.id) || a.project.localeCompare(b.project));
  const projects: ProjectInfo[] = input.specs.map((s) => {
    const rt = runtimeOf.get(s.name);
    return {
      name: s.name,
      proxyMode: rt?.proxyMode ?? proxyModeOf(s),
      implementation: rt?.implementation ?? (s.implementation === 'detect' ? 'recognised at run time' : s.implementation.title),
      lbProvider: rt?.lbProvider ?? s.lbProvider,
      cluster: rt?.cluster ?? { source: 'kind' },
      ...(rt?.nodeAccess ? { nodeAccess: rt.nodeAccess } : {}),
      ...(rt?.kubeProxyVersion ? { kubeProxyVersion: rt.kubeProxyVersion } : {}),
      ...(s.implementation !== 'detect' && s.implementation.kubeProxyRelease ? { kubeProxyRelease: s.implementation.kubeProxyRelease } : {}),
      ...(s.control ? { control: { description: s.control.description, mustFail: [...s.control.mustFail] } } : {}),
      ...(rt?.unavailable ? { skippedReason: rt.unavailable } : {}),
    };
  });
  const controls: ControlResult[] = [];
  for (const s of input.specs) {
    // caught / missed / inconclusive from the declared rows: harness/faults/detection.ts
    for (const decl of controlDecls(s.control)) {
      const c = cases.find((x) => x.project === s.name && x.id === decl.caseId);
      controls.push(judgeControl(s.name, s.control?.description ?? '', decl, c));
    }
  }
  const first = input.runtimes.find((r) => r.kubernetesVersion);
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'service-proxy-conformance', version: input.toolVersion },
    run: {
      startedAt: input.startedAt.toISOString(),
      durationMs: input.durationMs,
      kindVersion: input.runtimes.find((r) => r.kindVersion)?.kindVersion,
      kubernetesVersion: first?.kubernetesVersion,
      nodeImage: input.runtimes.find((r) => r.nodeImage)?.nodeImage,
      host: { os: `${os.type()} ${os.release()}`, kernel: os.release(), cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
      command: input.command,
      ...(input.repeat && input.repeat > 1 ? { repeat: input.repeat } : {}),
    },
    projects,
    cases,
    controls,
    totals: countStatuses(cases),
  };
}
