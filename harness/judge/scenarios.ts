/**
 * Scenarios make traffic and collect evidence; expectations judge it. A source-IP scenario:
 * capture on the endpoint nodes, send each probe, then match every request with the SYN that
 * reached an endpoint and with what the echo server reported.
 */
import type { Check } from '../../reports/model.ts';
import { ConvergenceError, converge } from './converge.ts';
import { parseEcho } from '../probes/echo.ts';
import { describeExpectation, type Expectation } from './expectations.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { judge, reachOf, synSourceAtEndpoint } from './judge.ts';
import type { Capture, CaptureEvidence } from '../probes/capture.ts';
import { answered, curl, type CurlEvidence } from '../probes/curl.ts';
import { nodeAddresses } from '../probes/node.ts';
import type { Runner } from '../probes/runners.ts';
import { TIMEOUTS } from '../run/timeouts.ts';

export interface SourceProbe {
  /** Row key, e.g. "pod on kpc-worker2 -> ClusterIP". */
  key: string;
  from: Runner;
  url: string;
  expectation: Expectation;
  /** The node whose proxy handles the traffic first (for "owned by the receiving node"). */
  receivingNode: string;
  /** Defaults to from.ip. */
  clientIp?: string;
  curlArgs?: string[];
}

export interface SourceScenario {
  /** Endpoint pod addresses and target port: the SYN "at the endpoint" is the one sent to these. */
  endpoints: { ip: string; port: number; node: string }[];
  probes: SourceProbe[];
  /** Capture on the endpoint nodes (default). Without it only the echo is judged. */
  capture?: boolean;
}

/** One request, converging when an answer is expected (the proxy may still be programming). */
export async function probeOnce(p: Pick<SourceProbe, 'from' | 'url' | 'expectation' | 'curlArgs'>): Promise<CurlEvidence> {
  if (p.expectation.reach !== 'answers') {
    // A node whose proxy has not programmed the Service yet refuses (nothing listens on the
    // port); converge on the declared outcome within the named budget, then judge the last try.
    const once = () => curl(p.from, p.url, { maxTimeSec: TIMEOUTS.dropProbeSec, args: p.curlArgs });
    try {
      return (await converge(once, (c) => reachOf(c) === p.expectation.reach, { what: `${p.from.label} -> ${p.url} ${p.expectation.reach}`, timeoutMs: TIMEOUTS.serviceProgrammed, intervalMs: 1000 })).last;
    } catch (e) {
      if (e instanceof ConvergenceError) return once();
      throw e;
    }
  }
  try {
    const r = await converge(() => curl(p.from, p.url, { args: p.curlArgs }), answered, {
      what: `${p.from.label} -> ${p.url} answering`,
      timeoutMs: TIMEOUTS.serviceProgrammed,
      intervalMs: 1000,
    });
    return r.last;
  } catch (e) {
    if (e instanceof ConvergenceError) return curl(p.from, p.url, { args: p.curlArgs });
    throw e;
  }
}

export async function runSourceScenario(ctx: CaseContext, sc: SourceScenario): Promise<Check[]> {
  const captureNodes = sc.capture === false ? [] : [...new Set(sc.endpoints.map((e) => e.node))];
  const filter = `tcp and (${[...new Set(sc.endpoints.map((e) => e.port))].map((p) => `port ${p}`).join(' or ')}) and tcp[tcpflags] & (tcp-syn|tcp-rst) != 0`;
  const captures: Capture[] = captureNodes.length
    ? await ctx.step(`start tcpdump on ${captureNodes.join(', ')}`, () => Promise.all(captureNodes.map((n) => ctx.capture(n, filter, `syn-${n}`))))
    : [];
  const results: { probe: SourceProbe; curl: CurlEvidence }[] = [];
  const wire = new Map<(typeof results)[number], string | null>();
  try {
    for (const probe of sc.probes) {
      const c = await ctx.step(`curl ${probe.key}`, () => probeOnce(probe));
      results.push({ probe, curl: c });
      await ctx.rec.text('echo', `${probe.key}: response`, `${c.from} -> ${c.url}\nexit: ${c.exit}\nhttp: ${c.httpCode ?? '-'}\n${c.stderr ? `stderr: ${c.stderr}\n` : ''}\n${c.body}`);
    }
  } finally {
    const done: CaptureEvidence[] = captures.length ? await ctx.step('stop tcpdump and decode', () => Promise.all(captures.map((c) => c.stop()))) : [];
    for (const cap of done) {
      await ctx.rec.pcap(`capture on ${cap.node}`, cap);
      const endpointsHere = sc.endpoints.filter((e) => e.node === cap.node);
      for (const r of results) {
        const src = synSourceAtEndpoint(cap.packets, endpointsHere, r.curl);
        const prev = wire.get(r);
        // Any node's capture that saw the SYN reach an endpoint wins over one that saw none.
        if (src || prev === undefined) wire.set(r, src ?? prev ?? null);
      }
    }
  }
  const checks: Check[] = [];
  for (const r of results) {
    const echo = r.curl.exitCode === 0 ? parseEcho(r.curl.body) : undefined;
    const echoOk = echo && echo.ok ? echo.value : undefined;
    const receiving = ctx.cluster.nodes.find((n) => n.name === r.probe.receivingNode);
    const addrs = receiving?.runner ? await nodeAddresses(receiving.runner) : [];
    const clientIp = r.probe.clientIp ?? r.probe.from.ip ?? '';
    ctx.rec.expect(`${r.probe.key}: ${describeExpectation(r.probe.expectation)}`);
    const check = judge(
      r.probe.key,
      r.probe.expectation,
      { curl: r.curl, echoSource: echoOk?.client.address, wireSource: captures.length ? (wire.get(r) ?? null) : undefined, servedBy: echoOk?.pod?.name },
      { clientIp, receivingNodeAddresses: addrs },
    );
    ctx.rec.observe(`${r.probe.key}: ${check.observedEcho}${check.observedWire ? `; ${check.observedWire}` : ''}`);
    checks.push(ctx.rec.check(check));
  }
  return checks;
}
