import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { TIMEOUTS } from '../timeouts.ts';

export type KObject = k8s.KubernetesObject & Record<string, unknown>;

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
  /** Set when the output may be cut short (the reason). */
  incomplete?: string;
}

const FIELD_MANAGER = 'kpc-conformance';

/** A watchUntil the caller stopped (its `stop` signal) before `decide` settled it. */
export class WatchStopped extends Error {
  constructor(what: string) {
    super(`stopped watching for ${what}`);
    this.name = 'WatchStopped';
  }
}

/** The cluster API as the harness uses it: apply, watch-until, exec, namespace lifecycle. */
export class Kube {
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly objects: k8s.KubernetesObjectApi;
  private readonly watcher: k8s.Watch;
  private readonly execer: k8s.Exec;

  constructor(readonly kubeconfigPath: string) {
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromFile(kubeconfigPath);
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(this.kc);
    this.watcher = new k8s.Watch(this.kc);
    this.execer = new k8s.Exec(this.kc);
  }

  /** Server-side apply of each object, in order. */
  async apply(objs: readonly KObject[]): Promise<void> {
    for (const o of objs) {
      await this.objects.patch(o, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    }
  }

  async delete(o: KObject): Promise<void> {
    try {
      await this.objects.delete(o, undefined, undefined, 0);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /**
   * Watches `path` (a list path like /api/v1/namespaces/ns/pods) until `decide` returns a
   * value other than undefined for the current set of objects. List, then watch from the list's
   * resourceVersion: `decide` first sees the whole current state (an empty set included) and
   * then every change. Deciding on the set a watch had replayed when its request was answered
   * was wrong: the replayed ADDED events come after that, so "every pod gone" held at once
   * while the pods were still there (connecting-apps/env-vars then read a terminating pod's
   * environment, an exec that failed). A watch the server closes is resumed by listing again.
   */
  async watchUntil<T>(
    path: string,
    query: Record<string, string>,
    decide: (objs: Map<string, KObject>) => T | undefined,
    timeoutMs: number,
    what: string,
    stop?: AbortSignal,
  ): Promise<T> {
    const objs = new Map<string, KObject>();
    const keyOf = (o: KObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    let controller: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    try {
      return await new Promise<T>((resolve, reject) => {
        const finish = (fn: () => void) => {
          if (!settled) {
            settled = true;
            fn();
          }
        };
        timer = setTimeout(() => {
          const state = [...objs.values()].map(summarize).join('; ') || 'no objects';
          finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${state})`)));
        }, timeoutMs);
        // Stopped by the caller: ends like a time-out, with its own message.
        const onStop = () => finish(() => reject(new WatchStopped(what)));
        if (stop?.aborted) onStop();
        else stop?.addEventListener('abort', onStop, { once: true });
        const sync = async (): Promise<void> => {
          const list = await this.rawList(path, query);
          if (settled) return;
          objs.clear();
          for (const o of list.items) objs.set(keyOf(o), o);
          const got = decide(objs);
          if (got !== undefined) return finish(() => resolve(got));
          const c = await this.watcher.watch(
            path,
            { ...query, resourceVersion: list.resourceVersion, allowWatchBookmarks: false },
            (phase, obj: KObject) => {
              // ERROR (e.g. 410 Gone): the server ends this watch next; the restart lists again.
              if (phase === 'ERROR') return;
              if (phase === 'DELETED') objs.delete(keyOf(obj));
              else if (phase === 'ADDED' || phase === 'MODIFIED') objs.set(keyOf(obj), obj);
              const v = decide(objs);
              if (v !== undefined) finish(() => resolve(v));
            },
            (err) => {
              if (settled) return;
              // The server closes watches now and then; a closed watch without error is resumed.
              if (err && !(err instanceof Error && err.name === 'AbortError')) finish(() => reject(err));
              else sync().catch((e: unknown) => finish(() => reject(e)));
            },
          );
          controller = c;
          if (settled) c.abort();
        };
        sync().catch((e: unknown) => finish(() => reject(e)));
      });
    } finally {
      settled = true;
      if (timer) clearTimeout(timer);
      controller?.abort();
    }
  }

  /** A list path's objects exactly as the API serves them (raw JSON, as a watch delivers them) and the list's resourceVersion. */
  private async rawList(path: string, query: Record<string, string>): Promise<{ items: KObject[]; resourceVersion: string }> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const body = await new Promise<string>((resolve, reject) => {
      const req = (url.protocol === 'http:' ? http : https).request(url, { ...opts, method: 'GET', headers: { ...(opts.headers ?? {}), Accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`GET ${url.pathname}${url.search}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve(text);
        });
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url.pathname}: no answer within 30 s`)));
      req.end();
    });
    const list = JSON.parse(body) as { items?: KObject[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** Runs a command in a pod's container and collects its output and exit code. */
  async exec(ns: string, pod: string, container: string, command: string[], timeoutMs = 30_000): Promise<ExecResult> {
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    err.on('data', (c: Buffer) => errChunks.push(c));
    const start = Date.now();
    let closedByGrace = false;
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      // The exit status can arrive before the last output frames (a request loop once lost its
      // last line this way): it is taken when the socket closes, which comes after every frame,
      // or after a bounded grace when the close does not come.
      let got: k8s.V1Status | undefined;
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => reject(new Error(`exec in ${ns}/${pod} timed out after ${timeoutMs} ms: ${command.join(' ')}`)), timeoutMs);
      const settle = (f: () => void) => {
        clearTimeout(timer);
        if (grace) clearTimeout(grace);
        f();
      };
      this.execer
        .exec(ns, pod, container, command, out, err, null, false, (s) => {
          got = s;
          grace = setTimeout(() => {
            closedByGrace = true;
            settle(() => resolve(s));
          }, TIMEOUTS.execCloseGrace);
        })
        .then((ws) => {
          ws.on('error', (e: Error) => settle(() => reject(e)));
          ws.on('close', () => {
            const s = got;
            if (s) settle(() => resolve(s));
            else settle(() => reject(new Error(`exec in ${ns}/${pod}: the stream closed without an exit status: ${command.join(' ')}`)));
          });
        })
        .catch((e) => settle(() => reject(e)));
    });
    return {
      stdout: Buffer.concat(chunks).toString('utf8'),
      stderr: Buffer.concat(errChunks).toString('utf8'),
      exitCode: exitCodeOf(status),
      durationMs: Date.now() - start,
      ...(closedByGrace ? { incomplete: `the exec's stream did not close within ${TIMEOUTS.execCloseGrace} ms of its exit status; output after that is lost` } : {}),
    };
  }

  async createNamespace(name: string, labels: Record<string, string>): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name, labels } } });
  }

  /**
   * Deletes a namespace and waits until it is gone. Polled, not watched: watchUntil decides on
   * an empty set as soon as the watch is up, before the namespace's initial ADDED event arrives,
   * which returned "gone" within 50 ms for a namespace still Terminating.
   */
  async deleteNamespace(name: string, timeoutMs: number, pollMs = 1000): Promise<void> {
    if (!(await this.requestNamespaceDeletion(name))) return;
    const until = Date.now() + timeoutMs;
    for (;;) {
      let phase: string | undefined;
      try {
        phase = (await this.core.readNamespace({ name })).status?.phase;
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (Date.now() > until) throw new Error(`namespace ${name} was still ${phase ?? 'there'} ${Math.round(timeoutMs / 1000)} s after its deletion`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Asks for a namespace's deletion without waiting; false when it does not exist. */
  async requestNamespaceDeletion(name: string): Promise<boolean> {
    try {
      await this.core.deleteNamespace({ name });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * Asks for the deletion of every namespace with the label selector that is not already being
   * deleted; returns their names. Does not wait for them to be gone.
   */
  async requestNamespacesDeletion(labelSelector: string): Promise<string[]> {
    const live = (await this.core.listNamespace({ labelSelector })).items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata?.name ?? '').filter(Boolean);
    await Promise.all(live.map((n) => this.requestNamespaceDeletion(n)));
    return live;
  }

  /** Sets (string) or removes (null) labels on a node with a JSON merge patch. */
  async labelNode(name: string, labels: Record<string, string | null>): Promise<void> {
    await this.objects.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: labels as Record<string, string> } }, undefined, undefined, FIELD_MANAGER, undefined, k8s.PatchStrategy.MergePatch);
  }

  async listNodes(): Promise<k8s.V1Node[]> {
    return (await this.core.listNode()).items;
  }

  async listPods(ns: string, labelSelector?: string): Promise<k8s.V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace: ns, labelSelector })).items;
  }

  async readService(ns: string, name: string): Promise<k8s.V1Service> {
    return this.core.readNamespacedService({ namespace: ns, name });
  }
}

export function exitCodeOf(s: k8s.V1Status): number {
  if (s.status === 'Success') return 0;
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = cause?.message ? Number(cause.message) : NaN;
  return Number.isFinite(n) ? n : -1;
}

export function isNotFound(e: unknown): boolean {
  const code = (e as { code?: number; statusCode?: number } | null)?.code ?? (e as { statusCode?: number } | null)?.statusCode;
  return code === 404;
}

function summarize(o: KObject): string {
  const status = o.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return `${o.kind ?? 'object'} ${o.metadata?.name ?? '?'}${status?.phase ? ` ${status.phase}` : ''}${ready ? ` Ready=${ready}` : ''}`;
}
