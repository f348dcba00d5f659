import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ciliumDump, ciliumRandomShape, ciliumServiceRules, inAgent, observeCiliumShape, parseBpfLb, parseFrontends, parseKprStatus } from '../../harness/implementations/cilium-dataplane.ts';
import { cilium } from '../../harness/implementations/cilium.ts';
import { installedProxyMode } from '../../harness/implementations/index.ts';
import { kindConfig } from '../../clusters/cluster.ts';
import { builtCiliumImage, ciliumManifest } from '../../clusters/cilium/install.ts';

// Captured with ciliumDump on kpc-cilium-worker during a catalogue run (2026-12-01, Cilium v1.20.2).
const DUMP = readFileSync(new URL('../fixtures/cilium/dump-worker.txt', import.meta.url), 'utf8');

test('cilium: db/show frontends rows keep Service name and port name, also when the port is unnamed or has no backend', () => {
  const rows = parseFrontends(DUMP);
  assert.equal(rows.length, 8);
  const dns = rows.find((r) => r.address === '10.96.0.10:53/UDP');
  assert.deepEqual([dns?.type, dns?.service, dns?.portName, dns?.status], ['ClusterIP', 'kube-system/kube-dns', 'dns', 'Done']);
  const np = rows.find((r) => r.address === '0.0.0.0:32539/TCP');
  assert.deepEqual([np?.type, np?.service, np?.portName], ['NodePort', 'kpc-nodeport-from-pod-and-node-ogt7/nodeport', '']);
  const empty = rows.find((r) => r.service === 'kpc-affinity-timeout-62j1/affinity');
  assert.deepEqual([empty?.portName, empty?.status], ['', 'Done']);
});

test('cilium: bpf lb list entries, master slot 0 and backend slots', () => {
  const e = parseBpfLb(DUMP);
  assert.equal(e.length, 26);
  assert.deepEqual(e.filter((x) => x.frontend === '10.96.170.74:80/TCP').map((x) => [x.slot, x.backend]).sort(), [
    [0, '0.0.0.0:0'],
    [1, '10.244.2.234:80/TCP'],
    [2, '10.244.2.199:80/TCP'],
  ]);
});

test('cilium: the excerpt of one Service: its frontends by name, and the BPF entries of them (NodePort by port on every node address)', () => {
  const x = ciliumServiceRules(DUMP, { namespace: 'kpc-nodeport-from-pod-and-node-ogt7', name: 'nodeport' });
  assert.match(x, /0\.0\.0\.0:32539\/TCP\s+NodePort/);
  assert.match(x, /10\.96\.73\.229:80\/TCP\s+ClusterIP/);
  assert.match(x, /^172\.19\.0\.9:32539\/TCP \(0\)/m);
  assert.match(x, /^10\.96\.73\.229:80\/TCP \(1\)\s+10\.244\.1\.131:8080/m);
  assert.doesNotMatch(x, /kube-dns|10\.96\.0\.10/);
  assert.equal(ciliumServiceRules(DUMP, { namespace: 'kube-system', name: 'kube-dns', port: 'metrics' }).split('\n').filter((l) => l.includes('9153')).length, 4);
  assert.equal(ciliumServiceRules(DUMP, { namespace: 'nope', name: 'none' }), '');
});

test('cilium: balancing shape from the BPF slots, targets are the backends', () => {
  assert.deepEqual(observeCiliumShape(DUMP, { vip: '10.96.170.74:80' }), { shape: ciliumRandomShape(2), targets: ['10.244.2.199:80', '10.244.2.234:80'] });
  assert.equal(observeCiliumShape(DUMP, { vip: '10.96.128.197:80' }).shape, 'no BPF service entry for 10.96.128.197:80');
});

test('cilium: identity from cilium-dbg status -o json; the agent is found with crictl', () => {
  assert.equal(parseKprStatus('{"kube-proxy-replacement":{"mode":"True","devices":["eth0"]}}'), cilium.reportedMode);
  assert.equal(parseKprStatus('{"kube-proxy-replacement":{"mode":"False"}}'), 'cilium kube-proxy-replacement=False');
  assert.match(parseKprStatus('not json'), /^unparsable/);
  const cmd = inAgent(['cilium-dbg', 'status', "it's"]);
  assert.equal(cmd[0], 'sh');
  assert.match(cmd[2] ?? '', /crictl ps -q --name '\^cilium-agent\$' --state Running/);
  assert.match(cmd[2] ?? '', /'it'\\''s'$/);
});

test('cilium: installs without kube-proxy and kindnet; the manifests get every placeholder', () => {
  assert.equal(installedProxyMode(cilium), 'none');
  const cfg = YAML.parse(kindConfig({ name: 'kpc-cilium', proxyMode: 'none', replacement: 'cilium', workers: 2, masqueradeAll: false })) as { networking: unknown; kubeadmConfigPatches?: unknown };
  assert.deepEqual(cfg.networking, { kubeProxyMode: 'none', disableDefaultCNI: true, podSubnet: '10.244.0.0/16' });
  assert.equal(cfg.kubeadmConfigPatches, undefined);
  assert.throws(() => kindConfig({ name: 'x', proxyMode: 'iptables', replacement: 'cilium', workers: 2, masqueradeAll: false }), /proxyMode must be 'none'/);
  assert.throws(() => kindConfig({ name: 'x', proxyMode: 'none', workers: 2, masqueradeAll: false }), /needs a replacement/);
  const m = ciliumManifest({ image: 'kpc.local/cilium:v1', apiHost: '172.19.0.8', apiPort: 6443, podCidr: '10.244.0.0/16' });
  assert.doesNotMatch(m.split('\n').filter((l) => !l.startsWith('#')).join('\n'), /@[A-Z_]+@/);
  const docs = YAML.parseAllDocuments(m).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
  const cm = docs.find((d) => d.kind === 'ConfigMap');
  assert.equal(cm?.data?.['ipv4-native-routing-cidr'], '10.244.0.0/16');
  assert.equal(cm?.data?.['kube-proxy-replacement-healthz-bind-address'], '0.0.0.0:10256');
  assert.throws(() => ciliumManifest({ image: '', apiHost: 'h', apiPort: 1, podCidr: 'c' }), /no value for @IMAGE@/);
});

test('cilium: without its image the column cannot run here, and says how to build it', () => {
  assert.throws(() => builtCiliumImage('/nonexistent-kpc-cache'), /no Cilium image built yet .*npm run images -- --cilium/);
});

test('cilium: the dump runs each command inside the agent and heads it with the command itself', async () => {
  const seen: string[][] = [];
  const sections = readFileSync(new URL('../fixtures/cilium/dump-worker.txt', import.meta.url), 'utf8').split(/^# cilium-dbg .*\n/m).slice(1);
  const runner = { label: 'fake node', node: 'n1', run: async (cmd: string[]) => ({ stdout: sections[seen.push(cmd) - 1] ?? '', stderr: '', exitCode: 0, durationMs: 1 }) };
  const d = await ciliumDump(runner);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((c) => c[0] === 'sh' && /crictl exec "\$id" 'cilium-dbg'/.test(c[2] ?? '')));
  assert.match(d.text, /^# cilium-dbg shell -- db\/show frontends\n/);
  assert.equal(parseFrontends(d.text).length, 8);
  assert.equal(parseBpfLb(d.text).length, 26);
  const failing = { ...runner, run: async () => ({ stdout: '', stderr: 'no running cilium-agent container on this node', exitCode: 125, durationMs: 1 }) };
  await assert.rejects(ciliumDump(failing), /cilium-dbg shell -- db\/show frontends on fake node failed \(125\): no running cilium-agent/);
});
