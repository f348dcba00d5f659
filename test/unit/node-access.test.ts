/**
 * Node access (harness/probes/node-access*.ts). The pod path is exercised end to end against a
 * fake API whose exec runs the command here, with fake node tools (tcpdump, iptables-save, nft,
 * curl, conntrack, ip) first on PATH, so its real shell scripts (tcpdump in the background,
 * SIGTERM, base64 home) run. A fake `docker` on PATH logs every call: the pod path must make
 * none, and once a column chose it, any docker exec in the process throws.
 */
import { test } from 'node:test';
import { tempDir } from './tmp.ts';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { KObject } from '../../harness/probes/kube.ts';
import { nodePod, nodePodName, PodNodeAccess, sweepNodeAccess, type NodePodApi } from '../../harness/probes/node-access-pod.ts';
import { DockerNodeAccess } from '../../harness/probes/node-access-docker.ts';
import { parseNodeAccess } from '../../harness/probes/node-access.ts';
import { conntrackEntries, nodeAddresses, reportedProxyMode } from '../../harness/probes/node.ts';
import { IPTABLES_DATAPLANE, NFTABLES_DATAPLANE } from '../../harness/implementations/kube-proxy-dataplanes.ts';
import { dockerExec } from '../../clusters/docker.ts';
import { makeNodeAccess } from '../../harness/run/provision.ts';

const PCAP = new URL('../fixtures/pcap/any-sll2.pcap', import.meta.url);

/** A folder of fake node tools and a fake docker that logs its arguments. */
async function fakeTools(): Promise<{ bin: string; dockerLog: string }> {
  const dir = tempDir('kpc-na-');
  const bin = path.join(dir, 'bin');
  await mkdir(bin);
  const dockerLog = path.join(dir, 'docker.log');
  const tools: Record<string, string> = {
    docker: `echo "$*" >> ${dockerLog}; exit 1`,
    tcpdump: [
      'while [ $# -gt 0 ]; do [ "$1" = -w ] && { out=$2; shift; }; shift; done',
      'trap \'echo "2 packets captured" >&2; exit 0\' TERM',
      `cp ${PCAP.pathname} "$out"`,
      'echo "tcpdump: listening on any, link-type LINUX_SLL2" >&2',
      'while :; do sleep 0.05; done',
    ].join('\n'),
    'iptables-save': 'echo "*nat"; echo "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment \\"kube-system/kube-dns:dns cluster IP\\" -j KUBE-SVC-X"; echo COMMIT',
    nft: '[ "$*" = "list table ip kube-proxy" ] && echo "table ip kube-proxy {}" || exit 1',
    curl: 'case "$*" in *10249/proxyMode*) printf nftables;; *) exit 7;; esac',
    conntrack: 'echo "udp 17 29 src=10.244.1.2 dst=10.96.0.10 sport=5353 dport=53"; echo "conntrack v1.4.7: 1 flow entries have been shown." >&2',
    ip: 'case "$*" in "-o link show") echo "1: lo: <LOOPBACK> mtu 65536"; echo "2: veth-a@if3: <BROADCAST> mtu 1500";; "-o -4 addr show") echo "2: eth0    inet 172.18.0.3/16 brd 172.18.255.255 scope global eth0";; *) exit 1;; esac',
  };
  for (const [name, body] of Object.entries(tools)) {
    await writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(bin, name), 0o755);
  }
  return { bin, dockerLog };
}

/** The API as the pod path sees it; exec runs the command on this host with the fake tools. */
function fakeApi(bin: string) {
  const calls: string[] = [];
  const pods = new Map<string, KObject>();
  const namespaces = new Map<string, Record<string, string>>();
  const api: NodePodApi = {
    listNodeNames: async () => ['kpc-control-plane', 'kpc-worker', 'kpc-worker2'],
    createNamespace: async (name, labels) => {
      calls.push(`create namespace ${name}`);
      namespaces.set(name, labels);
    },
    apply: async (objs) => {
      for (const o of objs) pods.set(`${o.metadata?.namespace}/${o.metadata?.name}`, o);
      calls.push(`apply ${objs.length} pod(s)`);
    },
    watchPods: async (ns, _selector, decide) => {
      const ready = [...pods.values()].filter((p) => p.metadata?.namespace === ns).map((p) => ({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }));
      const got = decide(ready);
      if (got === undefined) throw new Error('fake: pods not ready');
      return got;
    },
    exec: async (ns, pod, container, cmd, timeoutMs) => {
      assert.ok(pods.has(`${ns}/${pod}`), `exec into a pod that was applied: ${ns}/${pod}`);
      assert.equal(container, 'tools');
      calls.push(`exec ${pod} ${cmd[0]}`);
      const start = Date.now();
      const r = await execa(cmd[0] ?? '', cmd.slice(1), { reject: false, timeout: timeoutMs, env: { PATH: `${bin}:${process.env.PATH}` }, stripFinalNewline: false });
      return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1, durationMs: Date.now() - start };
    },
    deleteNamespace: async (name) => {
      calls.push(`delete namespace ${name}`);
      namespaces.delete(name);
      for (const k of [...pods.keys()]) if (k.startsWith(`${name}/`)) pods.delete(k);
    },
    namespacesLabelled: async (selector) => [...namespaces.entries()].filter(([, l]) => selector.split(',').every((kv) => l[kv.split('=')[0] ?? ''] === kv.split('=')[1])).map(([n]) => n),
  };
  return { api, calls, pods, namespaces };
}

test('--node-access values', () => {
  assert.equal(parseNodeAccess(undefined), 'auto');
  assert.equal(parseNodeAccess('pod'), 'pod');
  assert.equal(parseNodeAccess('docker'), 'docker');
  assert.throws(() => parseNodeAccess('ssh'), /--node-access must be docker, pod or auto, not "ssh"/);
});

test('the probe pod: pinned, host network and PID, every taint tolerated, explicit capabilities, never privileged', () => {
  const pod = nodePod('kpc-nodes-x-w0', 'kpc-worker', 'kpc.local/tools:bookworm') as KObject & { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
  assert.equal(pod.spec.nodeName, 'kpc-worker');
  assert.equal(pod.spec.hostNetwork, true);
  assert.equal(pod.spec.hostPID, true);
  assert.deepEqual(pod.spec.tolerations, [{ operator: 'Exists' }]);
  const c = pod.spec.containers[0] as { image: string; securityContext: { privileged?: boolean; capabilities: { add: string[] } } };
  assert.equal(c.image, 'kpc.local/tools:bookworm');
  assert.equal(c.securityContext.privileged, undefined);
  assert.deepEqual(c.securityContext.capabilities.add, ['NET_ADMIN', 'NET_RAW']);
  assert.equal(nodePodName('Node_With.Odd-Name'), 'node-node-with.odd-name');
  assert.ok(nodePodName('x'.repeat(100)).length <= 63);
});

test('docker path (unchanged): node commands are docker exec into the node container', async () => {
  const { bin, dockerLog } = await fakeTools();
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${oldPath}`;
  // The CLI route (the engine's socket route is tested in docker-engine.test.ts).
  process.env.KPC_DOCKER_CLI = '1';
  try {
    const access = new DockerNodeAccess('kpc.local/tools:bookworm');
    const r = await access.shell('kpc-worker', '172.18.0.3').run(['ip', '-o', 'link', 'show'], 5_000);
    assert.equal(r.exitCode, 1);
    assert.equal(readFileSync(dockerLog, 'utf8'), 'exec kpc-worker ip -o link show\n');
  } finally {
    process.env.PATH = oldPath;
    delete process.env.KPC_DOCKER_CLI;
  }
});

test('pod path: captures, rule dumps, node curl, the proxy-mode read and conntrack go through the API, never docker', async () => {
  const { bin, dockerLog } = await fakeTools();
  const oldPath = process.env.PATH;
  // A docker on PATH that would log any call, and the process-wide refusal a pod-path column sets.
  process.env.PATH = `${bin}:${oldPath}`;
  makeNodeAccess('pod', { echo: '', nginx: '', kuard: '', curl: '', tools: 'kpc.local/tools:bookworm' });
  try {
    await assert.rejects(dockerExec('kpc-worker', ['true'], 5_000), /docker exec kpc-worker refused: this column reaches its nodes through pods/);
    const { api, calls, pods, namespaces } = fakeApi(bin);
    const access = new PodNodeAccess(api, 'kpc.local/tools:bookworm', 'kpc-nodes-test-w0');
    assert.equal(calls.length, 0, 'nothing is created before the first use');
    const shell = access.shell('kpc-worker', '172.18.0.3');
    assert.match(shell.label, /^node kpc-worker \(172\.18\.0\.3\) via pod kpc-nodes-test-w0\/node-kpc-worker$/);

    assert.deepEqual(await nodeAddresses(shell), ['172.18.0.3']);
    assert.equal(pods.size, 3, 'one pod per node, all at the first use');
    assert.equal(namespaces.get('kpc-nodes-test-w0')?.['pod-security.kubernetes.io/enforce'], 'privileged');
    const mode = await reportedProxyMode(shell);
    assert.deepEqual(mode, { node: 'kpc-worker', reported: 'nftables', exitCode: 0 });
    assert.match((await IPTABLES_DATAPLANE.dump(shell)).text, /kube-system\/kube-dns:dns cluster IP/);
    assert.equal((await NFTABLES_DATAPLANE.dump(shell)).text.trim(), 'table ip kube-proxy {}');
    const ct = await conntrackEntries(shell, ['-p', 'udp']);
    assert.deepEqual(ct.entries, ['udp 17 29 src=10.244.1.2 dst=10.96.0.10 sport=5353 dport=53']);
    assert.match(ct.stderr, /1 flow entries/);

    const dir = tempDir('kpc-na-ev-');
    const cap = await access.capture({ node: 'kpc-worker', filter: 'tcp port 8080', dir, name: 'syn-kpc-worker' });
    const ev = await cap.stop();
    assert.equal(ev.file, path.join(dir, 'syn-kpc-worker.pcap'));
    assert.deepEqual(await readFile(ev.file), readFileSync(PCAP), 'the pcap comes home byte for byte');
    assert.ok(ev.packets.length > 0);
    assert.match(ev.tcpdumpLog, /listening on any[\s\S]*2 packets captured/);
    assert.ok(ev.packets.some((p) => p.iface === 'veth-a'), 'interface names read from the node');

    await access.close();
    await access.close();
    assert.equal(namespaces.size, 0, 'nothing left behind');
    assert.equal(calls.filter((c) => c.startsWith('delete namespace')).length, 1);
    await assert.rejects(shell.run(['true'], 1_000), /already removed/);
    assert.ok(!existsSync(dockerLog), `docker was called: ${existsSync(dockerLog) ? readFileSync(dockerLog, 'utf8') : ''}`);
  } finally {
    process.env.PATH = oldPath;
  }
});

test('pod path: a pod that cannot start fails fast with its reason; the sweep removes what an interrupted run left', async () => {
  const { bin } = await fakeTools();
  const { api, namespaces } = fakeApi(bin);
  const stuck: NodePodApi = {
    ...api,
    watchPods: async (_ns, _sel, decide) => {
      const got = decide([{ metadata: { name: 'node-kpc-worker' }, spec: { nodeName: 'kpc-worker' }, status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull', message: 'pull access denied' } } }] } }]);
      if (got === undefined) throw new Error('fake: undecided');
      return got;
    },
  };
  const access = new PodNodeAccess(stuck, 'nicolaka/netshoot:v0.13', 'kpc-nodes-test-w1');
  await assert.rejects(access.shell('kpc-worker', '').run(['true'], 1_000), /node access pod kpc-nodes-test-w1\/node-kpc-worker on kpc-worker cannot start: ErrImagePull: pull access denied/);
  assert.equal(namespaces.size, 1);
  const swept = await sweepNodeAccess(api);
  assert.deepEqual(swept, ['kpc-nodes-test-w1']);
  assert.equal(namespaces.size, 0);
});

test('the pod path module never imports docker or testcontainers', async () => {
  const src = await readFile(new URL('../../harness/probes/node-access-pod.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(src, /from ['"][^'"]*(docker|testcontainers|execa)[^'"]*['"]/);
});

test('outside client on another cluster: the host reaches a node when tcp/10256 answers, even with a refusal', async () => {
  const { reachFromHost } = await import('../../harness/run/cluster-under-test.ts');
  const ok = await reachFromHost(['127.0.0.3'], 500);
  assert.deepEqual(ok, { ok: true, sourceIp: '127.0.0.1', unreachable: [] });
  // (This sandbox's network accepts any outbound TCP connection, so the silent node is simulated.)
  const no = await reachFromHost(['127.0.0.3', '192.0.2.1'], 300, async (ip) => (ip === '192.0.2.1' ? 'no answer on tcp/10256 within 300 ms' : undefined));
  assert.equal(no?.ok, false);
  assert.match(no?.unreachable[0] ?? '', /^192\.0\.2\.1: /);
  assert.equal(await reachFromHost([]), undefined);
});

test('results 1.3.0: nodeAccess validates, shows under the column\'s cluster and in JUnit; older files still read', async () => {
  const { results, project, caseResult } = await import('../fixtures/results/build.ts');
  const { validateResults } = await import('../../reports/validate.ts');
  const { renderHtml } = await import('../../reports/html.ts');
  const { renderJunit } = await import('../../reports/junit.ts');
  const r = results([project('iptables', { nodeAccess: 'pod' }), project('nftables', { nodeAccess: 'docker' })], [caseResult('iptables', 'proxy/mode-matches'), caseResult('nftables', 'proxy/mode-matches')]);
  assert.equal(validateResults(r).ok, true);
  assert.equal(validateResults({ ...r, projects: [{ ...r.projects[0], nodeAccess: 3 }] }).ok, false);
  assert.equal(validateResults({ ...r, schemaVersion: '1.2.0', projects: r.projects.map(({ nodeAccess: _n, ...p }) => p) }).ok, true);
  const html = renderHtml(r);
  assert.match(html, /node access: pod/);
  assert.match(html, /node access: docker/);
  assert.match(renderJunit(r), /<property name="nodeAccess" value="pod"/);
});
