import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { mustConverge } from '../../harness/judge/converge.ts';
import { CONSECUTIVE_SUCCESSES, TIMEOUTS } from '../../harness/timeouts.ts';
import {
  TERMINATION, TERMINATION_APP, deleteAndWatch, deployTerminationApp, oldEndpointPhases, releaseTerminationApp, requestLogText, serviceAnswering, startRequestLoop, stopRequestLoop, timelineText,
  type RunningLoop,
} from '../../harness/apps/termination.ts';

/** Every mode: with a ready replacement or, before it, the serving-terminating endpoint, every request is answered. */
const EXPECT = { exitCode: 0, httpCode: 200 } as const;

/** Catches: connections refused while an endpoint terminates gracefully (terminating endpoints removed too early, or still chosen after removal). */
defineCase({
  id: 'termination/traffic-during-grace',
  title: 'Requests to the Service keep succeeding while a pod with a preStop sleep terminates',
  source: SOURCES.termination,
  async run(ctx) {
    const app = await deployTerminationApp(ctx);
    const old = app.pods[0];
    if (!old) throw new Error('no nginx pod');
    const clients = await ctx.step('client pods on every node', () => ctx.clients());
    const from = clients.get(ctx.workers[0]?.name ?? '') ?? [...clients.values()][0];
    if (!from) throw new Error('no client pod');
    const url = `http://${app.svc.clusterIP}:${TERMINATION_APP.port}/`;
    // The loop runs at least through the preStop sleep, then until the harness has seen the old
    // endpoint leave the EndpointSlice and waited loopTailSec more (a marker file ends it), capped
    // at the grace period plus the tail: on a slow machine the endpoint leaves later than
    // preStop + a fixed tail, and a loop on the clock alone stopped short of it (26.38 s vs 26.58 s).
    const marker = `/tmp/kpc-loop-stop-${ctx.ns}`;
    const maxSec = TERMINATION.gracePeriodSec + TERMINATION.loopTailSec + 10;
    await ctx.step(`wait until ${url} answers ${from.label} ${CONSECUTIVE_SUCCESSES} times in a row (Service programmed)`, () =>
      mustConverge(ctx.rec, { key: 'pod -> ClusterIP answers before the pod is deleted', expected: `${CONSECUTIVE_SUCCESSES} consecutive answers within ${TIMEOUTS.serviceProgrammed / 1000} s` }, () => serviceAnswering(from, url)),
    );
    let loop: RunningLoop | undefined;
    try {
      const tl = await deleteAndWatch(ctx, TERMINATION_APP.service, old, async () => {
        loop = startRequestLoop(ctx.kube, from, url, TERMINATION.preStopSleepSec, TERMINATION.requestIntervalSec, { marker, maxSec });
        await ctx.step(`start a request loop (one curl every ${TERMINATION.requestIntervalSec} s, >= ${TERMINATION.preStopSleepSec} s, until ${TERMINATION.loopTailSec} s after the old endpoint left, <= ${maxSec} s) in ${from.label} -> ${url}`, () => loop?.started ?? Promise.resolve());
      }, { releaseOnReplacement: true });
      if (!loop) throw new Error('the request loop did not start');
      const running = loop;
      await ctx.step(`keep the loop going ${TERMINATION.loopTailSec} s after the old endpoint left, then stop it`, async () => {
        await new Promise((r) => setTimeout(r, TERMINATION.loopTailSec * 1000));
        await stopRequestLoop(from, marker);
      });
      const log = await ctx.step('wait for the request loop to end', () => running.done);
      await ctx.rec.text('log', 'request log', requestLogText(log, tl.deletedAt));
      await ctx.rec.text('log', 'EndpointSlice condition timeline', timelineText(tl));

      const failed = log.requests.filter((r) => r.exitCode !== EXPECT.exitCode || r.httpCode !== EXPECT.httpCode);
      const rel = (at: number) => `t=${((at - tl.deletedAt) / 1000).toFixed(2)}s`;
      ctx.rec.expect(`every request answered (curl exit ${EXPECT.exitCode}, HTTP ${EXPECT.httpCode}) from before the delete until after ${old.name}'s endpoint is gone`);
      ctx.rec.observe(`${log.requests.length - failed.length}/${log.requests.length} answered${failed.length ? `; failed: ${failed.slice(0, 10).map((r) => `${rel(r.at)} exit ${r.exitCode} http ${r.httpCode}`).join(', ')}` : ''}`);
      ctx.rec.check({
        key: 'pod -> ClusterIP during termination of an endpoint',
        expected: `all requests exit ${EXPECT.exitCode}, HTTP ${EXPECT.httpCode}`,
        observedEcho: `${log.requests.length - failed.length}/${log.requests.length} answered${failed.length ? `; first failure ${rel(failed[0]?.at ?? 0)} exit ${failed[0]?.exitCode} http ${failed[0]?.httpCode}` : ''}`,
        verdict: log.requests.length > 0 && failed.length === 0 ? 'ok' : 'mismatch',
      });

      // The loop must actually span the phase it is about: before the delete, through terminating, past removal.
      const ph = oldEndpointPhases(tl);
      const goneAt = tl.oldGoneAtMs === undefined ? undefined : tl.deletedAt + tl.oldGoneAtMs;
      const during = log.requests.filter((r) => r.at >= tl.deletedAt && (goneAt === undefined || r.at <= goneAt)).length;
      const first = log.requests[0]?.at;
      const last = log.requests[log.requests.length - 1]?.at;
      const covered = first !== undefined && last !== undefined && first <= tl.deletedAt && goneAt !== undefined && last >= goneAt && during >= TERMINATION.minRequestsWhileTerminating;
      ctx.rec.check({
        key: 'requests cover the terminating phase',
        expected: `first request before the delete, last after the old endpoint left, >= ${TERMINATION.minRequestsWhileTerminating} requests in between`,
        observedEcho: `first ${first === undefined ? '-' : rel(first)}, last ${last === undefined ? '-' : rel(last)}, old endpoint gone ${goneAt === undefined ? 'never' : rel(goneAt)}, ${during} request(s) in between; old endpoint: ${ph.states.join(' -> ')}`,
        verdict: covered ? 'ok' : 'mismatch',
      });
      await attachServiceRules(ctx, TERMINATION_APP.service, from.node);
    } finally {
      // After an error above the loop would run on to its cap: end it now (best effort).
      if (loop) await stopRequestLoop(from, marker).catch(() => undefined);
      await loop?.done.catch(() => undefined);
      await ctx.step('release: scale to 0 and shorten the remaining grace (teardown speed)', () => releaseTerminationApp(ctx));
    }
  },
});
