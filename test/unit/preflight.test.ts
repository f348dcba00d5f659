/**
 * Preflight against bad inputs: each is one clear line, well within the 5 s budget, before
 * anything is created. The API server is a small local HTTP server answering like one.
 */
import { test } from 'node:test';
import { tempDir } from './tmp.ts';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { PREFLIGHT_BUDGET_MS, preflight } from '../../harness/run/preflight.ts';

type Answer = { status: number; body: unknown };
/** A fixed answer, or one computed from the request body (POSTs such as SelfSubjectAccessReview). */
type Routes = Record<string, Answer | ((body: unknown) => Answer)>;

async function fakeApi(routes: Routes, seen: { method: string; path: string }[] = []): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = (req.url ?? '').split('?')[0] ?? '';
      seen.push({ method: req.method ?? '', path: p });
      const route = routes[p];
      const text = Buffer.concat(chunks).toString('utf8');
      const r = typeof route === 'function' ? route(text ? JSON.parse(text) : undefined) : (route ?? { status: 404, body: { kind: 'Status', message: 'not found', code: 404 } });
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${addr.port}`, server };
}

async function kubeconfigFor(server: string): Promise<string> {
  const dir = tempDir('kpc-pre-');
  const file = path.join(dir, 'kubeconfig');
  await writeFile(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\nusers:\n- name: u\n  user:\n    token: t\n`);
  return file;
}

const NODES = { status: 200, body: { kind: 'NodeList', apiVersion: 'v1', items: [{ metadata: { name: 'n1' } }, { metadata: { name: 'n2' } }] } };
const KUBE_PROXY = { status: 200, body: { kind: 'DaemonSetList', apiVersion: 'apps/v1', items: [{ metadata: { name: 'kube-proxy', namespace: 'kube-system' } }] } };
const NO_DS = { status: 200, body: { kind: 'DaemonSetList', apiVersion: 'apps/v1', items: [] } };
const METALLB = { status: 200, body: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'metallb-system' } } };

async function expectFailure(p: Promise<unknown>, re: RegExp): Promise<void> {
  const start = Date.now();
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, 'PreflightFailure');
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(Date.now() - start < PREFLIGHT_BUDGET_MS, `took ${Date.now() - start} ms`);
}

test('preflight: a healthy cluster with kube-proxy and MetalLB', async () => {
  const api = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY, '/api/v1/namespaces/metallb-system': METALLB });
  try {
    const f = await preflight(await kubeconfigFor(api.url), { nodeAccess: 'docker' });
    assert.deepEqual(f, { server: api.url, nodes: ['n1', 'n2'], kubeProxy: { namespace: 'kube-system', name: 'kube-proxy' }, lbProvider: 'metallb', nodeAccess: 'docker' });
  } finally {
    api.server.close();
  }
});

test('preflight: missing, unreadable and non-kubeconfig files', async () => {
  await expectFailure(preflight('/nonexistent/kubeconfig'), /^kubeconfig \/nonexistent\/kubeconfig cannot be read: ENOENT$/);
  const dir = tempDir('kpc-pre-');
  const junk = path.join(dir, 'junk');
  await writeFile(junk, '\u0000\u0001 this is not yaml: [');
  await expectFailure(preflight(junk), /is not a kubeconfig/);
  const empty = path.join(dir, 'empty.yaml');
  await writeFile(empty, 'apiVersion: v1\nkind: Config\n');
  await expectFailure(preflight(empty), /has no current context/);
  if (process.getuid?.() !== 0) {
    await chmod(empty, 0o000);
    await expectFailure(preflight(empty), /cannot be read: EACCES/);
  }
});

test('preflight: an unreachable API server', async () => {
  await expectFailure(preflight(await kubeconfigFor('http://127.0.0.1:9')), /^API server http:\/\/127\.0\.0\.1:9 cannot list nodes: /);
});

test('preflight: an API server that refuses, a cluster without nodes, without kube-proxy, without the declared LB provider', async () => {
  const forbidden = await fakeApi({ '/api/v1/nodes': { status: 403, body: { kind: 'Status', message: 'nodes is forbidden', code: 403 } } });
  const noNodes = await fakeApi({ '/api/v1/nodes': { status: 200, body: { kind: 'NodeList', apiVersion: 'v1', items: [] } } });
  const noProxy = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': NO_DS });
  const noLb = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY });
  try {
    await expectFailure(preflight(await kubeconfigFor(forbidden.url)), /cannot list nodes: .*403|forbidden/);
    await expectFailure(preflight(await kubeconfigFor(noNodes.url)), /has no nodes/);
    await expectFailure(preflight(await kubeconfigFor(noProxy.url)), /no kube-proxy DaemonSet/);
    await expectFailure(preflight(await kubeconfigFor(noLb.url), { lbProvider: 'metallb' }), /no metallb-system namespace/);
    assert.equal((await preflight(await kubeconfigFor(noLb.url), { nodeAccess: 'docker' })).lbProvider, 'none');
  } finally {
    for (const a of [forbidden, noNodes, noProxy, noLb]) a.server.close();
  }
});

test('npm run conformance -- --kubeconfig <not a kubeconfig>: one line, exit 2, within 5 s, nothing run', async () => {
  const dir = tempDir('kpc-pre-');
  const junk = path.join(dir, 'junk');
  await writeFile(junk, 'hello: [');
  const start = Date.now();
  const r = await execa('npx', ['tsx', 'harness/cli/conformance.ts', '--kubeconfig', junk], { reject: false, env: { KPC_REPORT_DIR: path.join(dir, 'report') } });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr.trim(), /^conformance: kubeconfig .* is not a kubeconfig/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.ok(Date.now() - start < 15_000, 'tsx start-up included');
});

const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
type Attrs = { verb?: string; resource?: string; subresource?: string; namespace?: string };

/** A SelfSubjectAccessReview endpoint that allows what `allow` says. */
function accessReviews(allow: (a: Attrs) => boolean): (body: unknown) => Answer {
  return (body) => {
    const spec = (body as { spec?: { resourceAttributes?: Attrs } }).spec ?? {};
    const a = spec.resourceAttributes ?? {};
    const allowed = allow(a);
    return { status: 201, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC policy matched' }) } } };
  };
}

test('preflight, pod path: every right granted -> node access pod; nothing but reads and access reviews', async () => {
  const seen: { method: string; path: string }[] = [];
  const asked: Attrs[] = [];
  const api = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY, [SSAR]: accessReviews((a) => (asked.push(a), true)) }, seen);
  try {
    const f = await preflight(await kubeconfigFor(api.url), { nodeAccess: 'pod', lbProvider: 'none' });
    assert.equal(f.nodeAccess, 'pod');
    assert.deepEqual(
      asked.map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ' ns' : ''}`).sort(),
      ['create namespaces', 'create pods ns', 'create pods/exec ns', 'delete namespaces', 'get pods/exec ns', 'watch pods ns'],
    );
    assert.ok(asked.filter((a) => a.namespace).every((a) => a.namespace?.startsWith('kpc-nodes-')), 'rights asked in our own namespace');
    // Nothing left behind: the only writes are access reviews, which persist nothing.
    assert.deepEqual(seen.filter((s) => s.method !== 'GET').map((s) => `${s.method} ${s.path}`), Array(6).fill(`POST ${SSAR}`));
  } finally {
    api.server.close();
  }
});

test('preflight, pod path: each refused right is one line, all within 5 s, exit before anything is created', async () => {
  const seen: { method: string; path: string }[] = [];
  const api = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY, [SSAR]: accessReviews((a) => a.subresource !== 'exec' && a.resource !== 'namespaces') }, seen);
  try {
    const start = Date.now();
    await assert.rejects(preflight(await kubeconfigFor(api.url), { nodeAccess: 'pod', lbProvider: 'none' }), (e: Error & { lines?: string[] }) => {
      assert.equal(e.name, 'PreflightFailure');
      assert.equal(e.lines?.length, 4);
      for (const line of e.lines ?? []) {
        assert.ok(!line.includes('\n'));
        assert.match(line, /^node access pods need the right to (create|delete|get) (namespaces \(cluster scope\)|pods\/exec in namespace kpc-nodes-\S+) .*; refused \(no RBAC policy matched\)$/);
      }
      return true;
    });
    assert.ok(Date.now() - start < PREFLIGHT_BUDGET_MS);
    assert.ok(seen.every((s) => s.method === 'GET' || s.path === SSAR), 'no object created');
  } finally {
    api.server.close();
  }
});

test('preflight, pod path: an API server without SelfSubjectAccessReview, and auto choosing the path', async () => {
  const noAuthz = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY });
  const all = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY, [SSAR]: accessReviews(() => true) });
  try {
    await assert.rejects(preflight(await kubeconfigFor(noAuthz.url), { nodeAccess: 'pod', lbProvider: 'none' }), (e: Error & { lines?: string[] }) => {
      assert.equal(e.lines?.length, 6);
      assert.match(e.lines?.[0] ?? '', /^node access pods: cannot ask whether it may create namespaces \(cluster scope\) \(SelfSubjectAccessReview: 404/);
      return true;
    });
    const containers = new Set(['n1', 'n2']);
    assert.equal((await preflight(await kubeconfigFor(all.url), { nodeAccess: 'auto', lbProvider: 'none', isContainer: async (n) => containers.has(n) })).nodeAccess, 'docker');
    containers.delete('n2');
    assert.equal((await preflight(await kubeconfigFor(all.url), { nodeAccess: 'auto', lbProvider: 'none', isContainer: async (n) => containers.has(n) })).nodeAccess, 'pod');
  } finally {
    noAuthz.server.close();
    all.server.close();
  }
});

test('npm run conformance -- --kubeconfig K --node-access pod without exec rights: one line per right, exit 2, nothing run', async () => {
  const api = await fakeApi({ '/api/v1/nodes': NODES, '/apis/apps/v1/daemonsets': KUBE_PROXY, [SSAR]: accessReviews((a) => a.subresource !== 'exec') });
  try {
    const dir = tempDir('kpc-pre-');
    const r = await execa('npx', ['tsx', 'harness/cli/conformance.ts', '--kubeconfig', await kubeconfigFor(api.url), '--node-access', 'pod'], { reject: false, env: { KPC_REPORT_DIR: path.join(dir, 'report') } });
    assert.equal(r.exitCode, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^conformance: node access pods need the right to create pods\/exec in namespace kpc-nodes-/);
    assert.match(lines[1] ?? '', /^conformance: node access pods need the right to get pods\/exec in namespace kpc-nodes-/);
  } finally {
    api.server.close();
  }
});
