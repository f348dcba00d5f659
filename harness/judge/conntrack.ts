/**
 * Judging a UDP stream across an endpoint replacement (udp/stale-conntrack-cleared). One client
 * socket keeps sending to a ClusterIP while its only endpoint is replaced. Every datagram
 * shares one conntrack entry (one 5-tuple); the proxy must delete that entry when the old
 * endpoint leaves, or the stream stays pinned to an address nobody answers on. Pure: the case
 * feeds timestamps and attempts, unit tests feed recorded ones.
 */
import type { Check } from '../../reports/model.ts';
import type { CurlEvidence } from '../probes/curl.ts';
import { servedBy } from './affinity.ts';
import type { JudgedAttempt } from './sample.ts';

export const ROW_BEFORE = 'one client socket -> ClusterIP/UDP before the replacement';
export const ROW_AFTER = 'one client socket -> ClusterIP/UDP after the old endpoint left';

export interface ReplacementTimeline {
  oldPod: string;
  newPod: string;
  /** When the old pod was deleted (ms since the epoch). */
  deletedAt: number;
  /** When the new endpoint showed ready in the EndpointSlice. */
  newReadyAt: number;
  /** The new endpoint must answer the stream within this long of newReadyAt. */
  boundMs: number;
  /** How long the client waits for each reply: a datagram whose wait had not ended when the
   * deletion was sent straddles it (the old pod may be killed before it answers). */
  replyWindowMs: number;
}

export interface StreamVerdict {
  before: JudgedAttempt[];
  after: JudgedAttempt[];
  /** ms from newReadyAt to the first datagram the new endpoint answered; undefined: never. */
  switchMs?: number;
  expectedAfter: string;
  expectedBefore: string;
  /** Set when the stream ended before the bound without a switch: no verdict is possible. */
  inconclusive?: string;
}

function who(c: CurlEvidence): string {
  const s = servedBy(c);
  return s ? `answered by ${s}` : c.exitCode === 0 ? 'answered, endpoint unknown' : `no answer (${c.exit})`;
}

/**
 * Before the deletion, every datagram after the first answer must be answered by the old pod;
 * only datagrams whose reply window closed before the deletion was sent count as before it
 * (one sent just before may meet an old pod already being killed: it belongs to the switch-over,
 * recorded in the stream but judged in neither row).
 * After it: the first answer from the new pod must come within `boundMs` of it turning ready
 * (attempts up to then are the switch-over, recorded but not judged one by one); from then on
 * every datagram must be answered by the new pod. No answer from the new pod within the bound
 * is one mismatched attempt that names the stale entry.
 */
export function judgeReplacementStream(path: string, stream: readonly CurlEvidence[], t: ReplacementTimeline): StreamVerdict {
  const expectedBefore = `every datagram answered by ${t.oldPod}`;
  const expectedAfter = `answered by the new endpoint within ${t.boundMs / 1000} s of it turning ready, then every datagram answered by it`;
  const pre = stream.filter((c) => c.startedAt + t.replyWindowMs <= t.deletedAt);
  const firstAnswer = pre.findIndex((c) => servedBy(c) !== undefined);
  const before = (firstAnswer < 0 ? pre : pre.slice(firstAnswer)).map((c): JudgedAttempt => {
    const s = servedBy(c);
    const ok = s === t.oldPod;
    const check: Check = { key: ROW_BEFORE, expected: expectedBefore, observedEcho: who(c), verdict: ok ? 'ok' : 'mismatch', ...(ok ? {} : { note: s ? `answered by ${s}` : 'not answered' }) };
    return { path, check, ...(s ? { servedBy: s } : {}) };
  });
  const post = stream.filter((c) => c.startedAt >= t.deletedAt);
  const firstNew = post.findIndex((c) => servedBy(c) === t.newPod);
  const deadline = t.newReadyAt + t.boundMs;
  const after: JudgedAttempt[] = [];
  let switchMs: number | undefined;
  const lastAt = post[post.length - 1]?.startedAt ?? 0;
  if (firstNew < 0 && lastAt < deadline) {
    const inconclusive = `the stream ended ${Math.round((deadline - lastAt) / 1000)} s before the bound (new endpoint ready ${Math.round((t.newReadyAt - t.deletedAt) / 1000)} s after the deletion): no verdict`;
    return { before, after, expectedAfter, expectedBefore, inconclusive };
  }
  if (firstNew < 0 || (post[firstNew]?.startedAt ?? Infinity) > deadline) {
    const stuck = post.filter((c) => c.startedAt > t.newReadyAt && c.startedAt <= deadline);
    const seen = [...new Set(stuck.map(who))].join('; ') || 'no datagram sent in the window';
    const observedEcho = firstNew < 0 ? `never answered by ${t.newPod} (${post.length} datagrams after the deletion, last ${Math.round((lastAt - t.newReadyAt) / 1000)} s after it turned ready): ${seen}` : `first answered by ${t.newPod} only ${((post[firstNew]?.startedAt ?? 0) - t.newReadyAt) / 1000} s after it turned ready`;
    after.push({ path, check: { key: ROW_AFTER, expected: expectedAfter, observedEcho, verdict: 'mismatch', note: `the stream stayed on a stale conntrack entry for more than ${t.boundMs / 1000} s` } });
    if (firstNew >= 0) switchMs = (post[firstNew]?.startedAt ?? 0) - t.newReadyAt;
    return { before, after, ...(switchMs !== undefined ? { switchMs } : {}), expectedAfter, expectedBefore };
  }
  switchMs = Math.max(0, (post[firstNew]?.startedAt ?? 0) - t.newReadyAt);
  for (const c of post.slice(firstNew)) {
    const s = servedBy(c);
    const ok = s === t.newPod;
    after.push({ path, check: { key: ROW_AFTER, expected: expectedAfter, observedEcho: who(c), verdict: ok ? 'ok' : 'mismatch', ...(ok ? {} : { note: s ? `answered by ${s}` : 'not answered after the switch' }) }, ...(s ? { servedBy: s } : {}) });
  }
  return { before, after, switchMs, expectedAfter, expectedBefore };
}
