/**
 * The pod path of node access (node-access.ts): one short-lived pod per node, pinned with
 * nodeName, tolerating every taint, with hostNetwork and hostPID, running the tools image
 * (tcpdump, iptables, nft, conntrack, curl, ip) with NET_ADMIN and NET_RAW only (no
 * `privileged`), in a namespace of ours labelled with the run id. Everything goes through
 * the Kubernetes API: exec for commands, tcpdump in the background writing into the pod's
 * /tmp, brought home base64-encoded over exec. Never docker.
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecResult, KObject, Kube } from './kube.ts';
import { captureEvidence, captureFile, interfaceNames, tcpdumpArgs, type CaptureEvidence, type CaptureRequest, type NodeCapture } from './capture.ts';
import { nodeAccessNamespace, type NodeAccess, type NodeShell } from './node-access.ts';
import { RUN_ID, RUN_LABEL, runLabels } from '../run-id.ts';
import { TIMEOUTS } from '../timeouts.ts';

export const NODE_ACCESS_ROLE = 'node-access';
const CONTAINER = 'tools';
/** The capabilities the probes need: NET_ADMIN (iptables, nft, conntrack), NET_RAW (tcpdump). */
export const NODE_POD_CAPABILITIES = ['NET_ADMIN', 'NET_RAW'] as const;

/** What the pod path needs from the API (Kube in runs; a fake in unit tests). */
export interface NodePodApi {
  listNodeNames(): Promise<string[]>;
  createNamespace(name: string, labels: Record<string, string>): Promise<void>;
  apply(objs: readonly KObject[]): Promise<void>;
  /** Resolves once `decide` returns something for the pods matching `labelSelector` in `ns`. */
  watchPods<T>(ns: string, labelSelector: string, decide: (pods: KObject[]) => T | undefined, timeoutMs: number, what: string): Promise<T>;
  exec(ns: string, pod: string, container: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  deleteNamespace(name: string, timeoutMs: number): Promise<void>;
  /** Namespaces carrying these labels (for the sweep after an interrupted run). */
  namespacesLabelled(selector: string): Promise<string[]>;
}

export function kubePodApi(kube: Kube): NodePodApi {
  return {
    listNodeNames: async () => (await kube.listNodes()).map((n) => n.metadata?.name ?? '').filter(Boolean),
    createNamespace: (name, labels) => kube.createNamespace(name, labels),
    apply: (objs) => kube.apply(objs),
    watchPods: (ns, labelSelector, decide, timeoutMs, what) => kube.watchUntil(`/api/v1/namespaces/${ns}/pods`, { labelSelector }, (objs) => decide([...objs.values()]), timeoutMs, what),
    exec: (ns, pod, container, cmd, timeoutMs) => kube.exec(ns, pod, container, cmd, timeoutMs),
    deleteNamespace: (name, timeoutMs) => kube.deleteNamespace(name, timeoutMs),
    namespacesLabelled: async (selector) => (await kube.core.listNamespace({ labelSelector: selector })).items.map((n) => n.metadata?.name ?? '').filter(Boolean),
  };
}


/** `node-<node>`, made a valid pod name. */
export function nodePodName(node: string): string {
  return `node-${node}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63).replace(/[-.]+$/, '');
}

/** The probe pod for `node`: what the pod path's rights (preflight) and the docs describe. */
export function nodePod(ns: string, node: string, image: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: nodePodName(node), namespace: ns, labels: { ...runLabels(NODE_ACCESS_ROLE), 'kpc.node': node.slice(0, 63) } },
    spec: {
      nodeName: node,
      hostNetwork: true,
      hostPID: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: CONTAINER,
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', 'infinity'],
          securityContext: { runAsUser: 0, capabilities: { add: [...NODE_POD_CAPABILITIES] } },
          resources: { requests: { cpu: '10m', memory: '32Mi' } },
        },
      ],
    },
  };
}

/** Container states that will not turn Ready by waiting (bad image, refused by the runtime). */
const STUCK = /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError/;

type PodState = { name: string; node: string; ready: boolean; stuck?: string; phase: string };

function podState(o: KObject): PodState {
  const status = o.status as { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string } } }[] } | undefined;
  const waiting = status?.containerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason && STUCK.test(w.reason));
  const terminated = status?.containerStatuses?.map((c) => c.state?.terminated).find(Boolean);
  return {
    name: o.metadata?.name ?? '',
    node: (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
    ready: status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    phase: status?.phase ?? 'Pending',
    ...(waiting ? { stuck: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` } : terminated ? { stuck: `container exited (${terminated.reason ?? 'terminated'})` } : {}),
  };
}

export class PodNodeAccess implements NodeAccess {
  readonly kind = 'pod' as const;
  readonly description: string;
  private started?: Promise<Map<string, string>>;
  private closed = false;

  constructor(
    private readonly api: NodePodApi,
    private readonly image: string,
    readonly ns: string = nodeAccessNamespace(),
  ) {
    this.description = `one pod per node (hostNetwork, hostPID, ${NODE_POD_CAPABILITIES.join('+')}, image ${image}) in namespace ${ns}, through the Kubernetes API`;
  }

  /** Every node gets its pod at the first use of any (one apply, one wait). */
  private pods(): Promise<Map<string, string>> {
    if (this.closed) return Promise.reject(new Error(`node access pods in ${this.ns} were already removed`));
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<Map<string, string>> {
    const nodes = await this.api.listNodeNames();
    await this.api.createNamespace(this.ns, { ...runLabels(NODE_ACCESS_ROLE), 'pod-security.kubernetes.io/enforce': 'privileged' }).catch((e: unknown) => {
      if ((e as { code?: number }).code !== 409) throw e;
    });
    await this.api.apply(nodes.map((n) => nodePod(this.ns, n, this.image)));
    const want = new Set(nodes.map(nodePodName));
    const ready = await this.api.watchPods(
      this.ns,
      `${RUN_LABEL}=${RUN_ID},kpc.role=${NODE_ACCESS_ROLE}`,
      (objs) => {
        const states = objs.map(podState).filter((p) => want.has(p.name));
        const stuck = states.find((p) => p.stuck);
        if (stuck) return new Error(`node access pod ${this.ns}/${stuck.name} on ${stuck.node} cannot start: ${stuck.stuck}`);
        return states.filter((p) => p.ready).length >= want.size ? states : undefined;
      },
      TIMEOUTS.workloadReady,
      `${want.size} node access pod(s) ready in ${this.ns}`,
    );
    if (ready instanceof Error) throw ready;
    return new Map(ready.map((p) => [p.node, p.name]));
  }

  private async podOn(node: string): Promise<string> {
    const pod = (await this.pods()).get(node);
    if (!pod) throw new Error(`no node access pod on ${node} (nodes seen when the pods started: ${[...(await this.pods()).keys()].join(', ')})`);
    return pod;
  }

  async reachable(node: string): Promise<boolean> {
    return this.api.listNodeNames().then((names) => names.includes(node));
  }

  shell(node: string, ip: string): NodeShell {
    return new NodePodShell(this, node, ip);
  }

  /** Runs `cmd` in the node's pod (host network and PID namespaces). */
  async run(node: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return this.api.exec(this.ns, await this.podOn(node), CONTAINER, cmd, timeoutMs);
  }

  async capture(req: CaptureRequest): Promise<NodeCapture> {
    const file = await captureFile(req);
    const shell = this.shell(req.node, '');
    const ifNames = await interfaceNames(shell);
    const remote = `/tmp/kpc-${req.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Math.random().toString(36).slice(2, 8)}`;
    // tcpdump in the background with every stream redirected (the exec ends, tcpdump stays),
    // then wait in the same exec until it listens; prints its pid.
    const start = [
      'p=$1 l=$2; shift 2',
      'tcpdump "$@" </dev/null >/dev/null 2>"$l" & pid=$!',
      'i=0; until grep -q "listening on" "$l" 2>/dev/null; do',
      '  kill -0 $pid 2>/dev/null || { cat "$l" >&2; exit 3; }',
      '  i=$((i+1)); [ $i -gt 400 ] && { cat "$l" >&2; kill $pid; exit 4; }',
      '  sleep 0.05',
      'done',
      'echo $pid',
    ].join('\n');
    const r = await this.run(req.node, ['sh', '-c', start, 'sh', `${remote}.pcap`, `${remote}.log`, ...tcpdumpArgs(`${remote}.pcap`, req.filter)], TIMEOUTS.captureReady);
    const pid = r.stdout.trim();
    if (r.exitCode !== 0 || !/^\d+$/.test(pid)) throw new Error(`tcpdump on ${req.node} (pod ${this.ns}) did not start (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
    return new PodCapture(this, req.node, req.filter, file, pid, remote, ifNames);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.api.deleteNamespace(this.ns, TIMEOUTS.namespaceGone);
  }
}

class NodePodShell implements NodeShell {
  readonly label: string;
  constructor(
    private readonly access: PodNodeAccess,
    readonly node: string,
    readonly ip: string,
  ) {
    this.label = `node ${node}${ip ? ` (${ip})` : ''} via pod ${access.ns}/${nodePodName(node)}`;
  }
  run(cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return this.access.run(this.node, cmd, timeoutMs);
  }
}

class PodCapture implements NodeCapture {
  constructor(
    private readonly access: PodNodeAccess,
    readonly node: string,
    readonly filter: string,
    readonly file: string,
    private readonly pid: string,
    private readonly remote: string,
    private readonly ifNames: Map<number, string>,
  ) {}

  /** SIGTERM flushes tcpdump's file; the pcap comes back base64-encoded, the log on stderr. */
  async stop(): Promise<CaptureEvidence> {
    await delay(TIMEOUTS.captureSettle);
    const stop = [
      'pid=$1 p=$2 l=$3',
      'kill -TERM $pid 2>/dev/null',
      'i=0; while kill -0 $pid 2>/dev/null && ! grep -q "^[0-9]* ([^)]*) Z" /proc/$pid/stat 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done',
      'cat "$l" >&2',
      '[ -f "$p" ] && base64 "$p" | tr -d "\\n"',
      'rm -f "$p" "$l"',
    ].join('\n');
    const r = await this.access.run(this.node, ['sh', '-c', stop, 'sh', this.pid, `${this.remote}.pcap`, `${this.remote}.log`], 30_000);
    const pcap = Buffer.from(r.stdout.trim(), 'base64');
    await writeFile(this.file, pcap);
    return captureEvidence(this, pcap, this.ifNames, r.stderr);
  }
}

/** Deletes every node access namespace of a run (the sweep after an interrupted run). */
export async function sweepNodeAccess(api: NodePodApi, runId: string = RUN_ID): Promise<string[]> {
  const names = await api.namespacesLabelled(`${RUN_LABEL}=${runId},kpc.role=${NODE_ACCESS_ROLE}`);
  await Promise.all(names.map((n) => api.deleteNamespace(n, TIMEOUTS.namespaceGone).catch(() => undefined)));
  return names;
}
