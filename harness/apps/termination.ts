/**
 * "Explore Termination Behavior for Pods and their Endpoints": nginx with a preStop sleep and a
 * long grace period (shortened here), one pod deleted while the EndpointSlice is watched and,
 * optionally, a client keeps sending requests. Probes only collect: the timeline of endpoint
 * conditions and the request log. The cases judge them.
 */
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { deployApp, type DeployedApp } from './deploy.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { converge } from '../judge/converge.ts';
import { exitCodeOf, type KObject } from '../probes/kube.ts';
import { answered, curl } from '../probes/curl.ts';
import type { PodRunner } from '../probes/runners.ts';
import { CONSECUTIVE_SUCCESSES, TIMEOUTS } from '../timeouts.ts';
import { endpointFacts, type EndpointFact, type PodFact } from '../probes/waits.ts';
import { deployment } from './workloads.ts';

export interface TerminationParams {
  /** terminationGracePeriodSeconds (the tutorial: 120). */
  gracePeriodSec: number;
  /** preStop `sleep` (the tutorial: 180, i.e. longer than the grace period). */
  preStopSleepSec: number;
  /** Pause between two requests of the client loop. */
  requestIntervalSec: number;
  /** The loop keeps going this long after the old endpoint has left the EndpointSlice (seen by the harness's watch). */
  loopTailSec: number;
  /** Fewer requests than this inside the terminating window means the loop did not cover it. */
  minRequestsWhileTerminating: number;
  /**
   * The suite's cases (not the tutorial replay): after its preStop sleep the old pod keeps
   * sleeping until the harness has seen a replacement endpoint ready (it then creates
   * PRESTOP_RELEASE in the pod), at most this long in all. A fixed 20 s was too short for a
   * loaded machine to start the replacement (CI rehearsal at f943d6d, load average 46:
   * terminating-endpoint-conditions saw no ready replacement while the old endpoint terminated).
   */
  preStopMaxSec: number;
}

/** Created in the old pod by deleteAndWatch({ releaseOnReplacement }) to end its preStop. */
export const PRESTOP_RELEASE = '/tmp/kpc-replacement-ready';

function envSec(name: string, fallback: number): number {
  const v = process.env[name];
  return v && /^\d+(\.\d+)?$/.test(v) ? Number(v) : fallback;
}

/**
 * The tutorial's values shortened so the catalogue stays fast; the order is kept: the grace
 * period outlasts the preStop sleep, so nginx is stopped by the end of preStop, not by a kill.
 * KPC_TERMINATION_GRACE_SEC / KPC_TERMINATION_PRESTOP_SEC restore longer phases.
 */
export const TERMINATION: TerminationParams = {
  gracePeriodSec: envSec('KPC_TERMINATION_GRACE_SEC', 60),
  preStopSleepSec: envSec('KPC_TERMINATION_PRESTOP_SEC', 20),
  requestIntervalSec: 0.2,
  loopTailSec: 4,
  minRequestsWhileTerminating: 10,
  preStopMaxSec: 50,
};

export const TERMINATION_APP = { name: 'nginx-deployment', service: 'nginx-service', labels: { app: 'nginx' }, selector: 'app=nginx', port: 80 } as const;

/** The tutorial's Deployment: 1 replica, preStop sleep, long grace (the case and the tutorial replay). */
export function terminationDeployment(ns: string, image: string, p: TerminationParams = TERMINATION, holdForReplacement = false): KObject {
  const until = holdForReplacement ? { preStopUntil: { marker: PRESTOP_RELEASE, maxSec: Math.min(p.preStopMaxSec, p.gracePeriodSec - 5) } } : {};
  return deployment({
    ns,
    name: TERMINATION_APP.name,
    image,
    replicas: 1,
    port: TERMINATION_APP.port,
    labels: { ...TERMINATION_APP.labels },
    extra: { terminationGracePeriodSeconds: p.gracePeriodSec, preStopSleepSec: p.preStopSleepSec, ...until },
  });
}

/** nginx-service, as deployApp() and service() take it. */
export const TERMINATION_SERVICE = {
  name: TERMINATION_APP.service,
  selector: { ...TERMINATION_APP.labels },
  ports: [{ port: TERMINATION_APP.port, targetPort: TERMINATION_APP.port }],
};

/** The tutorial's Deployment and nginx-service. */
export async function deployTerminationApp(ctx: CaseContext, p: TerminationParams = TERMINATION): Promise<DeployedApp> {
  const dep = terminationDeployment(ctx.ns, ctx.images.nginx, p, true);
  await ctx.rec.json('termination parameters (tutorial: grace 120 s, preStop sleep 180 s)', p);
  return deployApp(ctx, dep, TERMINATION_APP.selector, 1, TERMINATION_SERVICE);
}

/**
 * Ready endpoints are not yet programmed rules: before the pod is deleted the Service must
 * answer `from` CONSECUTIVE_SUCCESSES times in a row, so failures in the loop are the
 * termination's, not a Service still being set up. Throws (ConvergenceError) otherwise.
 */
export async function serviceAnswering(from: PodRunner, url: string): Promise<number> {
  const r = await converge(() => curl(from, url), answered, { what: `${from.label} -> ${url} answering`, timeoutMs: TIMEOUTS.serviceProgrammed, consecutive: CONSECUTIVE_SUCCESSES, intervalMs: 200 });
  return r.attempts.length;
}

export interface EndpointSnapshot {
  /** Milliseconds since the delete request (negative: before it). */
  atMs: number;
  endpoints: Pick<EndpointFact, 'pod' | 'address' | 'ready' | 'serving' | 'terminating'>[];
}

export interface TerminationTimeline {
  oldPod: string;
  deletedAt: number;
  snapshots: EndpointSnapshot[];
  /** Milliseconds after the delete request when the old endpoint left the EndpointSlice. */
  oldGoneAtMs?: number;
  /** When the harness ended the old pod's held preStop (a replacement endpoint was ready). */
  releasedAtMs?: number;
  /** Why ending the held preStop failed, if it did (the preStop then ran to its cap). */
  releaseError?: string;
}

/**
 * Watches the Service's EndpointSlices, deletes `oldPod` (with its own grace period) once the
 * watch shows it ready, and records every change until its endpoint is gone. `beforeDelete`
 * runs once the watch is up (e.g. to start a request loop).
 */
export async function deleteAndWatch(ctx: CaseContext, serviceName: string, oldPod: PodFact, beforeDelete?: () => Promise<void>, opts: { releaseOnReplacement?: boolean } = {}): Promise<TerminationTimeline> {
  const tl: TerminationTimeline = { oldPod: oldPod.name, deletedAt: 0, snapshots: [] };
  let releasing: Promise<void> | undefined;
  // Ends the old pod's held preStop (PreStopUntil) once a replacement endpoint is ready.
  const release = () => {
    tl.releasedAtMs = Date.now() - tl.deletedAt;
    releasing = ctx.kube
      .exec(ctx.ns, oldPod.name, TERMINATION_APP.name, ['touch', PRESTOP_RELEASE], 15_000)
      .then((r) => {
        if (r.exitCode !== 0) tl.releaseError = `touch ${PRESTOP_RELEASE} exited ${r.exitCode}: ${r.stderr.trim()}`;
      })
      .catch((e: unknown) => {
        tl.releaseError = e instanceof Error ? e.message : String(e);
      });
  };
  let watching!: () => void;
  const up = new Promise<void>((resolve) => (watching = resolve));
  let last = '';
  const done = ctx.kube.watchUntil(
    `/apis/discovery.k8s.io/v1/namespaces/${ctx.ns}/endpointslices`,
    { labelSelector: `kubernetes.io/service-name=${serviceName}` },
    (objs) => {
      const eps = endpointFacts(objs.values()).map(({ pod, address, ready, serving, terminating }) => ({ pod, address, ready, serving, terminating }));
      const key = JSON.stringify(eps);
      if (key !== last) {
        last = key;
        tl.snapshots.push({ atMs: tl.deletedAt ? Date.now() - tl.deletedAt : -1, endpoints: eps });
      }
      if (!tl.deletedAt) {
        if (eps.some((e) => e.pod === oldPod.name && e.ready)) watching();
        return undefined;
      }
      if (!eps.some((e) => e.pod === oldPod.name)) {
        tl.oldGoneAtMs = Date.now() - tl.deletedAt;
        return true;
      }
      if (opts.releaseOnReplacement && !releasing && eps.some((e) => e.pod !== oldPod.name && e.ready)) release();
      return undefined;
    },
    TIMEOUTS.terminationPhase,
    `the endpoint of ${oldPod.name} to go through terminating and leave ${serviceName}'s EndpointSlice`,
  );
  // Awaited below; this only keeps an early failure (before the delete) from going unhandled.
  done.catch(() => undefined);
  await Promise.race([up, done]);
  if (beforeDelete) await beforeDelete();
  tl.deletedAt = Date.now();
  await ctx.step(`delete pod ${oldPod.name} (its own grace period)`, () => ctx.kube.core.deleteNamespacedPod({ name: oldPod.name, namespace: ctx.ns }));
  await ctx.step(`watch ${serviceName}'s EndpointSlice until ${oldPod.name} has left it${opts.releaseOnReplacement ? ' (its preStop ends once a replacement endpoint is ready)' : ''}`, () => done);
  await releasing;
  return tl;
}

export interface OldEndpointPhases {
  /** First snapshot where the old endpoint was ready=false, serving=true, terminating=true. */
  terminating?: EndpointSnapshot;
  /** First snapshot with the old endpoint terminating and another endpoint ready. */
  replacementReady?: EndpointSnapshot;
  /** How long the old endpoint stayed serving while terminating (until serving=false or gone). */
  servingWhileTerminatingMs?: number;
  /** The conditions the old endpoint showed after the delete, in order, deduplicated. */
  states: string[];
}

export function describeConditions(e: { ready: boolean; serving: boolean; terminating: boolean }): string {
  return `ready=${e.ready} serving=${e.serving} terminating=${e.terminating}`;
}

export function oldEndpointPhases(tl: TerminationTimeline): OldEndpointPhases {
  const out: OldEndpointPhases = { states: [] };
  const after = tl.snapshots.filter((s) => s.atMs >= 0);
  let servingSince: number | undefined;
  for (const s of after) {
    const old = s.endpoints.find((e) => e.pod === tl.oldPod);
    const state = old ? describeConditions(old) : 'gone';
    if (out.states[out.states.length - 1] !== state) out.states.push(state);
    const terminatingServing = old && !old.ready && old.serving && old.terminating;
    if (terminatingServing) {
      out.terminating ??= s;
      servingSince ??= s.atMs;
      if (!out.replacementReady && s.endpoints.some((e) => e.pod !== tl.oldPod && e.ready)) out.replacementReady = s;
    } else if (servingSince !== undefined && out.servingWhileTerminatingMs === undefined) {
      out.servingWhileTerminatingMs = s.atMs - servingSince;
    }
  }
  return out;
}

export function timelineText(tl: TerminationTimeline): string {
  const lines = [`delete requested for ${tl.oldPod} at ${new Date(tl.deletedAt).toISOString()} (t=0)`];
  for (const s of tl.snapshots) {
    const t = s.atMs < 0 ? 'before ' : `t=+${(s.atMs / 1000).toFixed(2)}s`;
    const eps = s.endpoints.map((e) => `${e.pod ?? '?'} ${e.address} ${describeConditions(e)}`).join(' | ') || '(no endpoints)';
    lines.push(`${t.padEnd(10)} ${eps}`);
  }
  if (tl.releasedAtMs !== undefined) lines.push(`replacement endpoint ready: the old pod's preStop told to end at t=+${(tl.releasedAtMs / 1000).toFixed(2)}s${tl.releaseError ? ` (failed: ${tl.releaseError}; it ran to its cap)` : ''}`);
  if (tl.oldGoneAtMs !== undefined) lines.push(`old endpoint gone at t=+${(tl.oldGoneAtMs / 1000).toFixed(2)}s`);
  return lines.join('\n');
}

export interface RequestRecord {
  /** Wall clock of the request start, ms since the epoch (clock of the client pod's node). */
  at: number;
  exitCode: number;
  httpCode: number;
}

export interface RequestLog {
  from: string;
  url: string;
  raw: string;
  requests: RequestRecord[];
  exitCode: number;
}

/** Parses the loop's lines: `<epoch seconds.nanos> <curl exit> <http code>`. */
export function parseRequestLog(raw: string): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (const line of raw.split('\n')) {
    const m = /^(\d+(?:\.\d+)?) (\d+) (\d{3})/.exec(line.trim());
    if (m) out.push({ at: Math.round(Number(m[1]) * 1000), exitCode: Number(m[2]), httpCode: Number(m[3]) });
  }
  return out;
}

export interface RunningLoop {
  /** Resolves when the loop printed its first request. */
  started: Promise<void>;
  done: Promise<RequestLog>;
}

/**
 * One curl every `intervalSec` from `from` to `url`, for at least `minSec`; then, when `stop`
 * is given, on until `stop.marker` exists in the pod (the caller creates it with
 * `stopRequestLoop` once the phase to cover is over) or `stop.maxSec` have passed. A loop
 * that stops on the clock alone cannot know when a slow endpoint controller is done. One line
 * per request with its timestamp, streamed so the caller can wait for the first request.
 */
export function startRequestLoop(kube: { kc: k8s.KubeConfig }, from: PodRunner, url: string, minSec: number, intervalSec: number, stop?: { marker: string; maxSec: number }): RunningLoop {
  const cond = stop
    ? `{ [ "$now" -lt "$end" ] || { [ ! -e '${stop.marker}' ] && [ "$now" -lt "$hard" ]; }; }`
    : '[ "$now" -lt "$end" ]';
  const script = [
    `start=$(date +%s); end=$(( start + ${Math.ceil(minSec)} )); hard=$(( start + ${Math.ceil(stop?.maxSec ?? minSec)} ))`,
    'while now=$(date +%s); ' + cond + '; do',
    '  t=$(date +%s.%N)',
    `  code=$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 2 '${url}'); rc=$?`,
    '  echo "$t $rc $code"',
    `  sleep ${intervalSec}`,
    'done',
    ...(stop ? [`rm -f '${stop.marker}'`] : []),
  ].join('\n');
  let raw = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString('utf8');
      if (raw.includes('\n')) markStarted();
      cb();
    },
  });
  const timeoutMs = Math.min(TIMEOUTS.requestLoop, (Math.max(minSec, stop?.maxSec ?? 0) + 30) * 1000);
  const done = new Promise<RequestLog>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`request loop in ${from.label} did not end within ${timeoutMs} ms`)), timeoutMs);
    new k8s.Exec(kube.kc)
      .exec(from.ns, from.pod, from.container, ['sh', '-c', script], stdout, null, null, false, (s) => {
        clearTimeout(timer);
        resolve({ from: from.label, url, raw, requests: parseRequestLog(raw), exitCode: exitCodeOf(s) });
      })
      .then((ws) => ws.on('error', (e: Error) => (clearTimeout(timer), reject(e))))
      .catch((e: unknown) => (clearTimeout(timer), reject(e)));
  });
  // A loop that fails before its first line must not leave the caller waiting for "started".
  done.then(markStarted, markStarted);
  return { started, done };
}

/** Ends a loop started with a stop marker after its current request. */
export async function stopRequestLoop(from: PodRunner, marker: string): Promise<void> {
  const r = await from.run(['touch', marker], 15_000);
  if (r.exitCode !== 0) throw new Error(`could not stop the request loop in ${from.label}: touch ${marker} exited ${r.exitCode}: ${r.stderr.trim()}`);
}

export function requestLogText(log: RequestLog, t0: number): string {
  const rows = log.requests.map((r) => `t=${((r.at - t0) / 1000).toFixed(2).padStart(7)}s  exit=${r.exitCode}  http=${r.httpCode}`);
  return `${log.from} -> ${log.url} (loop exit ${log.exitCode}; t=0 is the delete request)\n${rows.join('\n')}`;
}

/**
 * Shortens the remaining pods' grace so namespace teardown does not sit through another
 * preStop sleep: scale to 0 (no replacement), then delete the pods with a 1 s grace.
 */
export async function releaseTerminationApp(ctx: CaseContext): Promise<void> {
  await ctx.apply([deployment({ ns: ctx.ns, name: TERMINATION_APP.name, image: ctx.images.nginx, replicas: 0, port: TERMINATION_APP.port, labels: { ...TERMINATION_APP.labels }, extra: { terminationGracePeriodSeconds: TERMINATION.gracePeriodSec, preStopSleepSec: TERMINATION.preStopSleepSec } })]);
  await ctx.kube.core.deleteCollectionNamespacedPod({ namespace: ctx.ns, labelSelector: TERMINATION_APP.selector, gracePeriodSeconds: 1 });
}
