import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { addressOf, commonFamilies, familyOf, urlHost } from '../../clusters/ip-family.ts';
import { dualStackUnsupportedReason, kindConfig } from '../../clusters/cluster.ts';
import { endpointsOf, familyKey, familyServiceName, familyServiceSpec } from '../../harness/apps/families.ts';
import { captureFilter, hostPort, wireSource } from '../../harness/judge/scenarios.ts';
import { decodeCapture } from '../../harness/probes/pcap.ts';
import type { CurlEvidence } from '../../harness/probes/curl.ts';
import type { EchoReply } from '../../harness/probes/echo.ts';
import { sourceMatches } from '../../harness/judge/judge.ts';
import { implementationByName } from '../../harness/implementations/index.ts';
import { parseIpAddr } from '../../harness/probes/node.ts';
import { asFamily, type Runner } from '../../harness/probes/runners.ts';
import { dualStackProblem } from '../../harness/run/cluster-under-test.ts';
import { controlDecls, judgeControl } from '../../harness/faults/detection.ts';
import { dualStackCheck } from '../e2e/dualstack-check.ts';
import type { Results } from '../../reports/model.ts';
import { casesOf, defaultProjects, projectByName, projectsFromSpecs } from '../../harness/run/projects.ts';

test('IP families: which family, the address of a family, URL hosts', () => {
  assert.equal(familyOf('10.244.1.5'), 'IPv4');
  assert.equal(familyOf('fd00:10:244:1::5'), 'IPv6');
  assert.equal(familyOf('::ffff:10.0.0.1'), 'IPv6');
  assert.throws(() => familyOf(''), /not an IP address/);
  assert.throws(() => familyOf('kpc-worker'), /not an IP address/);
  assert.equal(addressOf(['10.244.1.5', 'fd00:10:244:1::5'], 'IPv6'), 'fd00:10:244:1::5');
  assert.equal(addressOf(['10.244.1.5'], 'IPv6'), undefined);
  assert.equal(urlHost('fd00:10:96::a'), '[fd00:10:96::a]');
  assert.equal(urlHost('10.96.0.10'), '10.96.0.10');
});

test('a cluster is dual-stack when every node has an InternalIP of both families', () => {
  assert.deepEqual(commonFamilies([['172.18.0.2', 'fc00:f853:ccd:e793::2'], ['172.18.0.3', 'fc00:f853:ccd:e793::3']]), ['IPv4', 'IPv6']);
  assert.deepEqual(commonFamilies([['172.18.0.2', 'fc00:f853:ccd:e793::2'], ['172.18.0.3']]), ['IPv4']);
  assert.deepEqual(commonFamilies([['fd00::2']]), ['IPv6']);
  assert.deepEqual(commonFamilies([]), []);
  const node = (name: string, ips: string[]) => ({ name, ip: ips[0] ?? '', ips, controlPlane: false });
  const dual = implementationByName('iptables-dual');
  const half = { name: 'kpc-ds-iptables-dual', nodes: [node('a', ['172.18.0.2', 'fc00::2']), node('b', ['172.18.0.3'])], ipFamilies: commonFamilies([['172.18.0.2', 'fc00::2'], ['172.18.0.3']]) };
  assert.match(dualStackProblem(dual, half) ?? '', /needs a dual-stack cluster, but kpc-ds-iptables-dual's nodes .*b: 172\.18\.0\.3\)/);
  assert.equal(dualStackProblem(dual, { ...half, ipFamilies: ['IPv4', 'IPv6'] }), undefined);
  assert.equal(dualStackProblem(implementationByName('iptables'), half), undefined, 'single-stack columns do not ask');
});

test('kind config: ipFamily dual only when asked; the host check names what is missing', () => {
  const plain = YAML.parse(kindConfig({ name: 'x', proxyMode: 'iptables', workers: 2, masqueradeAll: false }));
  assert.deepEqual(plain.networking, { kubeProxyMode: 'iptables' });
  const dual = YAML.parse(kindConfig({ name: 'x', proxyMode: 'iptables', workers: 2, masqueradeAll: false, ipFamily: 'dual' }));
  assert.deepEqual(dual.networking, { kubeProxyMode: 'iptables', ipFamily: 'dual' });
  assert.match(dualStackUnsupportedReason({ kernelIpv6: false, network: undefined, networkName: 'kind' }) ?? '', /\/proc\/net\/if_inet6/);
  assert.match(dualStackUnsupportedReason({ kernelIpv6: true, network: {}, networkName: 'kind' }) ?? '', /"kind", which exists without one/);
  assert.equal(dualStackUnsupportedReason({ kernelIpv6: true, network: { ipv6Subnet: 'fc00:f853:ccd:e793::/64' }, networkName: 'kind' }), undefined);
  assert.equal(dualStackUnsupportedReason({ kernelIpv6: true, network: undefined, networkName: 'kind' }), undefined, 'kind creates the network with IPv6');
});

test('the dual column: opt-in, only the source-IP cases, no version columns; defaults unchanged', () => {
  const p = projectByName('iptables-dual');
  assert.deepEqual(casesOf(p), ['source-ip/clusterip-preserves-pod-ip', 'source-ip/nodeport-cluster-snat', 'source-ip/nodeport-local-preserves-client-ip', 'source-ip/hairpin']);
  assert.ok(p.optIn);
  assert.equal(p.implementation !== 'detect' && p.implementation.install.ipFamily, 'dual');
  assert.deepEqual(defaultProjects().map((x) => x.name), ['iptables', 'nftables', 'ipvs', 'iptables-masquerade-all']);
  assert.equal(casesOf(projectByName('iptables')), undefined);
  assert.deepEqual(casesOf(projectByName('iptables-masquerade-all')), ['source-ip/clusterip-preserves-pod-ip']);
  assert.throws(() => projectsFromSpecs(['iptables-dual@v1.33.13'], undefined, 'v1.34.4'), /only a kube-proxy column without a negative control/);
});

test('row keys and Services per family: unchanged on a single-stack cluster, [IPv6] and -ipv6 on a dual-stack one', () => {
  const row = 'outside -> endpoint node : nodePort';
  assert.equal(familyKey(row, 'IPv4', ['IPv4']), row);
  assert.equal(familyKey(row, 'IPv4', ['IPv4', 'IPv6']), row, 'IPv4 rows line up with the single-stack columns');
  assert.equal(familyKey(row, 'IPv6', ['IPv4', 'IPv6']), `${row} [IPv6]`);
  assert.equal(familyKey(row, 'IPv6', ['IPv6']), row, 'an IPv6-only cluster has one family: plain keys');
  assert.equal(familyServiceName('nodeport', 'IPv4', ['IPv4', 'IPv6']), 'nodeport');
  assert.equal(familyServiceName('nodeport', 'IPv6', ['IPv4', 'IPv6']), 'nodeport-ipv6');
  assert.deepEqual(familyServiceSpec('IPv4', ['IPv4']), {});
  assert.deepEqual(familyServiceSpec('IPv6', ['IPv4', 'IPv6']), { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
  const pod = { name: 'source-ip-app-1', ip: '10.244.1.5', ips: ['10.244.1.5', 'fd00:10:244:1::5'], node: 'kpc-worker', ready: true, labels: {} };
  assert.deepEqual(endpointsOf([pod], 'IPv6'), [{ ip: 'fd00:10:244:1::5', port: 8080, node: 'kpc-worker' }]);
  assert.throws(() => endpointsOf([{ ...pod, ips: ['10.244.1.5'] }], 'IPv6'), /has no IPv6 address/);
});

test('capture filter: the IPv4 filter is unchanged; IPv6 flags are read at their fixed offset', () => {
  const v4 = [{ ip: '10.244.1.5', port: 8080 }];
  assert.equal(captureFilter(v4, false), 'tcp and (host 10.244.1.5) and (port 8080) and tcp[tcpflags] & (tcp-syn|tcp-rst) != 0');
  assert.equal(captureFilter(v4, true), 'udp and (host 10.244.1.5) and (port 8080)');
  assert.equal(
    captureFilter([...v4, { ip: 'fd00:10:244:1::5', port: 8080 }], false),
    'tcp and (host 10.244.1.5 or host fd00:10:244:1::5) and (port 8080) and ((ip and tcp[tcpflags] & (tcp-syn|tcp-rst) != 0) or (ip6 and ip6[53] & 0x06 != 0))',
  );
});

test('a runner through its address of a family', async () => {
  const calls: string[][] = [];
  const pod: Runner = { label: 'pod client-kpc-worker on kpc-worker (10.244.1.3)', ip: '10.244.1.3', node: 'kpc-worker', ips: ['10.244.1.3', 'fd00:10:244:1::3'], run: async (cmd) => (calls.push(cmd), { stdout: 'ok', stderr: '', exitCode: 0, durationMs: 1 }) };
  assert.equal(asFamily(pod, 'IPv4'), pod, 'same runner for its own family');
  const v6 = asFamily(pod, 'IPv6');
  assert.equal(v6.ip, 'fd00:10:244:1::3');
  assert.equal(v6.node, 'kpc-worker');
  assert.match(v6.label, /as fd00:10:244:1::3$/);
  assert.equal((await v6.run(['true'], 1000)).stdout, 'ok');
  assert.deepEqual(calls, [['true']]);
  assert.throws(() => asFamily({ label: 'outside', ip: '172.18.0.9', run: pod.run }, 'IPv6'), /outside has no IPv6 address \(addresses: 172\.18\.0\.9\)/);
});

test('an IPv6 source owned by the receiving node counts as node SNAT, the client address does not', () => {
  const facts = { clientIp: 'fc00:f853:ccd:e793::5', receivingNodeAddresses: ['172.18.0.3', 'fc00:f853:ccd:e793::3'] };
  assert.equal(sourceMatches({ kind: 'receiving-node-address' }, 'fc00:f853:ccd:e793::3', facts), true);
  assert.equal(sourceMatches({ kind: 'receiving-node-address' }, 'fc00:f853:ccd:e793::5', facts), false);
  assert.equal(sourceMatches({ kind: 'client-ip' }, 'fc00:f853:ccd:e793::5', facts), true);
  assert.equal(sourceMatches({ kind: 'receiving-node-address' }, 'fc00:f853:ccd:e793::4', facts), false, 'another node is not the receiving node');
});

test('ip -o addr show: inet and inet6 addresses', () => {
  const out = [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet6 fc00:f853:ccd:e793::3/64 scope global nodad \\       valid_lft forever preferred_lft forever',
    '5: veth1    inet 10.244.1.1/32 scope global veth1',
  ].join('\n');
  assert.deepEqual(parseIpAddr(out), ['127.0.0.1', 'fc00:f853:ccd:e793::3', '10.244.1.1']);
});

test('the dual-stack control is caught only when an IPv4 and an IPv6 ClusterIP row both mismatch', () => {
  const p = projectByName('iptables-dual-masquerade-all');
  assert.ok(p.optIn);
  assert.deepEqual(casesOf(p), ['source-ip/clusterip-preserves-pod-ip']);
  const impl = implementationByName('iptables-dual-masquerade-all');
  const [decl] = controlDecls(impl.control);
  assert.ok(decl);
  const row = (key: string, verdict: 'ok' | 'mismatch') => ({ key, expected: '', verdict });
  const v4 = 'pod on the endpoint node -> ClusterIP';
  const v6 = `${v4} [IPv6]`;
  const judged = (checks: ReturnType<typeof row>[]) => judgeControl(p.name, '', decl, { status: 'failed', checks }).verdict;
  assert.equal(judged([row(v4, 'mismatch'), row(v6, 'mismatch')]), 'caught');
  assert.notEqual(judged([row(v4, 'mismatch'), row(v6, 'ok')]), 'caught', 'IPv6 rows that never turn red do not count');
  assert.notEqual(judged([row(v4, 'ok'), row(v6, 'mismatch')]), 'caught');
});

test('a capture from a dual-stack kind node (nodeport-cluster-snat on the endpoint worker): IPv6 SYNs matched by the tuple the echo server saw', () => {
  // tcpdump -i any on kpc-ds-iptables-dual-worker with captureFilter() of the IPv4 and IPv6 endpoint.
  const rows = decodeCapture(readFileSync(new URL('../fixtures/pcap/kind-dualstack-nodeport-cluster-snat-worker.pcap', import.meta.url)));
  const syns = (v6: boolean) => rows.filter((r) => r.flags === 'S' && r.src.includes(':') === v6);
  assert.equal(syns(true).length, 35);
  assert.equal(syns(false).length, 35);
  // Remote nodes' InternalIPs (the SNAT of ETP Cluster) and the node's own end of the pod veth.
  assert.deepEqual([...new Set(syns(true).map((r) => r.src))].sort(), ['fc00:f853:ccd:e793::2', 'fc00:f853:ccd:e793::3', 'fd00:10:244:2::1']);
  assert.ok(syns(true).every((r) => r.dst === 'fd00:10:244:2::5' && r.dstPort === 8080));
  const endpoints = [{ ip: '10.244.2.5', port: 8080 }, { ip: 'fd00:10:244:2::5', port: 8080 }];
  // Sample #1 of `outside -> node without endpoint : nodePort [IPv6]` via the control plane: the echo
  // server saw fc00:f853:ccd:e793::2 port 59856; and of the endpoint node: fd00:10:244:2::1 port 35364.
  const curlAt = (t: number) => ({ url: 'http://[fc00:f853:ccd:e793::2]:31958/', startedAt: t, endedAt: t + 50 }) as CurlEvidence;
  const echo = (address: string, port: number) => ({ client: { address, port } }) as EchoReply;
  assert.equal(wireSource(rows, endpoints, curlAt(0), echo('fc00:f853:ccd:e793::2', 59856), []), 'fc00:f853:ccd:e793::2');
  assert.equal(wireSource(rows, endpoints, curlAt(0), echo('fd00:10:244:2::1', 35364), []), 'fd00:10:244:2::1');
  assert.equal(wireSource(rows, endpoints, curlAt(0), echo('fd00:10:244:2::1', 1), []), null, 'no such tuple and no time window: nothing attributed');
  assert.equal(hostPort('fd00:10:244:2::1', 35364), '[fd00:10:244:2::1]:35364');
  assert.equal(hostPort('10.244.2.1', 35364), '10.244.2.1:35364');
});

test('the dual-stack dataplane dumps iptables and ip6tables; each Service finds its own family\'s rules (excerpts from iptables-dual-masquerade-all)', async () => {
  const v4 = readFileSync(new URL('../fixtures/rules/dualstack-iptables-save.txt', import.meta.url), 'utf8');
  const v6 = readFileSync(new URL('../fixtures/rules/dualstack-ip6tables-save.txt', import.meta.url), 'utf8');
  const dp = implementationByName('iptables-dual').dataplane;
  assert.equal(dp.tool, 'iptables-save + ip6tables-save');
  assert.equal(implementationByName('iptables').dataplane.tool, 'iptables-save', 'the single-stack column dumps as before');
  const node: Runner & { node?: string } = { label: 'node w', node: 'w', run: async (cmd) => ({ stdout: cmd[0] === 'ip6tables-save' ? v6 : cmd[0] === 'iptables-save' ? v4 : '', stderr: '', exitCode: 0, durationMs: 1 }) };
  const dump = await dp.dump(node);
  const ns = 'kpc-source-ip-clusterip-preserves-pod-ip-6mq4';
  const six = dp.serviceRules(dump.text, { namespace: ns, name: 'clusterip-ipv6' });
  const four = dp.serviceRules(dump.text, { namespace: ns, name: 'clusterip' });
  assert.match(six, /-A KUBE-SVC-QVZBQIDQGPRLBMBF -d fd00:10:96::4fe0\/128 .* -j KUBE-MARK-MASQ/);
  assert.match(six, /DNAT --to-destination \[fd00:10:244:2::3\]:8080/);
  assert.doesNotMatch(six, /10\.96\.94\.176|10\.244\./);
  assert.match(four, /-A KUBE-SVC-SALQNED2VPRN2KDD -d 10\.96\.94\.176\/32 .* -j KUBE-MARK-MASQ/);
  assert.doesNotMatch(four, /fd00:/);
});

test('the e2e dual-stack check: passes on the real runs, fails without IPv6 rows, on a red IPv6 row, a missing case or a missed control', () => {
  const real = JSON.parse(readFileSync(new URL('../fixtures/results/dualstack-e2e.json', import.meta.url), 'utf8')) as Pick<Results, 'cases' | 'controls'>;
  const ok = dualStackCheck(real);
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.passed, 5);
  assert.equal(ok.summary, '4/4 cases passed with IPv6 rows, control caught');
  const clone = () => JSON.parse(JSON.stringify(real)) as Pick<Results, 'cases' | 'controls'>;
  const ipv4Only = clone();
  for (const c of ipv4Only.cases) c.checks = c.checks.filter((k) => !k.key.endsWith(' [IPv6]'));
  assert.equal(dualStackCheck(ipv4Only).problems.filter((p) => /passed without passing \[IPv6\] rows/.test(p)).length, 4, 'an IPv4-only run is not a dual-stack pass');
  const redV6 = clone();
  const hair = redV6.cases.find((c) => c.project === 'iptables-dual' && c.id === 'source-ip/hairpin');
  const row = hair?.checks.find((k) => k.key.endsWith(' [IPv6]'));
  assert.ok(row);
  row.verdict = 'mismatch';
  assert.match(dualStackCheck(redV6).problems.join('\n'), /source-ip\/hairpin passed without passing \[IPv6\] rows/);
  const short = clone();
  short.cases = short.cases.filter((c) => c.id !== 'source-ip/nodeport-cluster-snat');
  assert.match(dualStackCheck(short).problems.join('\n'), /did not run source-ip\/nodeport-cluster-snat/);
  const missed = clone();
  for (const c of missed.controls) c.caught = false;
  assert.match(dualStackCheck(missed).problems.join('\n'), /control was not caught/);
});
