/**
 * The results data model (`out/report/results.json`). The HTML report and JUnit XML are views
 * of this; the harness writes it. Bump RESULTS_SCHEMA_VERSION on any change and describe it
 * in docs/results-schema.md. Pure types and tiny helpers only: no I/O here.
 */
export const RESULTS_SCHEMA_VERSION = '1.4.0';

/**
 * `failed` is a proxy verdict (a check did not hold); `error` is a failure of the harness or its
 * environment (docker, the reaper, the API server, a workload that never became ready): it says
 * nothing about the proxy and is never counted as a verdict or as a caught control. `flaky`
 * (since 1.3.0, only with `--repeat N`): the runs of the cell reached different proxy verdicts
 * (some passed, some failed); never counted as passed.
 */
export const STATUSES = ['passed', 'failed', 'flaky', 'error', 'skipped', 'not-supported'] as const;
export type Status = (typeof STATUSES)[number];

/** Where a case comes from: a tutorial, blog post or doc page. */
export interface CaseSource {
  title: string;
  url: string;
}

/** One TCP/UDP packet decoded from a capture. Times are seconds since the epoch. */
export interface PacketRow {
  time: number;
  iface?: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'other';
  src: string;
  srcPort?: number;
  dst: string;
  dstPort?: number;
  /** TCP flags as tcpdump prints them: S, S., P., F., R, . */
  flags?: string;
  length: number;
}

export type EvidenceKind = 'echo' | 'pcap' | 'packets' | 'rules' | 'rules-diff' | 'log' | 'json' | 'text';

/**
 * A piece of evidence. `path` is relative to the report directory (e.g.
 * `evidence/iptables/source-ip__nodeport-cluster-snat/worker.pcap`); `text` holds small
 * textual evidence inline (echo bodies, rule excerpts, diffs). Everything in here may come
 * from the network and must be escaped by any renderer.
 */
export interface Evidence {
  kind: EvidenceKind;
  name: string;
  /** Which step produced it (matches Step.title). */
  step?: string;
  contentType: string;
  path?: string;
  text?: string;
  packets?: PacketRow[];
}

/** One expected-vs-observed comparison, e.g. "pod on other node -> ClusterIP". */
export interface Check {
  /** Human readable "source -> destination" key, stable across modes so views can align rows. */
  key: string;
  expected: string;
  /** What the application (echo server) reported. */
  observedEcho?: string;
  /** What the wire (capture at the endpoint) showed. */
  observedWire?: string;
  /** ok: both agree with the expectation; mismatch: observation differs from expectation;
   *  disagree: echo and wire tell different stories (its own failure). */
  verdict: 'ok' | 'mismatch' | 'disagree' | 'skipped';
  note?: string;
  /** The judged attempts after convergence and how many held ("5/5"). */
  samples?: { total: number; ok: number };
  /** Which endpoint (pod) answered, with counts. */
  servedBy?: Record<string, number>;
  /**
   * True for a row whose verdict does not depend on the Service proxy (a DNS record, an
   * EndpointSlice, TLS verification): shown marked, so it does not read as proxy conformance.
   */
  proxyIndependent?: boolean;
}

export interface Step {
  title: string;
  durationMs: number;
  error?: string;
}

export interface CaseResult {
  /** Stable id, e.g. `source-ip/nodeport-cluster-snat`. The part before `/` is the group. */
  id: string;
  title: string;
  /** The tutorial or post the case comes from; rows in the matrix are grouped by it. */
  source: CaseSource;
  /** Playwright project (column): a proxy mode or implementation, e.g. `iptables`. */
  project: string;
  proxyMode: string;
  status: Status;
  /** Why skipped / not supported / failed, in one line. */
  reason?: string;
  /** Summary of the expectation in words. */
  expected: string;
  /** Summary of what was observed in words. */
  observed: string;
  checks: Check[];
  steps: Step[];
  evidence: Evidence[];
  durationMs: number;
  /** Number of attempts Playwright made (retries + 1). */
  attempts?: number;
  /**
   * Labels from the case definition, e.g. `control-plane` for a case whose verdict does not
   * depend on the Service proxy (DNS records, env vars, EndpointSlice conditions).
   */
  tags?: string[];
  /**
   * Every run of a repeated case (`--repeat N`, since 1.3.0), in order. The checks, steps and
   * evidence above are those of run `shownRun` (the first failed run of a flaky cell).
   */
  runs?: RunOutcome[];
  /** 1-based index into `runs` of the run whose details are shown (since 1.3.0). */
  shownRun?: number;
}

/** One run of a repeated case (since 1.3.0). */
export interface RunOutcome {
  /** 1-based. */
  run: number;
  status: Exclude<Status, 'flaky'>;
  reason?: string;
  durationMs: number;
  /** Keys of the checks that mismatched or disagreed in this run. */
  failedRows: string[];
  /** This run's evidence files, relative to the report directory. */
  evidenceDir?: string;
}

export interface ProjectInfo {
  name: string;
  proxyMode: string;
  /** `kube-proxy` or the name of a replacement under test. */
  implementation: string;
  lbProvider: 'metallb' | 'cloud-provider-kind' | 'none' | string;
  cluster: { source: 'kind' | 'existing'; name?: string; kubeconfig?: string; nodeImage?: string };
  /**
   * How node-side probes (captures, rule dumps, node curl, the proxy-mode read) reached the
   * nodes: `docker` (docker exec into kind node containers) or `pod` (a pod per node through
   * the Kubernetes API). Absent before 1.3.0 and when the column never reached a cluster.
   */
  nodeAccess?: 'docker' | 'pod' | string;
  /**
   * What the column's running kube-proxy pods report (`kube-proxy --version`, e.g. `v1.34.4`),
   * when they all agree and could be asked (since 1.4.0).
   */
  kubeProxyVersion?: string;
  /**
   * A version column: the kube-proxy release it runs in place of the cluster's own
   * (`npm run conformance -- --kube-proxy-version v1.33.13`; since 1.4.0).
   */
  kubeProxyRelease?: string;
  /** A negative control: a deliberately broken configuration the suite must catch. */
  control?: { description: string; mustFail: string[] };
  /** Set when the whole project could not run here (e.g. ipvs without kernel support). */
  skippedReason?: string;
}

/**
 * A control's outcome. `caught`: a declared check row turned `mismatch`; `missed`: the case
 * passed, or only other rows failed; `inconclusive`: no proxy verdict (an infrastructure or
 * setup error, a skip, echo and wire disagreeing on the declared row, or the case already
 * failing without the fault). Missed and inconclusive both fail the run.
 */
export const CONTROL_VERDICTS = ['caught', 'missed', 'inconclusive'] as const;
export type ControlVerdict = (typeof CONTROL_VERDICTS)[number];

export interface ControlResult {
  project: string;
  caseId: string;
  description: string;
  expectedStatus: 'failed';
  actualStatus: Status;
  /** True only when verdict is `caught`. */
  caught: boolean;
  /** Since 1.2.0. */
  verdict?: ControlVerdict;
  /** Check rows that must turn `mismatch`: substrings of check keys, or `/regex/` (since 1.2.0). */
  rows?: string[];
  /** The deviation the fault must show, in words (since 1.2.0). */
  deviation?: string;
  /** Keys of the checks that matched a declared row and mismatched (since 1.2.0). */
  matchedRows?: string[];
  /** Why this verdict, in one line (since 1.2.0). */
  reason?: string;
}

/** One case's outcome in one fault run (a cell of the detection table). */
export interface FaultCaseCell {
  caseId: string;
  status: Status;
  reason?: string;
  /** Keys of the checks that mismatched or disagreed. */
  failedRows: string[];
}

/** One fault against one mode: the whole catalogue ran with the broken kube-proxy. */
export interface FaultRun {
  fault: string;
  mode: string;
  /** The kube-proxy image under test (kpc.local/kube-proxy-fault:<name>-<hash>). */
  image?: string;
  /** caught: every declared catch caught it; missed: a declared case did not; inconclusive: no verdict. */
  verdict: ControlVerdict;
  reason: string;
  /** The declared catches, judged like negative controls. */
  controls: ControlResult[];
  /** Cases that failed with a proxy verdict (declared or not). */
  caughtBy: string[];
  cases: FaultCaseCell[];
  durationMs: number;
  /** This run's own report, relative to the main report directory (e.g. faults/<fault>-<mode>/index.html). */
  report?: string;
}

export interface FaultInfo {
  name: string;
  family: string;
  description: string;
  modes: string[];
  /** Path of the patch in the repository. */
  patch: string;
  catches: { case: string; rows: string[]; deviation: string }[];
}

/** The fault catalogue's detection table (since 1.2.0): `npm run conformance -- --faults`. */
export interface FaultsSection {
  command: string;
  startedAt: string;
  durationMs: number;
  modes: string[];
  /**
   * `all` (default when absent): each fault ran the whole catalogue; `declared`: each fault ran
   * only the cases that declare they catch it (the CI subset, docs/fault-catalogue.md).
   */
  scope?: 'all' | 'declared';
  faults: FaultInfo[];
  /** Unpatched kube-proxy on the same clusters, same catalogue: a case must pass here to count. */
  baselines: { mode: string; report?: string; cases: FaultCaseCell[] }[];
  runs: FaultRun[];
  /** Per mode: faults caught / faults run. */
  score: { mode: string; caught: number; total: number }[];
  /** Faults a declared case did not catch, faults no case caught, inconclusive runs. */
  gaps: { fault: string; mode: string; kind: 'missed' | 'uncaught' | 'inconclusive'; detail: string }[];
}

export interface RunInfo {
  startedAt: string;
  durationMs: number;
  kindVersion?: string;
  kubernetesVersion?: string;
  nodeImage?: string;
  host: { os: string; kernel: string; cpus: number; memoryGiB: number };
  command: string;
  /** Runs per case (`--repeat N`, since 1.3.0); absent means 1. */
  repeat?: number;
}

/**
 * How a (project, case) cell changed since the baseline run (since 1.3.0):
 * `newly-failing` (a proxy verdict failed where the baseline did not fail: a regression),
 * `newly-flaky`, `newly-erroring` (an infrastructure error, no verdict), `newly-passing`,
 * `status-changed` (any other status change, e.g. to skipped), `observations-changed` (same
 * status, but a check row's verdict or behaviour differs), `added` / `removed` (the case is in
 * only one of the two runs), `control-missed` / `control-caught` (a negative control's verdict
 * changed).
 */
export const CHANGE_KINDS = ['newly-failing', 'newly-flaky', 'newly-erroring', 'newly-passing', 'status-changed', 'observations-changed', 'added', 'removed', 'control-missed', 'control-caught'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface RowChange {
  key: string;
  /** The row's behaviour in words (verdict, all attempts held, roles), absent where the row is missing. */
  before?: string;
  after?: string;
}

export interface CellChange {
  kind: ChangeKind;
  project: string;
  caseId: string;
  title: string;
  before?: Status;
  after?: Status;
  beforeReason?: string;
  afterReason?: string;
  /** Check rows that appeared, disappeared or behave differently. */
  rows: RowChange[];
  /** Counted by `--fail-on regressions`. */
  regression: boolean;
}

/** The comparison with a baseline run (`--baseline`, since 1.3.0). */
export interface ChangesSection {
  baseline: { startedAt: string; command: string; schemaVersion: string; file?: string };
  changes: CellChange[];
  counts: Record<ChangeKind, number>;
  regressions: number;
}

export interface Results {
  schemaVersion: string;
  tool: { name: string; version: string };
  run: RunInfo;
  projects: ProjectInfo[];
  cases: CaseResult[];
  controls: ControlResult[];
  totals: Record<Status, number>;
  /** The fault catalogue's detection table, when the run included `--faults` (since 1.2.0). */
  faults?: FaultsSection;
  /** What changed since a baseline run, when the run was given `--baseline` (since 1.3.0). */
  changes?: ChangesSection;
  /** Docs pages replayed step by step, the docs' output beside ours (`npm run tutorial`, since 1.3.0). */
  tutorials?: TutorialsSection;
}

/**
 * A step's verdict: `agrees` (every must-agree point held), `differs` (one did not, or the
 * output differs in a way the page does not allow), `error` (the harness or the cluster failed
 * before the step could be compared: no verdict), `skipped` (an earlier step failed).
 */
export const TUTORIAL_VERDICTS = ['agrees', 'differs', 'error', 'skipped'] as const;
export type TutorialVerdict = (typeof TUTORIAL_VERDICTS)[number];

/** One step of a replayed docs page (since 1.3.0). */
export interface TutorialStepResult {
  /** Stable within the page, e.g. `expose-clusterip`. */
  id: string;
  /** The page's section heading the step comes from. */
  section: string;
  /** Link to the section (the page URL with its anchor). */
  sourceUrl: string;
  /** The docs' command, as the page shows it. */
  command: string;
  /** The command as we ran it (our names, addresses, images), when it differs from the docs'. */
  ran?: string;
  /** The output the page prints (short: only what the comparison needs). */
  docsOutput: string;
  /** What our cluster printed for the same command. */
  ourOutput: string;
  /** What must agree between the two, in words. */
  mustAgree: string[];
  /** What may differ (addresses, names, ages), in words. */
  mayDiffer: string[];
  verdict: TutorialVerdict;
  /** Why this verdict, in one or a few lines. */
  reason: string;
  /** A difference the page itself explains or that is expected on this column (e.g. the page shows iptables mode). */
  documented?: string;
  /** Case ids that cover the same behaviour (links into the matrix). */
  cases: string[];
  /** Evidence files of this step (echo output, captures), as in a case. */
  evidence: Evidence[];
  durationMs: number;
}

/** One replay of one page on one column (since 1.3.0). */
export interface TutorialRun {
  /** Page id, e.g. `using-source-ip` (`npm run tutorial -- <page>`). */
  page: string;
  title: string;
  url: string;
  /** The column (project) it ran on, as in `projects`. */
  project: string;
  proxyMode: string;
  startedAt: string;
  durationMs: number;
  /** `agrees` when every step agrees (documented differences allowed); else the worst step verdict. */
  verdict: TutorialVerdict;
  /** Set when the replay stopped early (harness or cluster failure). */
  error?: string;
  steps: TutorialStepResult[];
}

export interface TutorialsSection {
  /** The command of the latest replay. */
  command: string;
  /** One per (page, project); a new replay of a page on a column replaces the old one. */
  runs: TutorialRun[];
}

export function groupOf(caseId: string): string {
  const i = caseId.indexOf('/');
  return i < 0 ? caseId : caseId.slice(0, i);
}

export function countStatuses(cases: readonly Pick<CaseResult, 'status'>[]): Record<Status, number> {
  const totals: Record<Status, number> = { passed: 0, failed: 0, flaky: 0, error: 0, skipped: 0, 'not-supported': 0 };
  for (const c of cases) totals[c.status] += 1;
  return totals;
}
