import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, reachOf, synSourceAtEndpoint } from '../../harness/judge/judge.ts';
import { ANSWERS_SNAT_WHEN_FORWARDED, ANSWERS_WITH_CLIENT_IP, ANSWERS_WITH_NODE_SNAT, DROPS, EXTERNAL_CLUSTER_POLICY } from '../../harness/judge/expectations.ts';
import type { Behaviour } from '../../harness/implementations/types.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import type { PacketRow } from '../../reports/model.ts';

const facts = { clientIp: '172.18.0.9', receivingNodeAddresses: ['172.18.0.3', '10.244.1.1', '127.0.0.1'] };

function curlResult(over: Partial<CurlEvidence>): CurlEvidence {
  return { from: 'outside', url: 'http://172.18.0.3:30080/', args: [], exitCode: 0, exit: '0 OK', httpCode: 200, body: '', stderr: '', startedAt: 1_000_000, endedAt: 1_000_050, ...over };
}

test('client IP preserved: echo and wire agree with the expectation', () => {
  const c = judge('outside -> node', ANSWERS_WITH_CLIENT_IP, { curl: curlResult({}), echoSource: '172.18.0.9', wireSource: '172.18.0.9' }, facts);
  assert.equal(c.verdict, 'ok');
});

test('SNAT where the client IP was expected is a mismatch', () => {
  const c = judge('pod -> ClusterIP', ANSWERS_WITH_CLIENT_IP, { curl: curlResult({}), echoSource: '10.244.1.1', wireSource: '10.244.1.1' }, facts);
  assert.equal(c.verdict, 'mismatch');
  assert.match(c.observedEcho ?? '', /owned by the receiving node/);
});

test('SNAT to the receiving node passes the Cluster-policy expectation, but not when it is the client', () => {
  assert.equal(judge('k', ANSWERS_WITH_NODE_SNAT, { curl: curlResult({}), echoSource: '172.18.0.3', wireSource: '172.18.0.3' }, facts).verdict, 'ok');
  assert.equal(judge('k', ANSWERS_WITH_NODE_SNAT, { curl: curlResult({}), echoSource: '172.18.0.9', wireSource: '172.18.0.9' }, facts).verdict, 'mismatch');
  assert.equal(judge('k', ANSWERS_WITH_NODE_SNAT, { curl: curlResult({}), echoSource: '172.18.0.77' }, facts).verdict, 'mismatch');
});

test('echo and wire telling different stories is its own verdict', () => {
  const c = judge('k', ANSWERS_WITH_CLIENT_IP, { curl: curlResult({}), echoSource: '172.18.0.9', wireSource: '172.18.0.3' }, facts);
  assert.equal(c.verdict, 'disagree');
});

test('an answer where a drop was expected fails; a timeout passes; a SYN reaching an endpoint during a drop disagrees', () => {
  assert.equal(judge('k', DROPS, { curl: curlResult({}), echoSource: '172.18.0.9' }, facts).verdict, 'mismatch');
  const timeout = curlResult({ exitCode: 28, exit: '28 OPERATION_TIMEDOUT', httpCode: undefined });
  assert.equal(judge('k', DROPS, { curl: timeout, wireSource: null }, facts).verdict, 'ok');
  assert.equal(judge('k', DROPS, { curl: timeout, wireSource: '172.18.0.9' }, facts).verdict, 'disagree');
});

test('reachOf names curl outcomes', () => {
  assert.equal(reachOf(curlResult({})), 'answers');
  assert.equal(reachOf(curlResult({ exitCode: 28, httpCode: undefined })), 'drops');
  assert.equal(reachOf(curlResult({ exitCode: 7, httpCode: undefined })), 'rejects');
  assert.equal(reachOf(curlResult({ exitCode: 0, httpCode: 503 })), 'error');
});

test('synSourceAtEndpoint picks the SYN to the endpoint inside the request window', () => {
  const rows: PacketRow[] = [
    { time: 999.0, proto: 'tcp', src: '1.1.1.1', srcPort: 1, dst: '10.244.1.5', dstPort: 8080, flags: 'S', length: 60 }, // before the window
    { time: 1000.01, proto: 'tcp', src: '172.18.0.9', srcPort: 4000, dst: '172.18.0.3', dstPort: 30080, flags: 'S', length: 60 }, // pre-DNAT
    { time: 1000.02, proto: 'tcp', src: '10.244.1.1', srcPort: 4000, dst: '10.244.1.5', dstPort: 8080, flags: 'S', length: 60 },
    { time: 1000.03, proto: 'tcp', src: '10.244.1.5', srcPort: 8080, dst: '10.244.1.1', dstPort: 4000, flags: 'S.', length: 60 },
  ];
  assert.equal(synSourceAtEndpoint(rows, [{ ip: '10.244.1.5', port: 8080 }], { startedAt: 1_000_000, endedAt: 1_000_050 }), '10.244.1.1');
  assert.equal(synSourceAtEndpoint(rows, [{ ip: '10.244.2.5', port: 8080 }], { startedAt: 1_000_000, endedAt: 1_000_050 }), null);
});

test('SNAT only when forwarded (Cilium): the client IP from a local endpoint, the node from a remote one, never the other way round', () => {
  const f = { ...facts, localEndpointIps: ['10.244.1.7'] };
  const local = { curl: curlResult({}), servedByIp: '10.244.1.7', servedBy: 'local-pod' };
  const remote = { curl: curlResult({}), servedByIp: '10.244.2.8', servedBy: 'remote-pod' };
  assert.equal(judge('k', ANSWERS_SNAT_WHEN_FORWARDED, { ...local, echoSource: '172.18.0.9' }, f).verdict, 'ok');
  assert.equal(judge('k', ANSWERS_SNAT_WHEN_FORWARDED, { ...remote, echoSource: '172.18.0.3' }, f).verdict, 'ok');
  const snatLocal = judge('k', ANSWERS_SNAT_WHEN_FORWARDED, { ...local, echoSource: '172.18.0.3' }, f);
  assert.equal(snatLocal.verdict, 'mismatch');
  assert.match(snatLocal.note ?? '', /local endpoint: expected the client's own IP/);
  assert.equal(judge('k', ANSWERS_SNAT_WHEN_FORWARDED, { ...remote, echoSource: '172.18.0.9' }, f).verdict, 'mismatch');
  // Without knowing who answered, the row cannot be judged either way.
  assert.equal(judge('k', ANSWERS_SNAT_WHEN_FORWARDED, { curl: curlResult({}), echoSource: '172.18.0.9' }, f).verdict, 'mismatch');
  // kube-proxy declares SNAT for local endpoints too; Cilium does not.
  assert.equal(EXTERNAL_CLUSTER_POLICY({ externalClusterTrafficMasqueradedForLocalEndpoint: true } as Behaviour), ANSWERS_WITH_NODE_SNAT);
  assert.equal(EXTERNAL_CLUSTER_POLICY({ externalClusterTrafficMasqueradedForLocalEndpoint: false } as Behaviour), ANSWERS_SNAT_WHEN_FORWARDED);
});

test('a fixed declared source address (Cilium hairpin: 169.254.42.1) matches that address only', () => {
  const exp = { reach: 'answers', source: { kind: 'address', address: '169.254.42.1' } } as const;
  assert.equal(judge('k', exp, { curl: curlResult({}), echoSource: '169.254.42.1' }, facts).verdict, 'ok');
  assert.equal(judge('k', exp, { curl: curlResult({}), echoSource: '172.18.0.3' }, facts).verdict, 'mismatch');
});

test('unanswered accepts a drop or a refusal, never an answer', () => {
  const exp = { reach: 'unanswered' } as const;
  assert.equal(judge('k', exp, { curl: curlResult({ exitCode: 28, exit: '28 OPERATION_TIMEDOUT', httpCode: undefined }) }, facts).verdict, 'ok');
  assert.equal(judge('k', exp, { curl: curlResult({ exitCode: 7, exit: '7 COULDNT_CONNECT', httpCode: undefined }) }, facts).verdict, 'ok');
  assert.equal(judge('k', exp, { curl: curlResult({}), echoSource: '172.18.0.9' }, facts).verdict, 'mismatch');
});
