/**
 * Declarative expectations: for each client location and target, whether the request must be
 * answered or dropped, and what source address the endpoint must see. Cases declare tables of
 * these; the judge (verdict.ts) compares them with evidence. Presets print readably.
 */
import type { Behaviour, Implementation } from '../implementations/types.ts';

/** Where a probe starts. */
export type ClientLocation =
  | 'pod-same-node' // a pod on the node that hosts the endpoint
  | 'pod-other-node' // a pod on a node without the endpoint
  | 'node' // the node's own network namespace
  | 'outside'; // a container on the kind network, outside the cluster

/** `unanswered`: dropped or refused, either (where the outcome depends on the network, not the proxy). */
export type Reach = 'answers' | 'drops' | 'rejects' | 'unanswered';

/** Whether an observed outcome is the expected reach. */
export function reachMatches(want: Reach, got: Reach | 'error'): boolean {
  return got === want || (want === 'unanswered' && (got === 'drops' || got === 'rejects'));
}

export type SourceExpectation =
  /** The endpoint sees the client's own address (pod IP, or the outside container's IP). */
  | { kind: 'client-ip' }
  /** The endpoint sees an address owned by the node that received the traffic (SNAT). */
  | { kind: 'receiving-node-address' }
  /** Anything but the client's address (SNAT to wherever the mode chooses). */
  | { kind: 'not-client-ip' }
  /** One fixed address the implementation declares (e.g. Cilium's service loopback 169.254.42.1). */
  | { kind: 'address'; address: string }
  /**
   * SNAT only when forwarded: the client's IP when an endpoint on the receiving node answers,
   * an address of the receiving node when the traffic went on to another node.
   */
  | { kind: 'snat-when-forwarded' };

export const SOURCE = {
  clientIp: { kind: 'client-ip' },
  receivingNodeAddress: { kind: 'receiving-node-address' },
  notClientIp: { kind: 'not-client-ip' },
} as const satisfies Record<string, SourceExpectation>;

export interface Expectation {
  reach: Reach;
  source?: SourceExpectation;
  /** `local`: only an endpoint on the node that received the traffic may answer (Local policy). */
  endpoint?: 'local';
}

export const ANSWERS_WITH_CLIENT_IP: Expectation = { reach: 'answers', source: SOURCE.clientIp };
export const ANSWERS_WITH_NODE_SNAT: Expectation = { reach: 'answers', source: SOURCE.receivingNodeAddress };
export const ANSWERS: Expectation = { reach: 'answers' };
/** SNAT only for traffic forwarded to another node; a local endpoint sees the client's IP. */
export const ANSWERS_SNAT_WHEN_FORWARDED: Expectation = { reach: 'answers', source: { kind: 'snat-when-forwarded' } };
/**
 * Outside traffic to a Service with externalTrafficPolicy Cluster: SNATed to the receiving node,
 * or only when forwarded, as the implementation declares.
 */
export const EXTERNAL_CLUSTER_POLICY = (b: Behaviour): Expectation => (b.externalClusterTrafficMasqueradedForLocalEndpoint ? ANSWERS_WITH_NODE_SNAT : ANSWERS_SNAT_WHEN_FORWARDED);
/** externalTrafficPolicy: Local on a node with endpoints: client IP kept, a local endpoint answers. */
export const ANSWERS_LOCALLY_WITH_CLIENT_IP: Expectation = { reach: 'answers', source: SOURCE.clientIp, endpoint: 'local' };
export const DROPS: Expectation = { reach: 'drops' };
export const REJECTS: Expectation = { reach: 'rejects' };
export const UNANSWERED: Expectation = { reach: 'unanswered' };

export function describeSource(s: SourceExpectation): string {
  switch (s.kind) {
    case 'client-ip':
      return "the client's own IP";
    case 'receiving-node-address':
      return 'an address owned by the receiving node (SNAT)';
    case 'not-client-ip':
      return "not the client's IP";
    case 'address':
      return `${s.address} (declared by the implementation)`;
    case 'snat-when-forwarded':
      return "the client's IP from an endpoint on the receiving node, an address of the receiving node (SNAT) from one elsewhere";
  }
}

export function describeExpectation(e: Expectation): string {
  if (e.reach === 'unanswered') return 'no answer (dropped or refused)';
  if (e.reach !== 'answers') return e.reach === 'drops' ? 'no answer (dropped, curl times out)' : 'refused (connection reset/rejected)';
  const who = e.endpoint === 'local' ? ' by an endpoint on the receiving node' : '';
  return e.source ? `answers${who}; source seen by the endpoint is ${describeSource(e.source)}` : `answers${who}`;
}

/** A row: one expectation, or one that follows from a declared behaviour fact. */
export type ExpectationRow = Expectation | ((b: Behaviour) => Expectation);

/**
 * A case's table: one expectation per row key. Where implementations differ, the row is a
 * function of their declared behaviour facts (never of a name); an implementation may also
 * override a row of a case with a cited source (Implementation.overrides).
 */
export interface ExpectationTable<K extends string> {
  rows: Record<K, ExpectationRow>;
}

export function expectationFor<K extends string>(table: ExpectationTable<K>, impl: Pick<Implementation, 'behaviour' | 'overrides'>, caseId: string, key: K): Expectation {
  const override = impl.overrides?.[caseId]?.[key];
  if (override) return override.expectation;
  const row = table.rows[key];
  return typeof row === 'function' ? row(impl.behaviour) : row;
}
