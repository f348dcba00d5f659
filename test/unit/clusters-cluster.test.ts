import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { formatElapsed, ipvsUnsupportedReason, kindConfig, metallbPoolManifest, metallbRange, validateName } from '../../clusters/cluster.ts';
import { parseCli } from '../../clusters/cli/cluster.ts';

test('kind config: nodes, proxy mode and the KubeProxyConfiguration patch', () => {
  const cfg = YAML.parse(kindConfig({ name: 'kpc', proxyMode: 'nftables', workers: 2, masqueradeAll: false }));
  assert.equal(cfg.kind, 'Cluster');
  assert.equal(cfg.apiVersion, 'kind.x-k8s.io/v1alpha4');
  assert.equal(cfg.name, 'kpc');
  assert.deepEqual(cfg.networking, { kubeProxyMode: 'nftables' });
  assert.deepEqual(cfg.nodes.map((n: { role: string }) => n.role), ['control-plane', 'worker', 'worker']);
  assert.equal(cfg.kubeadmConfigPatches.length, 1);
  const patch = YAML.parse(cfg.kubeadmConfigPatches[0]);
  assert.equal(patch.kind, 'KubeProxyConfiguration');
  assert.deepEqual(patch.conntrack, { maxPerCore: 0 });
  assert.equal(patch.iptables, undefined);
});

test('kind config: masqueradeAll for every backend, zero workers', () => {
  const cfg = YAML.parse(kindConfig({ name: 'x', proxyMode: 'iptables', workers: 0, masqueradeAll: true }));
  assert.equal(cfg.nodes.length, 1);
  const patch = YAML.parse(cfg.kubeadmConfigPatches[0]);
  assert.equal(patch.iptables.masqueradeAll, true);
  assert.equal(patch.nftables.masqueradeAll, true);
});

test('MetalLB range sits at the top of the kind subnet', () => {
  assert.deepEqual(metallbRange('172.18.0.0/16'), { first: '172.18.255.224', last: '172.18.255.254', range: '172.18.255.224-172.18.255.254' });
  assert.equal(metallbRange('192.168.10.0/24').range, '192.168.10.224-192.168.10.254');
  assert.equal(metallbRange('10.1.2.3/24').range, '10.1.2.224-10.1.2.254', 'host bits are ignored');
  assert.equal(metallbRange('10.0.0.0/28').range, '10.0.0.12-10.0.0.14');
  assert.throws(() => metallbRange('10.0.0.0/30'), /too small/);
  assert.throws(() => metallbRange('fc00:f853::/64'), /not an IPv4 CIDR/);
});

test('MetalLB pool manifest: one pool, one L2 advertisement of it', () => {
  const docs = YAML.parseAllDocuments(metallbPoolManifest('172.18.255.224-172.18.255.254')).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => d.kind), ['IPAddressPool', 'L2Advertisement']);
  assert.deepEqual(docs[0].spec.addresses, ['172.18.255.224-172.18.255.254']);
  assert.deepEqual(docs[1].spec.ipAddressPools, [docs[0].metadata.name]);
  assert.ok(docs.every((d) => d.metadata.namespace === 'metallb-system'));
});

test('ipvs support: /proc/net/ip_vs, or a module that loads', () => {
  assert.equal(ipvsUnsupportedReason({ procIpVs: true, moduleFile: false, loadTried: false }), undefined);
  assert.equal(ipvsUnsupportedReason({ procIpVs: false, moduleFile: true, loadTried: false }), undefined);
  assert.match(ipvsUnsupportedReason({ procIpVs: false, moduleFile: false, loadTried: false }) ?? '', /CONFIG_IP_VS/);
  assert.match(ipvsUnsupportedReason({ procIpVs: false, moduleFile: true, loadTried: true }) ?? '', /could not be loaded/);
});

test('cluster names follow kind/DNS rules', () => {
  validateName('kpc');
  validateName('kpc-iptables.1');
  for (const bad of ['', 'Upper', '-x', 'x-', 'a_b', 'a'.repeat(51)]) assert.throws(() => validateName(bad), /invalid cluster name/);
});

test('elapsed time format', () => {
  assert.equal(formatElapsed(1234), '1.2s');
  assert.equal(formatElapsed(61_000), '1m01s');
});

test('CLI parsing', () => {
  assert.deepEqual(parseCli(['create', '--proxy-mode', 'iptables']), {
    command: 'create', name: 'kpc', proxyMode: 'iptables', workers: 2, masqueradeAll: false, ipFamily: 'ipv4', image: undefined, metallb: true, keepOnFailure: false,
  });
  const dual = parseCli(['create', '--proxy-mode', 'iptables', '--ip-family', 'dual']);
  assert.equal(dual.command === 'create' && dual.ipFamily, 'dual');
  assert.throws(() => parseCli(['create', '--proxy-mode', 'iptables', '--ip-family', 'ipv6']), /--ip-family must be ipv4 or dual/);
  const c = parseCli(['create', '--proxy-mode', 'nftables', '--name', 'n1', '--workers', '1', '--masquerade-all', '--no-metallb']);
  assert.equal(c.command, 'create');
  if (c.command === 'create') {
    assert.equal(c.workers, 1);
    assert.equal(c.masqueradeAll, true);
    assert.equal(c.metallb, false);
  }
  assert.deepEqual(parseCli(['delete', '--name', 'n1']), { command: 'delete', name: 'n1' });
  assert.deepEqual(parseCli(['list']), { command: 'list', json: false });
  assert.throws(() => parseCli(['create']), /needs --proxy-mode/);
  assert.throws(() => parseCli(['create', '--proxy-mode', 'userspace']), /must be one of/);
  assert.throws(() => parseCli(['delete']), /needs --name/);
  assert.throws(() => parseCli(['frobnicate']), /unknown command/);
  assert.throws(() => parseCli(['create', '--proxy-mode', 'iptables', '--workers', 'two']), /whole number/);
});

test('MetalLB slots: disjoint blocks downward, the first free one is picked', async () => {
  const { freeMetallbSlot } = await import('../../clusters/cluster.ts');
  assert.equal(metallbRange('172.18.0.0/16', 1).range, '172.18.255.192-172.18.255.223');
  assert.equal(metallbRange('172.18.0.0/16', 2).range, '172.18.255.160-172.18.255.191');
  assert.equal(metallbRange('10.0.0.0/24', 1).range, '10.0.0.192-10.0.0.223');
  assert.throws(() => metallbRange('10.0.0.0/24', 4), /top half/);
  assert.equal(freeMetallbSlot('172.18.0.0/16', []), 0);
  assert.equal(freeMetallbSlot('172.18.0.0/16', ['172.18.255.224-172.18.255.254']), 1);
  assert.equal(freeMetallbSlot('172.18.0.0/16', ['172.18.255.192-172.18.255.223']), 0);
});
