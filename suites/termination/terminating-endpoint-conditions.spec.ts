import { attachServiceRules } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import {
  TERMINATION, TERMINATION_APP, deleteAndWatch, deployTerminationApp, describeConditions, oldEndpointPhases, releaseTerminationApp, timelineText,
} from '../../harness/apps/termination.ts';
import { podsReady } from '../../harness/probes/waits.ts';

/** What the tutorial shows for the deleted pod's endpoint (every mode: this is the control plane's doing). */
const TERMINATING = { ready: false, serving: true, terminating: true };
/** The endpoint must stay serving for the preStop sleep; allow this much for the controller's reaction time. */
const SERVING_TOLERANCE_MS = 2_000;

defineCase({
  id: 'termination/terminating-endpoint-conditions',
  title: 'A deleted pod in its preStop/grace phase: endpoint ready=false, serving=true, terminating=true while the replacement becomes ready',
  source: SOURCES.termination,
  tags: ['control-plane'],
  async run(ctx) {
    const app = await deployTerminationApp(ctx);
    const old = app.pods[0];
    if (!old) throw new Error('no nginx pod');
    try {
      const tl = await deleteAndWatch(ctx, TERMINATION_APP.service, old, undefined, { releaseOnReplacement: true });
      await ctx.rec.text('log', 'EndpointSlice condition timeline', timelineText(tl));
      await ctx.rec.json('EndpointSlice condition timeline (raw)', tl);
      // The replacement pod finishing its start, for the record (the Deployment keeps 1 replica).
      const now = await podsReady(ctx.kube, ctx.ns, TERMINATION_APP.selector, 1);
      await ctx.rec.json('pods after the old endpoint left', now);

      const ph = oldEndpointPhases(tl);
      const want = describeConditions(TERMINATING);
      ctx.rec.expect(`after deleting ${old.name}: its endpoint shows ${want} while another endpoint is ready; it stays serving for the preStop sleep (${TERMINATION.preStopSleepSec} s)`);
      ctx.rec.observe(`${old.name}'s endpoint went through: ${ph.states.join(' -> ')}`);
      ctx.rec.check({
        key: 'the deleted pod\'s endpoint after delete',
        expected: want,
        observedEcho: ph.terminating ? `${want} at t=+${(ph.terminating.atMs / 1000).toFixed(2)}s` : `never; states: ${ph.states.join(' -> ')}`,
        verdict: ph.terminating ? 'ok' : 'mismatch',
      });
      const repl = ph.replacementReady?.endpoints.find((e) => e.pod !== old.name && e.ready);
      ctx.rec.check({
        key: 'replacement endpoint while the old one terminates',
        expected: `another pod's endpoint ready=true while the deleted pod's shows ${want}`,
        observedEcho: repl && ph.replacementReady ? `${repl.pod ?? repl.address} ready at t=+${(ph.replacementReady.atMs / 1000).toFixed(2)}s` : 'no ready replacement seen during the terminating phase',
        verdict: repl ? 'ok' : 'mismatch',
      });
      const minMs = TERMINATION.preStopSleepSec * 1000 - SERVING_TOLERANCE_MS;
      const served = ph.servingWhileTerminatingMs;
      ctx.rec.check({
        key: 'the deleted pod\'s endpoint stays serving while terminating',
        expected: `>= ${(minMs / 1000).toFixed(1)} s (preStop sleep ${TERMINATION.preStopSleepSec} s - ${SERVING_TOLERANCE_MS / 1000} s)`,
        observedEcho: served === undefined ? 'never left the serving state within the watch' : `${(served / 1000).toFixed(2)} s`,
        verdict: served !== undefined && served >= minMs ? 'ok' : 'mismatch',
      });
      await attachServiceRules(ctx, TERMINATION_APP.service, now[0]?.node ?? old.node);
    } finally {
      await ctx.step('release: scale to 0 and shorten the remaining grace (teardown speed)', () => releaseTerminationApp(ctx));
    }
  },
});
