import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Kube } from '../../harness/probes/kube.ts';
import { tempDir } from './tmp.ts';

const pod = (name: string) => ({ kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: '10' }, status: { phase: 'Running' } });

/**
 * A fake API server: the list answers two pods at resourceVersion 10; the first watch streams
 * their deletion after 150 ms; with `closeFirst`, the first watch ends without events and the
 * pods are gone by the next list.
 */
async function fakeApi(opts: { closeFirst?: boolean } = {}): Promise<{ kubeconfig: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  let lists = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.searchParams.get('watch') ? 'WATCH' : 'LIST'} ${url.pathname} rv=${url.searchParams.get('resourceVersion') ?? ''} sel=${url.searchParams.get('labelSelector') ?? ''}`);
    if (!url.searchParams.get('watch')) {
      lists += 1;
      const items = opts.closeFirst && lists > 1 ? [] : [pod('a'), pod('b')];
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: String(9 + lists) }, items }));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (opts.closeFirst) return res.end();
    setTimeout(() => {
      res.write(`${JSON.stringify({ type: 'DELETED', object: pod('a') })}\n`);
      res.write(`${JSON.stringify({ type: 'DELETED', object: pod('b') })}\n`);
    }, 150);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = path.join(tempDir('kpc-kw-'), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    ['apiVersion: v1', 'kind: Config', 'current-context: c', 'clusters:', `- name: c`, `  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}`, 'users:', '- name: u', '  user: {token: t}', 'contexts:', '- name: c', '  context: {cluster: c, user: u}', ''].join('\n'),
  );
  return { kubeconfig, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const gone = (objs: Map<string, unknown>) => (objs.size === 0 ? true : undefined);

test('watchUntil: "every pod gone" waits for the deletions, not for the watch to be up', async () => {
  const api = await fakeApi();
  try {
    const t0 = Date.now();
    await new Kube(api.kubeconfig).watchUntil('/api/v1/namespaces/ns/pods', { labelSelector: 'app=x' }, gone, 5_000, 'pods gone');
    assert.ok(Date.now() - t0 >= 140, `decided after ${Date.now() - t0} ms, before the deletions came`);
    // List first, then watch from the list's resourceVersion, same selector.
    assert.deepEqual(api.seen, ['LIST /api/v1/namespaces/ns/pods rv= sel=app=x', 'WATCH /api/v1/namespaces/ns/pods rv=10 sel=app=x']);
  } finally {
    await api.close();
  }
});

test('watchUntil: a watch the server closes is resumed by listing again', async () => {
  const api = await fakeApi({ closeFirst: true });
  try {
    await new Kube(api.kubeconfig).watchUntil('/api/v1/namespaces/ns/pods', {}, gone, 5_000, 'pods gone');
    assert.deepEqual(api.seen.slice(0, 3), ['LIST /api/v1/namespaces/ns/pods rv= sel=', 'WATCH /api/v1/namespaces/ns/pods rv=10 sel=', 'LIST /api/v1/namespaces/ns/pods rv= sel=']);
  } finally {
    await api.close();
  }
});

test('watchUntil: an empty set is decided from the list at once; a time-out names what was last seen', async () => {
  const api = await fakeApi();
  try {
    const kube = new Kube(api.kubeconfig);
    assert.equal(await kube.watchUntil('/api/v1/namespaces/ns/pods', {}, (o) => (o.size === 2 ? 'two' : undefined), 5_000, 'two pods'), 'two');
    await assert.rejects(kube.watchUntil('/api/v1/namespaces/ns/pods', {}, (o) => (o.size === 3 ? true : undefined), 100, 'three pods'), /timed out after 100 ms waiting for three pods \(last seen: Pod a Running; Pod b Running\)/);
  } finally {
    await api.close();
  }
});
