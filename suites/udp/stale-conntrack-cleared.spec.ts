import { attachServiceRules, deployUdpEcho } from '../../harness/apps/deploy.ts';
import { SOURCES } from '../../harness/apps/sources.ts';
import { udpClients } from '../../harness/apps/udp.ts';
import { servedBy } from '../../harness/judge/affinity.ts';
import { judgeReplacementStream, ROW_AFTER, ROW_BEFORE } from '../../harness/judge/conntrack.ts';
import { ANSWERS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { aggregateRow, convergeThenSample } from '../../harness/judge/sample.ts';
import { attemptsText, pathLabel } from '../../harness/judge/scenarios.ts';
import { udpExchange, udpSocketOpen, udpStream } from '../../harness/probes/udp.ts';
import { endpointsUntil } from '../../harness/probes/waits.ts';
import { defineCase } from '../../harness/run/case.ts';
import { TIMEOUTS } from '../../harness/timeouts.ts';

type Row = typeof ROW_BEFORE | typeof ROW_AFTER;
const EXPECT: ExpectationTable<Row> = { rows: { [ROW_BEFORE]: ANSWERS, [ROW_AFTER]: ANSWERS } };

const PORT = 5303;
const SOURCE_PORT = 40_123;
/**
 * A datagram every 200 ms (each waits up to 1 s for its reply) for 35 s. The wait was 0.5 s:
 * under load (2 cores, 4 workers, load average 35, nftables at 804f07d) one reply of 59 from the
 * new endpoint came later than that and the row failed on it. A stale entry sends every datagram
 * to the deleted pod, where no wait helps, so the longer wait hides no fault.
 */
const STREAM = { count: 1_000, intervalMs: 200, timeoutSec: 1, maxSec: 35 };
/** Datagrams sent before the old endpoint is deleted. */
const LEAD_MS = 3_000;

/** How long to wait for the stream's socket; without it, the stream's own result tells. */
const SOCKET_WAIT_SEC = 30;

/**
 * UDP has no connection to reset: every datagram of one client socket rides the conntrack
 * entry its first datagram created, DNATed to the endpoint picked then. When that endpoint
 * goes away the proxy must delete the entry (kube-proxy: pkg/proxy/conntrack, "Kubernetes UDP
 * services can be affected by stale conntrack entries"), or a client that keeps sending never
 * reaches the replacement. A client pod on a node without the endpoint sends a steady stream
 * from one socket; the only endpoint is deleted and its ReplicaSet starts a new one; the
 * stream must be answered by the new pod within TIMEOUTS.udpStaleEntryCleared of it turning
 * ready, and by it alone from then on.
 */
/** Catches: stale UDP conntrack entries not cleared when an endpoint is removed (fault udp-stale-conntrack). */
defineCase({
  id: 'udp/stale-conntrack-cleared',
  title: 'UDP: after the only endpoint is replaced, a client that keeps sending from one socket reaches the new endpoint within a bound',
  source: SOURCES.virtualIps,
  needs: ['multi-node'],
  async run(ctx) {
    const [epNode, clientNode] = ctx.workers;
    if (!epNode || !clientNode) throw new Error('needs two worker nodes');
    const app = await deployUdpEcho(ctx, [epNode.name], PORT, { name: 'udp-replaced', ports: [{ port: 53, targetPort: PORT, protocol: 'UDP' }] });
    const oldPod = app.pods[0];
    if (!oldPod) throw new Error('no endpoint pod');
    const client = (await udpClients(ctx)).get(clientNode.name);
    if (!client) throw new Error(`no client pod on ${clientNode.name}`);
    const url = `udp://${app.svc.clusterIP}:53`;
    const path = pathLabel({ from: client, url: `${url} from source port ${SOURCE_PORT}`, receivingNode: clientNode.name });
    await ctx.step(`the Service answers ${client.label} (another socket) before the stream starts`, () =>
      convergeThenSample(() => udpExchange(client, url, { timeoutSec: 1 }), (c) => servedBy(c) === oldPod.name, { what: `${client.label} -> ${url}`, timeoutMs: TIMEOUTS.serviceProgrammed, n: 0 }),
    );
    const streamStarted = Date.now();
    const streaming = udpStream(client, url, { sourcePort: SOURCE_PORT, ...STREAM });
    streaming.catch(() => undefined);
    // The lead counts from the stream's socket, not from the exec request: on a loaded machine
    // the client started more than LEAD_MS after it, and no datagram preceded the deletion.
    const socketAt = await ctx.step(`wait for the stream's socket (source port ${SOURCE_PORT}) in ${client.label}`, () => udpSocketOpen(client, SOURCE_PORT, SOCKET_WAIT_SEC));
    await new Promise((r) => setTimeout(r, LEAD_MS));
    const deletedAt = Date.now();
    await ctx.step(`delete ${oldPod.name}: its ReplicaSet starts a replacement`, () => ctx.kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: oldPod.name, namespace: ctx.ns } }));
    const fresh = await ctx.step('watch the new endpoint turn ready (and the old one leave)', () =>
      endpointsUntil(ctx.kube, ctx.ns, 'udp-replaced', (eps) => {
        const n = eps.find((e) => e.ready && e.pod && e.pod !== oldPod.name);
        return n && !eps.some((e) => e.pod === oldPod.name && e.ready) ? { pod: n.pod ?? '', at: Date.now() } : undefined;
      }, 'a new ready endpoint of udp-replaced', TIMEOUTS.workloadReady),
    );
    const stream = await ctx.step(`the stream from source port ${SOURCE_PORT} ends (${STREAM.maxSec} s)`, () => streaming);
    const t = { oldPod: oldPod.name, newPod: fresh.pod, deletedAt, newReadyAt: fresh.at, boundMs: TIMEOUTS.udpStaleEntryCleared, replyWindowMs: STREAM.timeoutSec * 1000 };
    const v = judgeReplacementStream(path, stream, t);
    const rel = (ms: number) => `+${((ms - streamStarted) / 1000).toFixed(1)} s`;
    const timeline = [`stream asked for ${rel(streamStarted)}`, socketAt !== undefined ? `its socket open by ${rel(socketAt)}` : `its socket not seen within ${SOCKET_WAIT_SEC} s (the lead counted from then)`, `${oldPod.name} deleted ${rel(deletedAt)}`, `${fresh.pod} ready in the EndpointSlice ${rel(fresh.at)}`, v.switchMs !== undefined ? `first answer from ${fresh.pod} ${rel(fresh.at + v.switchMs)} (${(v.switchMs / 1000).toFixed(1)} s after it turned ready)` : `no answer from ${fresh.pod}`].join('\n');
    await ctx.rec.text('echo', `${path}: the stream`, `${timeline}\n\n${attemptsText({ convergence: [], converged: true, convergeMs: 0, sample: stream }, path)}`);
    ctx.rec.observe(timeline.replace(/\n/g, '; '));
    if (v.inconclusive) throw new Error(`udp/stale-conntrack-cleared: ${v.inconclusive}`);
    for (const [key, attempts, expected] of [[ROW_BEFORE, v.before, v.expectedBefore], [ROW_AFTER, v.after, v.expectedAfter]] as const) {
      ctx.rec.expect(`${key}: ${expected} (expectation: ${ctx.expectation(EXPECT, key).reach})`);
      ctx.rec.check(aggregateRow({ key, expected, paths: [{ path, converged: true, attempts }] }));
    }
    await attachServiceRules(ctx, 'udp-replaced', clientNode.name);
  },
});
