/**
 * Load distribution, from the kuard blog post: 5 kuard replicas behind one ClusterIP, N
 * requests from one client pod in ONE exec (a shell loop, a fresh curl and so a fresh
 * connection per request), counted by the pod that answered. The probe collects; the cases
 * judge (every replica served, chi-square uniformity, rule shape, DNAT on the wire).
 */
import type { PacketRow } from '../../reports/model.ts';
import { deployApp, type DeployedApp } from './deploy.ts';
import { formatPacketRow, isSyn } from '../probes/pcap.ts';
import type { CaseContext } from '../run/fixtures.ts';
import type { Runner } from '../probes/runners.ts';
import { pool } from '../judge/scenarios.ts';
import { CONSECUTIVE_SUCCESSES, TIMEOUTS } from '../timeouts.ts';
import { convergeThenSample } from '../judge/sample.ts';
import { deployment } from './workloads.ts';

export const KUARD = {
  name: 'kuard',
  labels: { app: 'kuard' },
  selector: 'app=kuard',
  replicas: 5,
  port: 8080,
  servicePort: 80,
  readinessPath: '/ready',
  /**
   * kuard (ours and the public image) serves its environment as one line of JSON here; the
   * Deployment injects POD_NAME through the downward API, so the answer names its pod.
   */
  whoPath: '/env/api',
} as const;

/**
 * Request counts and the test level. all-endpoints-serve: P(some replica gets none of N) <=
 * 5*(4/5)^N, ~1e-9 at N=100. uniform: chi-square with 4 degrees of freedom at alpha = 1e-5,
 * the false-failure probability of a proxy that is in fact uniform.
 */
export const DISTRIBUTION = {
  /** Per source (a pod on every node, every node): P(a replica gets none) <= 5*(4/5)^60 = 7.7e-6. */
  allServePerSource: 60,
  uniformRequests: 500,
  alpha: 1e-5,
  /** Requests made while capturing the SYN before and after DNAT (rules-shape). */
  captureRequests: 10,
} as const;

/** The kuard Deployment (5 replicas spread over the nodes) and its ClusterIP Service 80 -> 8080. */
export async function deployKuard(ctx: CaseContext, replicas: number = KUARD.replicas): Promise<DeployedApp> {
  const dep = deployment({
    ns: ctx.ns,
    name: KUARD.name,
    image: ctx.images.kuard,
    replicas,
    port: KUARD.port,
    labels: { ...KUARD.labels },
    spread: true,
    extra: { readinessPath: KUARD.readinessPath },
  });
  return deployApp(ctx, dep, KUARD.selector, replicas, { name: KUARD.name, selector: { ...KUARD.labels }, ports: [{ port: KUARD.servicePort, targetPort: KUARD.port }] });
}

export interface SpreadEvidence {
  from: string;
  url: string;
  sent: number;
  /** Answers per pod name (only pods that answered). */
  counts: Record<string, number>;
  /** Requests that did not answer with a pod name: index and curl exit. */
  failures: { i: number; exitCode: number }[];
  durationMs: number;
  /** The loop's output, one line per request: `<i> <curl exit> <pod name or ->`. */
  raw: string;
  /**
   * The single requests made before counting, until consecutive ones were answered by a replica
   * (`converged`), or until the budget ran out: then the count is still made and judged, so a
   * Service that never answers is the proxy's failure, shown, not an error of the harness.
   */
  convergence: { converged: boolean; elapsedMs: number; attempts: string[] };
}

/**
 * One exec, `n` requests: each a new curl process (new source port, new connection, new
 * load-balancing decision). The pod name is cut out of the JSON with shell parameter
 * expansion, so a request costs one fork.
 */
export function spreadScript(url: string, n: number, maxTimeSec: number): string {
  return [
    'i=0',
    `while [ "$i" -lt ${n} ]; do`,
    '  i=$((i+1))',
    `  out=$(curl -sS --connect-timeout ${maxTimeSec} --max-time ${maxTimeSec} '${url}' 2>/dev/null); rc=$?`,
    `  case "$out" in *'"POD_NAME":"'*) p=\${out#*'"POD_NAME":"'}; p=\${p%%'"'*};; *) p=-;; esac`,
    '  echo "$i $rc $p"',
    'done',
    // The end line: without it the output was cut short on its way back (not the proxy's doing).
    'echo "end $i"',
  ].join('\n');
}

/** How long one exec of `n` counted requests may take: the flat loop budget, or 1.5 s a request + 30 s when that is more. */
export function spreadLoopBudgetMs(n: number): number {
  return Math.max(TIMEOUTS.requestLoop, n * 1_500 + 30_000);
}

/** Whether a request loop's output reached its end line after `n` requests. */
export function loopEnded(raw: string, n: number): boolean {
  return new RegExp(`^end ${n}$`, 'm').test(raw);
}

export function parseSpread(raw: string): Pick<SpreadEvidence, 'counts' | 'failures'> {
  const counts: Record<string, number> = {};
  const failures: SpreadEvidence['failures'] = [];
  for (const line of raw.split('\n')) {
    const m = /^(\d+) (\d+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, i, rc, pod] = m;
    if (rc === '0' && pod && pod !== '-') counts[pod] = (counts[pod] ?? 0) + 1;
    else failures.push({ i: Number(i), exitCode: Number(rc) });
  }
  return { counts, failures };
}

export async function requestSpread(from: Runner, url: string, n: number): Promise<SpreadEvidence> {
  // The proxy may still be programming a Service whose endpoints just became ready: wait for
  // consecutive answers from a replica before counting, so the count measures balance only.
  const t0 = Date.now();
  const tries: string[] = [];
  const c = await convergeThenSample(
    async () => {
      const out = (await from.run(['sh', '-c', spreadScript(url, 1, TIMEOUTS.curlAttemptSec)], TIMEOUTS.requestLoop)).stdout;
      tries.push(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${out.trim() || '(no output)'}`);
      return parseSpread(out);
    },
    (p) => p.failures.length === 0 && Object.keys(p.counts).length === 1,
    { what: `${url} answered by a replica from ${from.label}`, timeoutMs: TIMEOUTS.serviceProgrammed, consecutive: CONSECUTIVE_SUCCESSES, intervalMs: 200, n: 0 },
  );
  const convergence = { converged: c.converged, elapsedMs: c.convergeMs, attempts: tries };
  const start = Date.now();
  // The exec's budget grows with the loop: on the slower machine at b023e58 (4 workers), 84
  // requests from one source took more than the flat 120 s (an infrastructure error, no verdict).
  const r = await from.run(['sh', '-c', spreadScript(url, n, TIMEOUTS.curlAttemptSec)], spreadLoopBudgetMs(n));
  const parsed = parseSpread(r.stdout);
  if (!loopEnded(r.stdout, n)) {
    const seen = Object.values(parsed.counts).reduce((a, b) => a + b, 0) + parsed.failures.length;
    throw new Error(`the request loop from ${from.label} to ${url} returned ${seen} of ${n} result lines and no end line (exit ${r.exitCode}): its output was lost on the way back, so those requests cannot be judged${r.incomplete ? ` (${r.incomplete})` : ''}`);
  }
  return { from: from.label, url, sent: n, ...parsed, durationMs: Date.now() - start, raw: r.stdout + (r.stderr ? `\nstderr: ${r.stderr}` : ''), convergence };
}

/** A source's request loop for the log: its convergence requests (time since start, output), then the counted loop. */
export function spreadLog(ev: SpreadEvidence): string {
  const c = ev.convergence;
  return [`# ${ev.from}`, `# convergence (${c.converged ? 'converged' : 'NOT converged'}):`, ...c.attempts.map((a) => `#   ${a}`), '# counted:', ev.raw].join('\n');
}

export function spreadTable(ev: SpreadEvidence, pods: readonly string[]): string {
  const expected = ev.sent / Math.max(pods.length, 1);
  const rows = [...new Set([...pods, ...Object.keys(ev.counts)])].map((p) => `${p.padEnd(40)} ${String(ev.counts[p] ?? 0).padStart(5)}   (expected ${expected.toFixed(1)})${pods.includes(p) ? '' : '   NOT AN ENDPOINT'}`);
  const c = ev.convergence;
  const conv = `${c.converged ? 'converged' : 'NOT converged'} after ${c.attempts.length} single request(s) in ${(c.elapsedMs / 1000).toFixed(1)} s${c.converged ? '' : ' (counted and judged anyway)'}`;
  return `${ev.from} -> ${ev.url}: ${conv}; then ${ev.sent} requests in ${(ev.durationMs / 1000).toFixed(1)} s, ${ev.failures.length} without an answer\n${rows.join('\n')}`;
}

export interface DnatEvidence {
  /** SYNs the client sent to the ClusterIP (before DNAT). */
  toClusterIp: PacketRow[];
  /** For each of them, the SYN with the same source ip:port sent on to a pod (after DNAT), if any. */
  pairs: { before: PacketRow; after?: PacketRow }[];
}

/**
 * Pairs each SYN to `clusterIp:port` with the SYN of the same connection (same source ip:port)
 * going to one of the `endpoints`: the node saw the packet before and after its DNAT.
 */
export function dnatPairs(rows: readonly PacketRow[], clusterIp: string, port: number, endpoints: readonly { ip: string; port: number }[]): DnatEvidence {
  const syn = rows.filter(isSyn);
  const toClusterIp = syn.filter((r) => r.dst === clusterIp && r.dstPort === port);
  const seen = new Set<string>();
  const firsts = toClusterIp.filter((r) => {
    const k = `${r.src}:${r.srcPort}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const pairs = firsts.map((before) => ({
    before,
    after: syn.find((r) => r.src === before.src && r.srcPort === before.srcPort && endpoints.some((e) => e.ip === r.dst && e.port === r.dstPort)),
  }));
  return { toClusterIp: firsts, pairs };
}

export function dnatText(ev: DnatEvidence, podByIp: ReadonlyMap<string, string>): string {
  return (
    ev.pairs
      .map(({ before, after }) => `${formatPacketRow(before)}\n  ==> ${after ? `${formatPacketRow(after)}  (${podByIp.get(after.dst) ?? 'not a kuard pod'})` : "no DNAT'ed SYN of this connection seen"}`)
      .join('\n') || '(no SYN to the ClusterIP captured)'
  );
}

/** One source of a spread: its role (the row it belongs to) and what it measured. */
export interface SourcedSpread {
  role: string;
  ev: SpreadEvidence;
}

/**
 * kuard behind its ClusterIP, then `perSource` requests from a client pod on every node and
 * from every node itself (3 at a time): distribution is measured from everywhere a client can
 * sit, not from one worker. Roles name the source's relation to the endpoints.
 */
export async function kuardSpreadFromEverywhere(ctx: CaseContext, perSource: number): Promise<{ app: DeployedApp; url: string; pods: string[]; spreads: SourcedSpread[] }> {
  const app = await deployKuard(ctx);
  const clients = await ctx.step('client pods on every node', () => ctx.clients());
  const url = `http://${app.svc.clusterIP}:${KUARD.servicePort}${KUARD.whoPath}`;
  const pods = app.pods.map((p) => p.name);
  const endpointNodes = new Set(app.pods.map((p) => p.node));
  const sources: { role: string; from: Runner }[] = [
    ...[...clients.values()].map((from) => ({ role: `${endpointNodes.has(from.node) ? 'pod on an endpoint node' : 'pod on a node without endpoint'} -> ClusterIP`, from })),
    ...ctx.cluster.nodes.filter((n) => n.runner).map((n) => ({ role: `${endpointNodes.has(n.name) ? 'endpoint node' : 'node without endpoint'} -> ClusterIP`, from: ctx.node(n.name) })),
  ];
  const spreads = await ctx.step(`${perSource} requests (one exec, a new connection each) from ${sources.length} sources to ${url}`, () =>
    pool(sources, 3, async (s) => ({ role: s.role, ev: await requestSpread(s.from, url, perSource) })),
  );
  return { app, url, pods, spreads };
}

/** Sums the answers of several spreads per pod. */
export function totalCounts(spreads: readonly SourcedSpread[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of spreads) for (const [pod, n] of Object.entries(s.ev.counts)) out[pod] = (out[pod] ?? 0) + n;
  return out;
}
