/**
 * Scenarios make traffic and collect evidence; expectations judge it. A source-IP scenario:
 * capture on the endpoint nodes, then for every probe path converge and take a sample, then
 * match every judged request with the SYN that reached an endpoint and with what the echo
 * server reported. Paths run concurrently; rows are keyed by role, so they align across
 * columns and clusters, and a row's verdict counts every attempt of every path in it.
 */
import type { Check, PacketRow } from '../../reports/model.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { SAMPLING, TIMEOUTS } from '../timeouts.ts';
import { parseEcho, type EchoReply } from '../probes/echo.ts';
import type { NodeCapture, CaptureEvidence } from '../probes/capture.ts';
import { curl, curlSeries, type CurlEvidence, type CurlOptions } from '../probes/curl.ts';
import { udpExchange } from '../probes/udp.ts';
import { nodeAddresses } from '../probes/node.ts';
import { familyOf, type IpFamily } from '../../clusters/ip-family.ts';
import type { Runner } from '../probes/runners.ts';
import { describeExpectation, reachMatches, type Expectation, type Reach } from './expectations.ts';
import { judge, reachOf, synSourceAtEndpoint } from './judge.ts';
import { aggregateRow, convergeThenSample, type JudgedAttempt, type RowAttempts, type Sampled } from './sample.ts';
import type { AttemptSeries } from './converge.ts';

export interface SourceProbe {
  /**
   * Row key naming roles, not hosts, e.g. `outside -> node without endpoint : nodePort`. Paths
   * with the same key form one row; its verdict counts all their attempts.
   */
  key: string;
  from: Runner;
  url: string;
  expectation: Expectation;
  /** The node whose proxy handles the traffic first (for "owned by the receiving node"). */
  receivingNode: string;
  /** Defaults to from.ip. */
  clientIp?: string;
  curlArgs?: string[];
  /** Run before this path's attempts (e.g. a route on the outside client); paths then run one at a time. */
  prepare?: () => Promise<void>;
  /**
   * What convergence waits for, when it is more than the declared reach (default), and how many
   * times in a row. For a Service the proxy programs twice (first without topology hints, then
   * with them), answering alone says nothing about the second programming.
   */
  converge?: { until: (c: CurlEvidence) => boolean; consecutive: number };
}

export interface SourceScenario {
  /** Endpoint pod addresses and target port: the SYN "at the endpoint" is the one sent to these. */
  endpoints: { ip: string; port: number; node: string }[];
  probes: SourceProbe[];
  /** Capture on the endpoint nodes (default). Without it only the echo is judged. */
  capture?: boolean;
}

/**
 * The tcpdump filter for a scenario's endpoints: only their addresses and ports (other cases run
 * concurrently on the same nodes), for TCP only SYNs and RSTs. BPF cannot index `tcp[]` behind
 * an IPv6 header, so IPv6 flags are read at their fixed offset (40-byte header + 13; kube-proxy's
 * traffic to a pod carries no extension headers).
 */
export function captureFilter(endpoints: readonly { ip: string; port: number }[], udp: boolean): string {
  const hosts = [...new Set(endpoints.map((e) => e.ip))].map((ip) => `host ${ip}`).join(' or ');
  const ports = [...new Set(endpoints.map((e) => e.port))].map((p) => `port ${p}`).join(' or ');
  if (udp) return `udp and (${hosts}) and (${ports})`;
  const v4Flags = 'tcp[tcpflags] & (tcp-syn|tcp-rst) != 0';
  if (!endpoints.some((e) => familyOf(e.ip) === 'IPv6')) return `tcp and (${hosts}) and (${ports}) and ${v4Flags}`;
  return `tcp and (${hosts}) and (${ports}) and ((ip and ${v4Flags}) or (ip6 and ip6[53] & 0x06 != 0))`;
}

/** `ip:port`, an IPv6 address in brackets (`[fd00::1]:8080`) so the port reads apart. */
export function hostPort(ip: string, port: number | string): string {
  return `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

/** The family of a path's client address (IPv4 when it is not known). */
function probeFamily(p: Pick<SourceProbe, 'clientIp' | 'from'>): IpFamily {
  const ip = p.clientIp ?? p.from.ip ?? '';
  return ip ? familyOf(ip) : 'IPv4';
}

/** A path's concrete label for evidence: who, to where (the row key names only roles). */
export function pathLabel(p: Pick<SourceProbe, 'from' | 'url' | 'receivingNode'>): string {
  return `${p.from.label} -> ${p.url} (via ${p.receivingNode})`;
}

/** One attempt: curl for http(s) URLs, one datagram for `udp://ip:port` (probes/udp.ts). */
function curlOnce(p: Pick<SourceProbe, 'from' | 'url' | 'expectation' | 'curlArgs'>): () => Promise<CurlEvidence> {
  const maxTimeSec = p.expectation.reach === 'answers' ? TIMEOUTS.curlAttemptSec : TIMEOUTS.dropProbeSec;
  if (p.url.startsWith('udp://')) return () => udpExchange(p.from, p.url, { timeoutSec: maxTimeSec });
  return () => curl(p.from, p.url, { maxTimeSec, ...(p.curlArgs ? { args: p.curlArgs } : {}) });
}

/**
 * The same requests as curlOnce, k of them in one exec. A UDP path, and a path that expects a
 * refusal, go one request per exec: a refusal is an ICMP error, which the kernel sends a peer at
 * most six at once and then one a second, and requests in one exec (even 250 ms apart) lost
 * refusals that way on iptables (two runs of service/no-endpoints-rejected, 14/15 and 13/15),
 * where one exec per request never did. A path that expects a drop (or either, `unanswered`)
 * goes in series: a correct proxy sends it nothing to lose, and a proxy that wrongly refuses it
 * gets its first refusals through (a streak or a sample with one refusal fails the row).
 */
function curlMany(p: Pick<SourceProbe, 'from' | 'url' | 'expectation' | 'curlArgs'>, earlyStop: boolean): AttemptSeries<CurlEvidence> | undefined {
  if (p.url.startsWith('udp://') || p.expectation.reach === 'rejects') return undefined;
  const maxTimeSec = p.expectation.reach === 'answers' ? TIMEOUTS.curlAttemptSec : TIMEOUTS.dropProbeSec;
  const exits = EXPECTED_EXITS[p.expectation.reach] ?? [0];
  return curlAttemptSeries(p.from, p.url, { maxTimeSec, ...(p.curlArgs ? { args: p.curlArgs } : {}) }, earlyStop ? exits : undefined);
}

/**
 * A curl series as convergeThenSample asks for it: the settle pause it asks for and, given
 * `exits`, an early stop when one of the first attempts exits with another code.
 */
export function curlAttemptSeries(from: Runner, url: string, opts: Pick<CurlOptions, 'maxTimeSec' | 'args'> = {}, exits?: readonly number[]): AttemptSeries<CurlEvidence> {
  return (k, o) => curlSeries(from, url, k, { ...opts, ...(exits && o?.stopWithin ? { stopUnless: { within: o.stopWithin, exits } } : {}), ...(o?.pauseOnce ? { pauseOnce: o.pauseOnce } : {}) });
}

/** curl's exit codes of each expected outcome: 0 an answer, 28 a time-out, 7 a refusal. */
const EXPECTED_EXITS: Record<Reach, readonly number[]> = { answers: [0], drops: [28], rejects: [7], unanswered: [7, 28] };

/** `attempt`, its calls started at least `gapMs` apart. */
export function paced<T>(attempt: () => Promise<T>, gapMs: number): () => Promise<T> {
  let last = 0;
  return async () => {
    const wait = last + gapMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    last = Date.now();
    return attempt();
  };
}

/**
 * Converges on the declared outcome (a node not yet programmed refuses or times out), then
 * takes the sample that is judged. For cases that judge curl results themselves.
 */
export function sampleProbe(p: Pick<SourceProbe, 'from' | 'url' | 'expectation' | 'curlArgs' | 'converge'> & { converged?: (c: CurlEvidence) => boolean }, n: number = SAMPLING.attempts): Promise<Sampled<CurlEvidence>> {
  // Early stop reads curl's exit code as the reach's outcome; a path with its own convergence
  // test (e.g. a TLS error expected: exit 60) runs its first call whole.
  const series = curlMany(p, !p.converge?.until && !p.converged);
  const once = p.expectation.reach === 'rejects' ? paced(curlOnce(p), TIMEOUTS.refusalSpacingMs) : curlOnce(p);
  return convergeThenSample(once, p.converge?.until ?? p.converged ?? ((c) => reachMatches(p.expectation.reach, reachOf(c))), {
    what: `${p.from.label} -> ${p.url} ${p.expectation.reach}`,
    timeoutMs: TIMEOUTS.serviceProgrammed,
    n,
    ...(p.converge ? { consecutive: p.converge.consecutive } : {}),
    ...(series ? { series } : {}),
  });
}

/** One line per attempt: the evidence of a path (convergence attempts included, marked). */
export function attemptsText(s: Sampled<CurlEvidence>, path: string): string {
  const line = (c: CurlEvidence, tag: string) => {
    const echo = c.exitCode === 0 ? parseEcho(c.body) : undefined;
    const v = echo?.ok ? echo.value : undefined;
    const who = v ? ` served by ${v.pod?.name ?? '?'}${v.pod?.ip ? ` (${v.pod.ip})` : ''}; client_address=${v.client.port ? hostPort(v.client.address, v.client.port) : v.client.address}` : '';
    return `${tag} ${new Date(c.startedAt).toISOString()} exit ${c.exit} http ${c.httpCode ?? '-'} local ${hostPort(c.localIp ?? '?', c.localPort ?? '?')}${who}${c.stderr ? ` stderr: ${c.stderr}` : ''}`;
  };
  const first = s.sample.find((c) => c.exitCode === 0);
  return [
    path,
    `converging (${s.convergeMs} ms, ${s.converged ? 'converged' : 'did NOT converge'}; not judged):`,
    ...s.convergence.map((c) => line(c, '  converge')),
    `sample (judged, ${s.sample.length} attempts):`,
    ...s.sample.map((c, i) => line(c, `  #${i + 1}`)),
    ...(first ? ['', 'first answer of the sample:', first.body] : []),
  ].join('\n');
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * The source of the SYN that reached an endpoint for this request. An answered request is
 * matched exactly by the tuple the echo server saw (its client_address:client_port), which is
 * what concurrent paths need; otherwise (no answer, or no port from the echo) by time window,
 * among SYNs from the addresses this path's traffic can carry (the client, or the receiving
 * node after SNAT).
 */
export function wireSource(
  rows: readonly PacketRow[],
  endpoints: readonly { ip: string; port: number }[],
  c: CurlEvidence,
  echo: EchoReply | undefined,
  attributable: readonly string[],
  /** `ip:port` tuples the echo server reported for answered requests of any path: never another request's. */
  claimed: ReadonlySet<string> = new Set(),
): string | null {
  // TCP: the SYN; UDP (a `udp://` probe): the datagram itself.
  const udp = c.url.startsWith('udp://');
  const toEndpoint = (r: PacketRow) => (udp ? r.proto === 'udp' : r.proto === 'tcp' && r.flags === 'S') && endpoints.some((e) => e.ip === r.dst && e.port === r.dstPort);
  if (echo?.client.port) {
    const exact = rows.find((r) => toEndpoint(r) && r.src === echo.client.address && r.srcPort === echo.client.port);
    if (exact) return exact.src;
  }
  // Concurrent paths from the same client overlap in time: a packet whose tuple an answered
  // request already accounts for cannot be this (unanswered or unmatched) request's.
  const inWindow = rows.filter((r) => attributable.includes(r.src) && !claimed.has(`${r.src}:${r.srcPort ?? ''}`));
  if (udp) {
    const from = c.startedAt / 1000;
    const to = (c.endedAt + 1) / 1000;
    const seen = inWindow.filter((r) => toEndpoint(r) && r.time >= from && r.time <= to);
    return seen[seen.length - 1]?.src ?? null;
  }
  return synSourceAtEndpoint(inWindow, endpoints, c);
}

export async function runSourceScenario(ctx: CaseContext, sc: SourceScenario): Promise<Check[]> {
  const captureNodes = sc.capture === false ? [] : [...new Set(sc.endpoints.map((e) => e.node))];
  const filter = captureFilter(sc.endpoints, sc.probes.some((p) => p.url.startsWith('udp://')));
  const captures: NodeCapture[] = captureNodes.length
    ? await ctx.step(`start tcpdump on ${captureNodes.join(', ')}`, () => Promise.all(captureNodes.map((n) => ctx.capture(n, filter, `syn-${n}`))))
    : [];
  const sequential = sc.probes.some((p) => p.prepare);
  let sampled: { probe: SourceProbe; s: Sampled<CurlEvidence> }[] = [];
  let packets: PacketRow[] = [];
  try {
    const title = `${sc.probes.length} path(s), ${sequential ? 'one at a time' : `${SAMPLING.concurrency} at a time`}: converge, then ${SAMPLING.attempts} judged attempts each`;
    sampled = await ctx.step(title, () =>
      pool(sc.probes, sequential ? 1 : SAMPLING.concurrency, async (probe) => {
        await probe.prepare?.();
        return { probe, s: await sampleProbe(probe) };
      }),
    );
  } finally {
    const done: CaptureEvidence[] = captures.length ? await ctx.step('stop tcpdump and decode', () => Promise.all(captures.map((c) => c.stop()))) : [];
    for (const cap of done) {
      await ctx.rec.pcap(`capture on ${cap.node}`, cap);
      packets = packets.concat(cap.packets);
    }
  }
  // What the receiving node owns, of the families its paths use: its interfaces' addresses and,
  // from the cluster, its InternalIPs (on a dual-stack cluster one of each family).
  const addrs = new Map<string, string[]>();
  for (const n of new Set(sc.probes.map((p) => p.receivingNode))) {
    const node = ctx.cluster.nodes.find((x) => x.name === n);
    const families = [...new Set(sc.probes.filter((p) => p.receivingNode === n).map((p) => probeFamily(p)))];
    const owned = node?.runner ? await nodeAddresses(node.runner, families) : [];
    const internal = (node?.ips ?? []).filter((ip) => families.includes(familyOf(ip)));
    addrs.set(n, [...new Set([...owned, ...internal])]);
  }
  const claimed = new Set<string>();
  for (const { s } of sampled) {
    for (const c of [...s.convergence, ...s.sample]) {
      const e = c.exitCode === 0 ? parseEcho(c.body) : undefined;
      if (e?.ok && e.value.client.port) claimed.add(`${e.value.client.address}:${e.value.client.port}`);
    }
  }
  const rows = new Rows();
  for (const { probe, s } of sampled) {
    const path = pathLabel(probe);
    await ctx.rec.text('echo', `${probe.key}: ${path}`, attemptsText(s, path));
    const clientIp = probe.clientIp ?? probe.from.ip ?? '';
    const receiving = addrs.get(probe.receivingNode) ?? [];
    const local = sc.endpoints.filter((e) => e.node === probe.receivingNode).map((e) => e.ip);
    const attempts = s.sample.map((c): JudgedAttempt => {
      const parsed = c.exitCode === 0 ? parseEcho(c.body) : undefined;
      const echo = parsed?.ok ? parsed.value : undefined;
      const wire = captures.length ? wireSource(packets, sc.endpoints, c, echo, [clientIp, ...receiving], claimed) : undefined;
      const check = judge(
        probe.key,
        probe.expectation,
        { curl: c, echoSource: echo?.client.address, wireSource: wire, servedBy: echo?.pod?.name, servedByIp: echo?.pod?.ip },
        { clientIp, receivingNodeAddresses: receiving, localEndpointIps: local },
      );
      return { path, check, ...(echo?.pod?.name ? { servedBy: echo.pod.name } : {}) };
    });
    rows.add(probe.key, describeExpectation(probe.expectation), { path, converged: s.converged, attempts });
  }
  return rows.record(ctx);
}

/** Paths grouped into rows by key, in first-seen order; `record` judges and records each row. */
class Rows {
  private readonly rows = new Map<string, { expected: string; paths: RowAttempts['paths'] }>();
  add(key: string, expected: string, path: RowAttempts['paths'][number]): void {
    const row = this.rows.get(key) ?? { expected, paths: [] };
    row.paths.push(path);
    this.rows.set(key, row);
  }
  record(ctx: CaseContext): Check[] {
    return [...this.rows].map(([key, row]) => {
      ctx.rec.expect(`${key}: ${row.expected}`);
      const check = aggregateRow({ key, ...row });
      ctx.rec.observe(`${key}: ${check.observedEcho ?? ''}`);
      return ctx.rec.check(check);
    });
  }
}

export interface RowProbe {
  /** Row key naming roles, e.g. `pod in the namespace -> http://my-nginx`; paths with one key form one row. */
  key: string;
  from: Runner;
  url: string;
  expectation: Expectation;
  curlArgs?: string[];
  /** What the row expects, in words (default: the expectation described). */
  expected?: string;
  /** For evidence: the node the traffic enters (default: the client's node). */
  via?: string;
  /** When the path counts as programmed (default: the expectation's reach). */
  converged?: (c: CurlEvidence) => boolean;
}

/**
 * Paths converged, sampled (concurrently), every attempt judged (by `judgeOne`, default: reach
 * and the answering endpoint), evidence recorded: one check per row key, for cases without a
 * capture.
 */
export async function probeRows(ctx: CaseContext, probes: readonly RowProbe[], judgeOne?: (c: CurlEvidence, p: RowProbe) => Check): Promise<Check[]> {
  const keys = [...new Set(probes.map((p) => p.key))];
  const sampled = await ctx.step(`${keys.join('; ')}: converge, then ${SAMPLING.attempts} judged attempts per path`, () =>
    pool(probes, SAMPLING.concurrency, async (p) => ({ p, s: await sampleProbe(p) })),
  );
  const rows = new Rows();
  for (const { p, s } of sampled) {
    const path = pathLabel({ from: p.from, url: `${p.url}${p.curlArgs?.length ? ` ${p.curlArgs.join(' ')}` : ''}`, receivingNode: p.via ?? p.from.node ?? '-' });
    await ctx.rec.text('echo', `${p.key}: ${path}`, attemptsText(s, path));
    const attempts = s.sample.map((c): JudgedAttempt => {
      if (judgeOne) return { path, check: judgeOne(c, p) };
      const parsed = c.exitCode === 0 ? parseEcho(c.body) : undefined;
      const echo = parsed?.ok ? parsed.value : undefined;
      const check = judge(p.key, p.expectation, { curl: c, echoSource: echo?.client.address, servedBy: echo?.pod?.name }, { clientIp: p.from.ip ?? '', receivingNodeAddresses: [] });
      return { path, check, ...(echo?.pod?.name ? { servedBy: echo.pod.name } : {}) };
    });
    rows.add(p.key, p.expected ?? describeExpectation(p.expectation), { path, converged: s.converged, attempts });
  }
  return rows.record(ctx);
}

/** One path: see probeRows. */
export async function probeRow(ctx: CaseContext, p: RowProbe, judgeOne?: (c: CurlEvidence, p: RowProbe) => Check): Promise<Check> {
  const [check] = await probeRows(ctx, [p], judgeOne);
  if (!check) throw new Error(`no check recorded for ${p.key}`);
  return check;
}

/**
 * "Every endpoint answered": from the rows' servedBy counts, a check that each endpoint pod
 * served at least one judged request (catches a proxy that always picks the same endpoint or
 * leaves one out). With k endpoints and n uniform requests a correct proxy misses one with
 * probability about k(1-1/k)^n: callers keep n large enough (15 requests over 2: 6e-5).
 */
export function everyEndpointServed(ctx: CaseContext, rows: readonly Check[], pods: readonly { name: string; node: string }[]): Check {
  const counts = new Map(pods.map((p) => [p.name, 0]));
  for (const r of rows) for (const [pod, n] of Object.entries(r.servedBy ?? {})) counts.set(pod, (counts.get(pod) ?? 0) + n);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const idle = pods.filter((p) => !counts.get(p.name));
  const observed = [...counts.entries()].map(([pod, n]) => `${pod}: ${n}`).join(', ');
  ctx.rec.expect(`every endpoint (${pods.length}) answers some of the ${total} judged requests`);
  ctx.rec.observe(`answers per endpoint: ${observed}`);
  return ctx.rec.check({
    key: 'every endpoint answers',
    expected: `each of ${pods.length} endpoints answers at least one of the judged requests`,
    observedEcho: observed,
    verdict: idle.length === 0 && total > 0 ? 'ok' : 'mismatch',
    ...(idle.length ? { note: `never answered: ${idle.map((p) => `${p.name} on ${p.node}`).join(', ')}` } : {}),
  });
}
