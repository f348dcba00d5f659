/**
 * The judge: compares a declared Expectation with what the application (echo) and the wire
 * (the SYN arriving at the endpoint) showed. Echo and wire must agree with each other as well
 * as with the expectation; disagreement is its own verdict.
 */
import type { Check, PacketRow } from '../../reports/model.ts';
import { CURL } from '../probes/curl-codes.ts';
import { describeExpectation, describeSource, reachMatches, SOURCE, type Expectation, type SourceExpectation } from './expectations.ts';
import { answered, type CurlEvidence } from '../probes/curl.ts';

export interface SourceFacts {
  /** The client's own address (pod IP or the outside container's IP). */
  clientIp: string;
  /** Every address owned by the node that received the traffic. */
  receivingNodeAddresses: readonly string[];
  /** Endpoint pod IPs on the receiving node (for `endpoint: 'local'`). */
  localEndpointIps?: readonly string[];
}

export interface Observation {
  curl: CurlEvidence;
  /** client_address the echo server reported, when it answered. */
  echoSource?: string;
  /** Source of the SYN that reached an endpoint during this request; null = capture saw none. */
  wireSource?: string | null;
  /** Which endpoint answered (pod name), for the observed text. */
  servedBy?: string;
  /** The answering endpoint's pod IP, as the echo reported it. */
  servedByIp?: string;
}

export function sourceMatches(exp: SourceExpectation, ip: string, facts: SourceFacts): boolean {
  switch (exp.kind) {
    case 'client-ip':
      return ip === facts.clientIp;
    case 'receiving-node-address':
      return facts.receivingNodeAddresses.includes(ip) && ip !== facts.clientIp;
    case 'not-client-ip':
      return ip !== facts.clientIp;
    case 'address':
      return ip === exp.address;
    case 'snat-when-forwarded':
      // judge() resolves it from the answering endpoint; alone, one of the two forms.
      return ip === facts.clientIp || facts.receivingNodeAddresses.includes(ip);
  }
}

export function reachOf(c: CurlEvidence): 'answers' | 'drops' | 'rejects' | 'error' {
  if (answered(c)) return 'answers';
  if (c.exitCode === CURL.OPERATION_TIMEDOUT) return 'drops';
  if (c.exitCode === CURL.COULDNT_CONNECT || c.exitCode === CURL.RECV_ERROR || c.exitCode === CURL.GOT_NOTHING) return 'rejects';
  return 'error';
}

function describeIp(ip: string | null | undefined, facts: SourceFacts): string {
  if (ip === undefined) return 'n/a';
  if (ip === null) return 'no SYN reached an endpoint';
  if (ip === facts.clientIp) return `${ip} (the client)`;
  if (facts.receivingNodeAddresses.includes(ip)) return `${ip} (owned by the receiving node)`;
  return ip;
}

export function judge(key: string, exp: Expectation, obs: Observation, facts: SourceFacts): Check {
  const reach = reachOf(obs.curl);
  const expected = describeExpectation(exp);
  const echoText = reach === 'answers' ? `answered${obs.servedBy ? ` by ${obs.servedBy}` : ''}; client_address=${describeIp(obs.echoSource, facts)}` : `${reach} (curl exit ${obs.curl.exit})`;
  // TCP is matched by its SYN, UDP by the datagram itself (probes/udp.ts).
  const pkt = obs.curl.url.startsWith('udp://') ? 'datagram' : 'SYN';
  const wireText = obs.wireSource === undefined ? undefined : obs.wireSource === null ? `no ${pkt} reached an endpoint` : `${pkt} at endpoint from ${describeIp(obs.wireSource, facts)}`;
  const base = { key, expected, observedEcho: echoText, ...(wireText ? { observedWire: wireText } : {}) };

  if (!reachMatches(exp.reach, reach)) return { ...base, verdict: 'mismatch', note: `expected ${exp.reach}, got ${reach}` };
  if (exp.reach !== 'answers') {
    // A drop must not show a SYN at an endpoint either.
    if (obs.wireSource) return { ...base, verdict: 'disagree', note: `the client saw no answer, but a ${pkt} reached an endpoint` };
    return { ...base, verdict: 'ok' };
  }
  if (obs.wireSource !== undefined && obs.echoSource !== undefined && obs.wireSource !== obs.echoSource) {
    return { ...base, verdict: 'disagree', note: 'the echo server and the capture report different sources' };
  }
  if (exp.endpoint === 'local' && facts.localEndpointIps) {
    if (!obs.servedByIp) return { ...base, verdict: 'mismatch', note: 'the answering endpoint did not say which pod it is' };
    if (!facts.localEndpointIps.includes(obs.servedByIp)) return { ...base, verdict: 'mismatch', note: `answered by ${obs.servedBy ?? obs.servedByIp}, an endpoint on another node` };
  }
  if (!exp.source) return { ...base, verdict: 'ok' };
  const seen = obs.echoSource ?? obs.wireSource ?? undefined;
  if (!seen) return { ...base, verdict: 'mismatch', note: 'no source address observed' };
  let want = exp.source;
  if (want.kind === 'snat-when-forwarded') {
    if (!obs.servedByIp || !facts.localEndpointIps) return { ...base, verdict: 'mismatch', note: 'the answering endpoint did not say which pod it is, so local and forwarded cannot be told apart' };
    want = facts.localEndpointIps.includes(obs.servedByIp) ? SOURCE.clientIp : SOURCE.receivingNodeAddress;
  }
  return sourceMatches(want, seen, facts) ? { ...base, verdict: 'ok' } : { ...base, verdict: 'mismatch', ...(want !== exp.source ? { note: `answered by ${want.kind === 'client-ip' ? 'a local' : 'a forwarded-to'} endpoint: expected ${describeSource(want)}` } : {}) };
}

/**
 * The source of the SYN that reached an endpoint (dst = endpoint ip:port) during the request's
 * time window. Several SYNs (retransmits, or the same SYN on two interfaces) must agree.
 */
export function synSourceAtEndpoint(rows: readonly PacketRow[], endpoints: readonly { ip: string; port: number }[], window: { startedAt: number; endedAt: number }): string | null {
  // startedAt is taken before the probe command is even sent and endedAt after it returned,
  // both on the capture's clock (same host kernel): the request's SYN lies strictly inside.
  // No slack: back-to-back requests are ~50 ms apart and any slack reaches the neighbour.
  const from = window.startedAt / 1000;
  const to = (window.endedAt + 1) / 1000;
  const syns = rows.filter(
    (r) => r.proto === 'tcp' && r.flags === 'S' && r.time >= from && r.time <= to && endpoints.some((e) => e.ip === r.dst && e.port === r.dstPort),
  );
  // The same SYN shows on the node's uplink and on the endpoint's veth; the last sighting is the
  // one closest to the endpoint (after every NAT on this node).
  const last = syns[syns.length - 1];
  return last ? last.src : null;
}
