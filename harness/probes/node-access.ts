/**
 * Node access: how node-side probes (packet captures, rule dumps, curl from a node, the proxy
 * mode read, conntrack) reach a node. Every such probe goes through a `NodeAccess`; nothing
 * else execs into nodes.
 *
 * - `docker`: the node is a kind node container on this host: `docker exec` into it, captures
 *   in a container sharing its network namespace (node-access-docker.ts).
 * - `pod`: any cluster: one short-lived pod per node (hostNetwork, hostPID, pinned with
 *   nodeName, tolerating every taint) running the tools image in a namespace of ours, used
 *   through the Kubernetes API (exec); deleted at the end (node-access-pod.ts).
 */
import type { NodeCapture, CaptureRequest } from './capture.ts';
import type { Runner } from './runners.ts';
import { RUN_ID } from '../run-id.ts';

export const NODE_ACCESS_KINDS = ['docker', 'pod'] as const;
export type NodeAccessKind = (typeof NODE_ACCESS_KINDS)[number];

export function isNodeAccessKind(s: string): s is NodeAccessKind {
  return (NODE_ACCESS_KINDS as readonly string[]).includes(s);
}

/** A runner on a node, named after it. */
export type NodeShell = Runner & { readonly node: string };

export interface NodeAccess {
  readonly kind: NodeAccessKind;
  /** One line for evidence and the report, e.g. `pod (hostNetwork, hostPID) in namespace kpc-nodes-…`. */
  readonly description: string;
  /** Whether `node` can be reached this way (docker: its container runs on this host). */
  reachable(node: string): Promise<boolean>;
  /** Commands in the node's network and PID namespaces, as root. */
  shell(node: string, ip: string): NodeShell;
  /** tcpdump on every interface of the node; resolves once it listens. */
  capture(req: CaptureRequest): Promise<NodeCapture>;
  /** Removes whatever this access created (idempotent). */
  close(): Promise<void>;
}

/** `--node-access` as given (auto: docker when the nodes are containers on this host, else pod). */
export function parseNodeAccess(value: string | undefined): NodeAccessKind | 'auto' {
  const v = (value ?? 'auto').trim();
  if (v === 'auto' || isNodeAccessKind(v)) return v;
  throw new Error(`--node-access must be docker, pod or auto, not "${v}"`);
}

/** Our namespace for one worker of one run (Kubernetes names: at most 63 characters). */
export function nodeAccessNamespace(runId: string = RUN_ID, worker: string = process.env.TEST_PARALLEL_INDEX ?? '0'): string {
  return `kpc-nodes-${runId}-w${worker}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
}
