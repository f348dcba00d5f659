import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODE_BEHAVIOUR, PROJECTS, selectedProjects } from '../../harness/run/projects.ts';
import { ANSWERS_WITH_CLIENT_IP, DROPS, describeExpectation, expectationFor, type ExpectationTable } from '../../harness/judge/expectations.ts';

test('every project names a mode with declared behaviour, and the control names cases', () => {
  for (const p of PROJECTS) {
    assert.ok(p.proxyMode === 'detect' || MODE_BEHAVIOUR[p.proxyMode], p.name);
    for (const id of p.control?.mustFail ?? []) assert.match(id, /^[a-z-]+\/[a-z0-9-]+$/);
  }
  assert.deepEqual(PROJECTS.filter((p) => p.control).map((p) => p.name), ['iptables-masquerade-all']);
});

test('selectedProjects: all by default, a subset by KPC_PROJECTS, one column for an existing cluster', () => {
  assert.equal(selectedProjects({}).length, PROJECTS.length);
  assert.deepEqual(selectedProjects({ KPC_PROJECTS: 'nftables, iptables' }).map((p) => p.name), ['nftables', 'iptables']);
  assert.throws(() => selectedProjects({ KPC_PROJECTS: 'iptable' }), /unknown project "iptable"/);
  const existing = selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_IMPLEMENTATION: 'my-proxy' });
  assert.deepEqual(existing.map((p) => [p.name, p.proxyMode]), [['my-proxy', 'detect']]);
  assert.equal(selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_PROXY_MODE: 'nftables' })[0]?.proxyMode, 'nftables');
  assert.throws(() => selectedProjects({ KUBECONFIG_UNDER_TEST: '/tmp/kc', KPC_PROXY_MODE: 'userspace' }), /KPC_PROXY_MODE/);
});

test('expectation tables: per-mode overrides win only where declared', () => {
  const table: ExpectationTable<'a' | 'b'> = { rows: { a: ANSWERS_WITH_CLIENT_IP, b: ANSWERS_WITH_CLIENT_IP }, byMode: { nftables: { b: DROPS } } };
  assert.equal(expectationFor(table, 'iptables', 'b'), ANSWERS_WITH_CLIENT_IP);
  assert.equal(expectationFor(table, 'nftables', 'b'), DROPS);
  assert.equal(expectationFor(table, 'nftables', 'a'), ANSWERS_WITH_CLIENT_IP);
  assert.equal(describeExpectation(ANSWERS_WITH_CLIENT_IP), "answers; source seen by the endpoint is the client's own IP");
  assert.match(describeExpectation(DROPS), /dropped/);
});

test('declared mode facts from KEP-3866: nftables has no localhost NodePorts', () => {
  assert.equal(MODE_BEHAVIOUR.nftables.nodePortOnLocalhost, false);
  assert.equal(MODE_BEHAVIOUR.iptables.nodePortOnLocalhost, true);
});
