import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { IMPLEMENTATIONS, implementationByName, implementationReporting, installedProxyMode } from '../../harness/implementations/index.ts';
import { ANSWERS, ANSWERS_WITH_CLIENT_IP, DROPS, REJECTS, describeExpectation, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { PROJECTS, proxyModeOf, selectedProjects } from '../../harness/run/projects.ts';
import { kindConfig } from '../../clusters/cluster.ts';
import { toyProxy } from '../fixtures/implementations/toy-proxy.ts';
import YAML from 'yaml';

test('every registered implementation is complete: facts with sources, a dataplane, a kind install', () => {
  for (const i of IMPLEMENTATIONS) {
    for (const fact of Object.keys(i.behaviour) as (keyof typeof i.behaviour)[]) assert.match(i.behaviourSources[fact], /^https:\/\//, `${i.name}.${fact}`);
    assert.ok(i.dataplane.tool && typeof i.dataplane.dump === 'function', i.name);
    for (const id of i.control?.mustFail ?? []) assert.match(id, /^[a-z-]+\/[a-z0-9-]+$/);
  }
  assert.deepEqual(PROJECTS.map((p) => p.name), ['iptables', 'nftables', 'ipvs', 'iptables-masquerade-all', 'iptables-dual', 'iptables-dual-masquerade-all', 'cilium']);
  assert.match(PROJECTS.find((p) => p.name === 'cilium')?.optIn ?? '', /npm run images -- --cilium/);
  assert.deepEqual(PROJECTS.filter((p) => p.control).map((p) => p.name), ['iptables-masquerade-all', 'iptables-dual-masquerade-all']);
  assert.equal(implementationByName('nftables').behaviour.nodePortOnLocalhost, false);
  assert.throws(() => implementationByName('userspace'), /unknown implementation "userspace"; known: iptables, nftables/);
});

test('declared facts: localhost NodePorts only in iptables mode (nftables: KEP-3866; ipvs: kubernetes PR #101023)', () => {
  assert.equal(implementationByName('iptables').behaviour.nodePortOnLocalhost, true);
  assert.equal(implementationByName('nftables').behaviour.nodePortOnLocalhost, false);
  assert.equal(implementationByName('ipvs').behaviour.nodePortOnLocalhost, false);
  assert.match(implementationByName('ipvs').behaviourSources.nodePortOnLocalhost, /pull\/101023/);
});

test('an implementation recognised from what kube-proxy reports (never a control)', () => {
  assert.equal(implementationReporting('nftables')?.name, 'nftables');
  assert.equal(implementationReporting('iptables')?.name, 'iptables');
  assert.equal(implementationReporting('userspace'), undefined);
});

test('selectedProjects: all but the opt-in columns by default, a subset by KPC_PROJECTS, one column for an existing cluster', () => {
  assert.deepEqual(selectedProjects({}).map((p) => p.name), ['iptables', 'nftables', 'ipvs', 'iptables-masquerade-all']);
  assert.deepEqual(selectedProjects({ KPC_PROJECTS: 'iptables-dual' }).map((p) => p.name), ['iptables-dual']);
  assert.deepEqual(selectedProjects({ KPC_PROJECTS: 'nftables, iptables' }).map((p) => p.name), ['nftables', 'iptables']);
  assert.throws(() => selectedProjects({ KPC_PROJECTS: 'iptable' }), /unknown project "iptable"/);
  const existing = selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_NAME: 'my-proxy' });
  assert.deepEqual(existing.map((p) => [p.name, p.implementation]), [['my-proxy', 'detect']]);
  const declared = selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_PROXY_MODE: 'nftables' })[0];
  assert.equal(declared && proxyModeOf(declared), 'nftables');
  assert.equal(declared?.name, 'nftables');
  assert.throws(() => selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_PROXY_MODE: 'userspace' }), /KPC_PROXY_MODE/);
  assert.throws(() => selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_LB_PROVIDER: 'f5' }), /KPC_LB_PROVIDER/);
});

test('expectation rows follow behaviour facts, and an implementation override wins only for its case and row', () => {
  const table: ExpectationTable<'a' | 'b'> = { rows: { a: ANSWERS_WITH_CLIENT_IP, b: (f) => (f.nodePortOnLocalhost ? ANSWERS : REJECTS) } };
  assert.equal(expectationFor(table, implementationByName('iptables'), 'x/y', 'b'), ANSWERS);
  assert.equal(expectationFor(table, implementationByName('nftables'), 'x/y', 'b'), REJECTS);
  assert.equal(expectationFor(table, implementationByName('nftables'), 'x/y', 'a'), ANSWERS_WITH_CLIENT_IP);
  assert.equal(describeExpectation(ANSWERS_WITH_CLIENT_IP), "answers; source seen by the endpoint is the client's own IP");
  assert.match(describeExpectation(DROPS), /dropped/);
});

test('an implementation defined only in a test fixture becomes a column with its facts, dataplane and overrides', async () => {
  const known = [...IMPLEMENTATIONS, toyProxy];
  const projects = selectedProjects({ KPC_PROJECTS: 'toy-proxy' }, known);
  assert.deepEqual(projects.map((p) => [p.name, proxyModeOf(p), p.lbProvider]), [['toy-proxy', 'nftables', 'metallb']]);
  assert.deepEqual(selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_IMPLEMENTATION: 'toy-proxy' }, known).map((p) => p.name), ['toy-proxy']);
  assert.equal(implementationReporting('toy', known)?.name, 'toy-proxy');
  // Its facts and its override drive expectations; other cases and rows are untouched.
  const table: ExpectationTable<'outside -> node without endpoint : fixed nodePort' | 'local'> = {
    rows: { 'outside -> node without endpoint : fixed nodePort': ANSWERS, local: (f) => (f.nodePortOnLocalhost ? ANSWERS : REJECTS) },
  };
  assert.equal(expectationFor(table, toyProxy, 'nodeport/fixed-port', 'outside -> node without endpoint : fixed nodePort'), REJECTS);
  assert.equal(expectationFor(table, toyProxy, 'nodeport/other', 'outside -> node without endpoint : fixed nodePort'), ANSWERS);
  assert.equal(expectationFor(table, toyProxy, 'x/y', 'local'), ANSWERS);
  // Its install reaches the kind config; its dataplane reads its own dump format.
  const cfg = YAML.parse(kindConfig({ name: 'kpc-toy', proxyMode: installedProxyMode(toyProxy), workers: 2, masqueradeAll: false, kubeProxyConfig: toyProxy.install.kubeProxy?.config })) as { networking: unknown; kubeadmConfigPatches: string[] };
  assert.deepEqual(cfg.networking, { kubeProxyMode: 'nftables' });
  assert.deepEqual(YAML.parse(cfg.kubeadmConfigPatches[0] ?? '').nftables, { masqueradeAll: false });
  const runner = { label: 'fake node', node: 'n1', run: async (cmd: string[]) => ({ stdout: cmd.join(' ') === 'toyctl dump' ? 'ns/a 10.0.0.1 -> 10.1.0.1\nns/b 10.0.0.2 -> 10.1.0.2\n' : '', stderr: '', exitCode: 0, durationMs: 1 }) };
  const dump = await toyProxy.dataplane.dump(runner);
  assert.equal(toyProxy.dataplane.serviceRules(dump.text, { namespace: 'ns', name: 'b' }), 'ns/b 10.0.0.2 -> 10.1.0.2');
});

/** Files under `dir` (recursively) ending in .ts. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('cases, judging, probes and the runner never branch on an implementation or mode name', () => {
  const offenders: string[] = [];
  // harness/implementations holds the facts; harness/faults patches kube-proxy's modes on purpose.
  for (const f of ['suites', 'harness/judge', 'harness/apps', 'harness/probes', 'harness/run'].flatMap(tsFiles)) {
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    // `install.kubeProxy.mode` is how a kind cluster is made, not a branch on behaviour.
    for (const m of code.matchAll(/['"`](iptables|nftables|ipvs)['"`]|(?<!kubeProxy\??)\.mode\b|\.proxyMode\s*===/g)) offenders.push(`${f}: ${m[0]}`);
  }
  assert.deepEqual(offenders, []);
});
