/**
 * Rule extraction on dumps printed by the real tools (iptables-save with the nf_tables and
 * legacy backends, nft list ruleset) of kube-proxy-shaped rules loaded into a throwaway
 * namespace (scripts/capture-fixtures.sh rules; test/fixtures/rules/kube-proxy-shaped.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  addedRulesFor,
  diffRulesets,
  iptablesServiceRules,
  nftAsCommands,
  nftServiceRules,
  parseIpvsadm,
  parseIptablesSave,
  parseNumgenVmap,
  splitIptablesArgs,
} from '../../harness/probes/rules.ts';
import { iptables } from '../../harness/implementations/iptables.ts';
import { ipvs } from '../../harness/implementations/ipvs.ts';
import { nftables } from '../../harness/implementations/nftables.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/rules/${name}`, import.meta.url), 'utf8');
const IPT = fixture('iptables-save.txt');
const IPT_LEGACY_NAT = fixture('iptables-legacy-save-nat.txt');
const NFT = fixture('nft-ruleset.txt');

const KUARD_PODS = ['10.244.1.5:8080', '10.244.1.6:8080', '10.244.2.4:8080', '10.244.2.5:8080', '10.244.3.7:8080'];

test('splitIptablesArgs honours quotes and escaped quotes', () => {
  assert.deepEqual(splitIptablesArgs('-A X -m comment --comment "a b \\"c\\"" -j Y'), ['-A', 'X', '-m', 'comment', '--comment', 'a b "c"', '-j', 'Y']);
  assert.deepEqual(splitIptablesArgs('-A X  --comment ns/svc -j Y'), ['-A', 'X', '--comment', 'ns/svc', '-j', 'Y']);
  assert.deepEqual(splitIptablesArgs('-A X --comment "" -j Y'), ['-A', 'X', '--comment', '', '-j', 'Y']);
});

test('parseIptablesSave reads tables, chains, rules, comments and targets', () => {
  const dump = parseIptablesSave(IPT);
  assert.deepEqual([...dump.chains.keys()], ['filter', 'nat']);
  assert.equal(dump.chains.get('nat')?.get('PREROUTING'), 'ACCEPT');
  assert.equal(dump.chains.get('nat')?.get('KUBE-SERVICES'), '-');
  const masq = dump.rules.find((r) => r.chain === 'KUBE-POSTROUTING' && r.target === 'MASQUERADE');
  assert.equal(masq?.comment, 'kubernetes service traffic requiring SNAT');
  // With counters (iptables-save -c) the same rules come out.
  const counted = IPT.replace(/^-A /gm, '[3:180] -A ');
  assert.deepEqual(parseIptablesSave(counted).rules, dump.rules);
});

for (const [label, text] of [
  ['nf_tables backend, all tables', IPT],
  ['legacy backend, nat table', IPT_LEGACY_NAT],
] as const) {
  test(`iptables (${label}): kuard's 5 endpoints with probabilities 1/5, 1/4, 1/3, 1/2 and a final rule`, () => {
    const r = iptablesServiceRules(text, { namespace: 'kpc-dist', name: 'kuard' });
    assert.equal(r.ports.length, 1);
    const port = r.ports[0];
    assert.ok(port);
    assert.equal(port.servicePortName, 'kpc-dist/kuard');
    // KUBE-SVC-<base32(sha256("kpc-dist/kuard" + "tcp"))[:16]>, as kube-proxy names it.
    assert.equal(port.clusterChain, 'KUBE-SVC-UJ4JWEZU7BFK6YD5');
    assert.equal(port.endpoints.length, 5);
    port.endpoints.forEach((e, i) => {
      if (i < 4) assert.ok(Math.abs((e.probability ?? NaN) - 1 / (5 - i)) < 1e-6, `${i}: ${e.probabilityText}`);
      else assert.equal(e.probability, undefined);
      assert.match(e.chain, /^KUBE-SEP-[A-Z2-7]{16}$/);
    });
    assert.deepEqual(port.endpoints.map((e) => e.dnat), KUARD_PODS);
    assert.equal(port.sessionAffinity, false);
    // Its chains: the service chain and 5 endpoint chains; not kuard-canary's.
    assert.equal(r.chains.length, 6);
    assert.ok(!r.text.includes('kuard-canary'));
    assert.match(r.text, /-A KUBE-SERVICES .*"kpc-dist\/kuard cluster IP".* -j KUBE-SVC-UJ4JWEZU7BFK6YD5/);
    assert.ok(r.text.startsWith('*nat\n'));
  });
}

test('iptables: the well-known chain of default/kubernetes:https, port selection by name', () => {
  const r = iptablesServiceRules(IPT, { namespace: 'default', name: 'kubernetes', port: 'https' });
  assert.equal(r.ports[0]?.clusterChain, 'KUBE-SVC-NPX46M4PTMTKRN6Y');
  assert.deepEqual(r.ports[0]?.endpoints.map((e) => [e.probability, e.dnat]), [[undefined, '172.18.0.2:6443']]);
  const dns = iptablesServiceRules(IPT, { namespace: 'kube-system', name: 'kube-dns' });
  assert.deepEqual(
    dns.ports.map((p) => [p.servicePortName, p.endpoints.length, p.endpoints[0]?.probability]),
    [
      ['kube-system/kube-dns:dns', 2, 0.5],
      ['kube-system/kube-dns:dns-tcp', 2, 0.5],
      ['kube-system/kube-dns:metrics', 2, 0.5],
    ],
  );
  const onlyDns = iptablesServiceRules(IPT, { namespace: 'kube-system', name: 'kube-dns', port: 'dns' });
  assert.deepEqual(onlyDns.ports.map((p) => p.servicePortName), ['kube-system/kube-dns:dns']);
  assert.ok(onlyDns.text.includes('-p udp'));
  assert.ok(!onlyDns.text.includes('9153'));
});

test('iptables: externalTrafficPolicy Local NodePort — SVC, SVL (local endpoints only), EXT, KUBE-NODEPORTS jump', () => {
  const r = iptablesServiceRules(IPT, { namespace: 'kpc-src', name: 'nodeport-local' });
  const p = r.ports[0];
  assert.ok(p);
  assert.ok(p.clusterChain?.startsWith('KUBE-SVC-'));
  assert.ok(p.localChain?.startsWith('KUBE-SVL-'));
  assert.ok(p.externalChain?.startsWith('KUBE-EXT-'));
  assert.deepEqual(p.endpoints.map((e) => e.dnat), ['10.244.1.8:8080', '10.244.2.9:8080']);
  assert.deepEqual(p.localEndpoints.map((e) => e.dnat), ['10.244.1.8:8080']);
  assert.match(r.text, /-A KUBE-NODEPORTS .*--dport 30000 -j KUBE-EXT-/);
});

test('iptables: LoadBalancer with Local policy and no local endpoint — filter-table DROP rules and health check port', () => {
  const r = iptablesServiceRules(IPT, { namespace: 'kpc-lb', name: 'lb-local' });
  const filter = r.rules.filter((x) => x.table === 'filter').map((x) => x.line);
  assert.equal(filter.filter((l) => l.includes('has no local endpoints') && l.endsWith('-j DROP')).length, 2);
  assert.ok(filter.some((l) => l.includes('health check node port') && l.includes('--dport 32000')));
  assert.deepEqual(r.ports[0]?.localEndpoints, []);
  assert.equal(r.ports[0]?.localChain, undefined);
  assert.match(r.text, /^\*filter\n/);
  assert.match(r.text, /\n\*nat\n/);
});

test('iptables: session affinity rules are recognised and not counted as endpoints', () => {
  const r = iptablesServiceRules(IPT, { namespace: 'kpc-aff', name: 'sticky' });
  assert.equal(r.ports[0]?.sessionAffinity, true);
  assert.equal(r.ports[0]?.endpoints.length, 2);
  assert.equal(r.ports[0]?.endpoints[0]?.probability, 0.5);
});

test('iptables: an unknown Service gives nothing', () => {
  const r = iptablesServiceRules(IPT, { namespace: 'nope', name: 'kuard' });
  assert.deepEqual([r.chains, r.rules, r.ports, r.text], [[], [], [], '']);
});

test('iptables without comments (large-cluster mode) still follows the jumps from the commented entry rule', () => {
  const stripped = IPT.split('\n')
    .map((l) => (/^-A KUBE-(SVC|SEP)-/.test(l) ? l.replace(/ -m comment --comment ("[^"]*"|\S+)/, '') : l))
    .join('\n');
  const r = iptablesServiceRules(stripped, { namespace: 'kpc-dist', name: 'kuard' });
  assert.deepEqual(r.ports[0]?.endpoints.map((e) => e.dnat), KUARD_PODS);
});

test('parseNumgenVmap', () => {
  assert.deepEqual(parseNumgenVmap('numgen random mod 2 vmap { 0 : goto endpoint-A-x/y/tcp/__1.2.3.4/80, 1 : goto endpoint-B-x/y/tcp/__1.2.3.5/80 }'), {
    count: 2,
    entries: [
      { index: 0, chain: 'endpoint-A-x/y/tcp/__1.2.3.4/80' },
      { index: 1, chain: 'endpoint-B-x/y/tcp/__1.2.3.5/80' },
    ],
  });
  assert.equal(parseNumgenVmap('jump mark-for-masquerade'), undefined);
});

test('nft: kuard has a numgen vmap with 5 entries, each to an endpoint chain that DNATs to a pod', () => {
  const r = nftServiceRules(NFT, { namespace: 'kpc-dist', name: 'kuard' });
  assert.equal(r.ports.length, 1);
  const p = r.ports[0];
  assert.ok(p);
  assert.equal(p.serviceChain, 'service-GQLPEKSH-kpc-dist/kuard/tcp/');
  assert.equal(p.endpointCount, 5);
  assert.deepEqual(p.endpoints.map((e) => e.index), [0, 1, 2, 3, 4]);
  assert.deepEqual(p.endpoints.map((e) => e.dnat), KUARD_PODS);
  assert.equal(r.chains.length, 6);
  assert.deepEqual(r.elements, [{ map: 'service-ips', element: '10.96.45.10 . tcp . 80 : goto service-GQLPEKSH-kpc-dist/kuard/tcp/' }]);
  assert.ok(!r.text.includes('kuard-canary'));
});

test('nft: default/kubernetes https and kube-dns ports', () => {
  assert.equal(nftServiceRules(NFT, { namespace: 'default', name: 'kubernetes' }).ports[0]?.serviceChain, 'service-2QRHZV4L-default/kubernetes/tcp/https');
  const dns = nftServiceRules(NFT, { namespace: 'kube-system', name: 'kube-dns' });
  assert.deepEqual(
    dns.ports.map((p) => [p.key, p.endpointCount]),
    [
      ['kube-system/kube-dns/tcp/dns-tcp', 2],
      ['kube-system/kube-dns/tcp/metrics', 2],
      ['kube-system/kube-dns/udp/dns', 2],
    ],
  );
  assert.deepEqual(nftServiceRules(NFT, { namespace: 'kube-system', name: 'kube-dns', port: 'dns' }).ports.map((p) => p.key), ['kube-system/kube-dns/udp/dns']);
});

test('nft: Local policy NodePort has a local chain with only the local endpoint; LB without local endpoints gets drop elements', () => {
  const np = nftServiceRules(NFT, { namespace: 'kpc-src', name: 'nodeport-local' }).ports[0];
  assert.equal(np?.endpointCount, 2);
  assert.equal(np?.localEndpointCount, 1);
  assert.deepEqual(np?.localEndpoints.map((e) => e.dnat), ['10.244.1.8:8080']);
  assert.ok(np?.externalChain?.startsWith('external-'));
  const lb = nftServiceRules(NFT, { namespace: 'kpc-lb', name: 'lb-local' });
  assert.deepEqual(
    lb.elements.map((e) => e.map),
    ['no-endpoint-nodeports', 'no-endpoint-services', 'service-ips', 'service-ips', 'service-nodeports'],
  );
  assert.ok(lb.elements.some((e) => e.element === '172.18.255.200 . tcp . 80 comment "kpc-lb/lb-local:http" : drop'));
});

test('nft: session affinity sets belong to the Service', () => {
  const r = nftServiceRules(NFT, { namespace: 'kpc-aff', name: 'sticky' });
  assert.equal(r.sets.length, 2);
  assert.ok(r.sets.every((s) => s.props.includes('flags dynamic,timeout')));
  assert.equal(r.ports[0]?.endpointCount, 2);
  assert.match(r.text, /^set affinity-/);
});

test("each kube-proxy implementation's dataplane reads its own dump format", () => {
  assert.equal(iptables.dataplane.serviceRules(IPT, { namespace: 'kpc-dist', name: 'kuard' }), iptablesServiceRules(IPT, { namespace: 'kpc-dist', name: 'kuard' }).text);
  assert.equal(nftables.dataplane.serviceRules(NFT, { namespace: 'kpc-dist', name: 'kuard' }), nftServiceRules(NFT, { namespace: 'kpc-dist', name: 'kuard' }).text);
  assert.equal(nftables.dataplane.serviceRules(NFT, { namespace: 'nope', name: 'nope' }), '');
});

// ipvsadm is not usable here (no ip_vs in this kernel): a hand-written `ipvsadm -Ln` in its documented layout.
const IPVSADM = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.96.0.1:443 rr
  -> 172.18.0.2:6443              Masq    1      0          0
TCP  10.96.45.10:80 rr
  -> 10.244.1.5:8080              Masq    1      0          0
  -> 10.244.2.4:8080              Masq    1      0          0
UDP  10.96.0.10:53 rr
  -> 10.244.0.2:53                Masq    1      0          0
`;

test('ipvs: virtual servers and real servers; the ipvs dataplane finds them by address', () => {
  const vs = parseIpvsadm(IPVSADM);
  assert.deepEqual(
    vs.map((v) => [v.protocol, v.address, v.scheduler, v.realServers.map((r) => r.address)]),
    [
      ['TCP', '10.96.0.1:443', 'rr', ['172.18.0.2:6443']],
      ['TCP', '10.96.45.10:80', 'rr', ['10.244.1.5:8080', '10.244.2.4:8080']],
      ['UDP', '10.96.0.10:53', 'rr', ['10.244.0.2:53']],
    ],
  );
  const dump = `# ipvsadm -Ln\n${IPVSADM}\n# iptables-save\n${IPT_LEGACY_NAT}`;
  const text = ipvs.dataplane.serviceRules(dump, { namespace: 'kpc-dist', name: 'kuard', addresses: ['10.96.45.10:80'] });
  assert.match(text, /^# ipvsadm -Ln\nTCP {2}10\.96\.45\.10:80 rr\n {2}-> 10\.244\.1\.5:8080/);
  assert.ok(!text.includes('10.96.0.1:443'));
});

test('diffRulesets (iptables-save): the external IP adds one KUBE-SERVICES jump and a KUBE-EXT chain', () => {
  const d = diffRulesets(fixture('iptables-save-before.txt'), IPT);
  assert.deepEqual(d.removed, []);
  assert.equal(d.added.length, 4);
  assert.equal(d.added.filter((l) => l.includes('172.18.0.200')).length, 1);
  const forIp = addedRulesFor(d, '172.18.0.200');
  assert.deepEqual(forIp.map((l) => l.split(' ')[0] + ' ' + (l.split(' ')[1] ?? '')), [
    ':KUBE-EXT-UXOQ3YI64SKJO6GR -',
    '-A KUBE-EXT-UXOQ3YI64SKJO6GR',
    '-A KUBE-EXT-UXOQ3YI64SKJO6GR',
    '-A KUBE-SERVICES',
  ]);
  assert.deepEqual(addedRulesFor(d, '172.18.0.20'), [], 'no prefix matches');
  // The reverse diff removes the same lines; identical dumps (other timestamps) differ in nothing.
  assert.deepEqual(diffRulesets(IPT, fixture('iptables-save-before.txt')).removed, d.added);
  assert.deepEqual(diffRulesets(IPT, IPT.replace(/\(date\)/g, 'Mon Jan  1 00:00:00 2024')), { added: [], removed: [] });
});

test('diffRulesets (nft): one element per line, so the added element and chain read on their own', () => {
  const d = diffRulesets(fixture('nft-ruleset-before.txt'), NFT);
  assert.deepEqual(d.removed, []);
  assert.deepEqual(d.added, [
    'add element ip kube-proxy service-ips { 172.18.0.200 . tcp . 80 : goto external-WCPYLWP6-kpc-ext/my-service/tcp/ }',
    'add chain ip kube-proxy external-WCPYLWP6-kpc-ext/my-service/tcp/',
    'add rule ip kube-proxy external-WCPYLWP6-kpc-ext/my-service/tcp/ jump mark-for-masquerade',
    'add rule ip kube-proxy external-WCPYLWP6-kpc-ext/my-service/tcp/ goto service-WCPYLWP6-kpc-ext/my-service/tcp/',
  ]);
  assert.deepEqual(addedRulesFor(d, '172.18.0.200'), d.added);
});

test('nftAsCommands: every cluster IP element on its own line, whatever the line wrapping', () => {
  const lines = nftAsCommands(NFT);
  const clusterIps = lines.filter((l) => l.startsWith('add element ip kube-proxy cluster-ips '));
  assert.equal(clusterIps.length, 8);
  assert.ok(clusterIps.includes('add element ip kube-proxy cluster-ips { 10.96.45.10 }'));
  assert.ok(lines.includes('add rule ip kube-proxy masquerading masquerade fully-random'));
});

// Dumps from a live kind cluster (test/fixtures/rules/live/README.md).
const LIVE_TABLE = fixture('live/kind-nftables-worker.table.txt');
const LIVE_RULESET = fixture('live/kind-nftables-worker.ruleset.txt');

test('live nftables dump: smoke/web has 2 endpoints in its numgen vmap, each DNATing to a pod', () => {
  for (const dump of [LIVE_TABLE, LIVE_RULESET]) {
    const r = nftServiceRules(dump, { namespace: 'smoke', name: 'web' });
    assert.equal(r.ports.length, 1);
    assert.equal(r.ports[0]?.serviceChain, 'service-6VFEDCP2-smoke/web/tcp/');
    assert.equal(r.ports[0]?.endpointCount, 2);
    assert.deepEqual(r.ports[0]?.endpoints.map((e) => e.dnat), ['10.244.1.3:80', '10.244.2.2:80']);
    assert.deepEqual(r.elements, [{ map: 'service-ips', element: '10.96.171.74 . tcp . 80 : goto service-6VFEDCP2-smoke/web/tcp/' }]);
    // smoke/web-lb is another Service.
    assert.ok(!r.text.includes('web-lb'));
  }
});

test('live nftables dump: the LoadBalancer Service has an external chain, its LB IP and NodePort elements', () => {
  const r = nftServiceRules(LIVE_TABLE, { namespace: 'smoke', name: 'web-lb' });
  assert.equal(r.ports[0]?.externalChain, 'external-UEUCY4CS-smoke/web-lb/tcp/');
  assert.deepEqual(
    r.elements.map((e) => e.element),
    ['10.96.43.72 . tcp . 80 : goto service-UEUCY4CS-smoke/web-lb/tcp/', '172.18.255.224 . tcp . 80 : goto external-UEUCY4CS-smoke/web-lb/tcp/', 'tcp . 32551 : goto external-UEUCY4CS-smoke/web-lb/tcp/'],
  );
  // The same chain-name hashes as the kube-proxy-shaped fixture computes for shared Services.
  for (const name of ['service-2QRHZV4L-default/kubernetes/tcp/https', 'service-FY5PMXPG-kube-system/kube-dns/udp/dns']) {
    assert.ok(LIVE_TABLE.includes(`chain ${name} {`) && NFT.includes(`chain ${name} {`), name);
  }
});

test('live nft ruleset: all tables parse; nftAsCommands of the table equals the kube-proxy part of the ruleset', () => {
  const ruleset = nftAsCommands(LIVE_RULESET);
  const table = nftAsCommands(LIVE_TABLE);
  assert.deepEqual(
    ruleset.filter((l) => l.startsWith('add table ')),
    ['add table ip nat', 'add table ip mangle', 'add table ip filter', 'add table ip6 mangle', 'add table ip6 nat', 'add table ip6 filter', 'add table ip kube-proxy', 'add table ip6 kube-proxy'],
  );
  assert.deepEqual(
    ruleset.filter((l) => / ip kube-proxy( |$)/.test(l)),
    table,
  );
  assert.deepEqual(diffRulesets(LIVE_TABLE, LIVE_TABLE), { added: [], removed: [] });
});

test('live iptables-save (kind, iptables mode): kube-dns ports with two endpoints at 0.5, kubernetes:https', () => {
  const live = fixture('live/kind-iptables-worker.iptables-save.txt');
  const dns = iptablesServiceRules(live, { namespace: 'kube-system', name: 'kube-dns' });
  assert.deepEqual(
    dns.ports.map((p) => [p.servicePortName, p.clusterChain, p.endpoints.map((e) => e.probabilityText ?? 'last')]),
    [
      ['kube-system/kube-dns:dns', 'KUBE-SVC-TCOU7JCQXEZGVUNU', ['0.50000000000', 'last']],
      ['kube-system/kube-dns:dns-tcp', 'KUBE-SVC-ERIFXISQEP7F7OF4', ['0.50000000000', 'last']],
      ['kube-system/kube-dns:metrics', 'KUBE-SVC-JD5MR3NA4I4DYORP', ['0.50000000000', 'last']],
    ],
  );
  assert.ok(dns.ports.every((p) => p.endpoints.every((e) => /^10\.244\.\d+\.\d+:(53|9153)$/.test(e.dnat ?? ''))));
  // The kube-proxy-shaped fixture names the same Services' chains identically.
  for (const p of dns.ports) assert.ok(IPT.includes(`:${p.clusterChain} `), p.clusterChain);
  const api = iptablesServiceRules(live, { namespace: 'default', name: 'kubernetes' });
  assert.equal(api.ports[0]?.clusterChain, 'KUBE-SVC-NPX46M4PTMTKRN6Y');
  assert.equal(api.ports[0]?.endpoints.length, 1);
  assert.match(api.ports[0]?.endpoints[0]?.dnat ?? '', /^172\.18\.0\.\d+:6443$/);
});
