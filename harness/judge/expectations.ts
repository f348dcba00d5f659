/**
 * Declarative expectations: for each client location and target, whether the request must be
 * answered or dropped, and what source address the endpoint must see. Cases declare tables of
 * these; the judge (verdict.ts) compares them with evidence. Presets print readably.
 */
import type { ProxyMode } from '../run/projects.ts';

/** Where a probe starts. */
export type ClientLocation =
  | 'pod-same-node' // a pod on the node that hosts the endpoint
  | 'pod-other-node' // a pod on a node without the endpoint
  | 'node' // the node's own network namespace
  | 'outside'; // a container on the kind network, outside the cluster

export type Reach = 'answers' | 'drops' | 'rejects';

export type SourceExpectation =
  /** The endpoint sees the client's own address (pod IP, or the outside container's IP). */
  | { kind: 'client-ip' }
  /** The endpoint sees an address owned by the node that received the traffic (SNAT). */
  | { kind: 'receiving-node-address' }
  /** Anything but the client's address (SNAT to wherever the mode chooses). */
  | { kind: 'not-client-ip' };

export const SOURCE = {
  clientIp: { kind: 'client-ip' },
  receivingNodeAddress: { kind: 'receiving-node-address' },
  notClientIp: { kind: 'not-client-ip' },
} as const satisfies Record<string, SourceExpectation>;

export interface Expectation {
  reach: Reach;
  source?: SourceExpectation;
}

export const ANSWERS_WITH_CLIENT_IP: Expectation = { reach: 'answers', source: SOURCE.clientIp };
export const ANSWERS_WITH_NODE_SNAT: Expectation = { reach: 'answers', source: SOURCE.receivingNodeAddress };
export const ANSWERS: Expectation = { reach: 'answers' };
export const DROPS: Expectation = { reach: 'drops' };
export const REJECTS: Expectation = { reach: 'rejects' };

export function describeSource(s: SourceExpectation): string {
  switch (s.kind) {
    case 'client-ip':
      return "the client's own IP";
    case 'receiving-node-address':
      return 'an address owned by the receiving node (SNAT)';
    case 'not-client-ip':
      return "not the client's IP";
  }
}

export function describeExpectation(e: Expectation): string {
  if (e.reach !== 'answers') return e.reach === 'drops' ? 'no answer (dropped, curl times out)' : 'refused (connection reset/rejected)';
  return e.source ? `answers; source seen by the endpoint is ${describeSource(e.source)}` : 'answers';
}

/**
 * A case's table: one default per row key, with per-mode overrides only where the upstream
 * docs declare a difference. Keys are the row names the case uses (e.g. "pod-other-node").
 */
export interface ExpectationTable<K extends string> {
  rows: Record<K, Expectation>;
  byMode?: Partial<Record<ProxyMode, Partial<Record<K, Expectation>>>>;
}

export function expectationFor<K extends string>(table: ExpectationTable<K>, mode: ProxyMode, key: K): Expectation {
  return table.byMode?.[mode]?.[key] ?? table.rows[key];
}
