import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { imageEntry, imageFor, loadImages, nodeImages, offlineFromEnv, registryHost, resolveImage } from '../../clusters/images.ts';

const versions = JSON.parse(readFileSync(new URL('../../clusters/versions.json', import.meta.url), 'utf8'));
const ROLES = new Set(['base', 'control-plane', 'cni', 'storage', 'lb', 'workload', 'tool']);

test('images.json: unique ids, tars and tags; known roles; public names for everything but bases', () => {
  const all = loadImages().images;
  assert.equal(new Set(all.map((i) => i.id)).size, all.length);
  assert.equal(new Set(all.map((i) => i.tar)).size, all.length);
  const tags = all.flatMap((i) => [i.local, ...(i.alsoTagged ?? [])]);
  assert.equal(new Set(tags).size, tags.length);
  for (const i of all) {
    assert.ok(ROLES.has(i.role), `${i.id}: role ${i.role}`);
    assert.match(i.tar, /^[a-z0-9-]+\.tar$/, i.id);
    assert.ok(!/:latest$/.test(i.local) && /:[\w.-]+$/.test(i.local), `${i.id}: local tag must be pinned (no :latest), got ${i.local}`);
    assert.equal(i.public === null, i.role === 'base', i.id);
  }
});

test('control-plane images carry the tags kubeadm asks for at the pinned versions', () => {
  const k = versions.kubernetes;
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']) {
    assert.equal(imageEntry(c).local, `registry.k8s.io/${c}:${k}`);
  }
  assert.equal(imageEntry('etcd').local, `registry.k8s.io/etcd:${versions.etcd.kubeadmTag}`);
  assert.equal(imageEntry('coredns').local, `registry.k8s.io/coredns/coredns:${versions.coredns.kubeadmTag}`);
  assert.equal(imageEntry('pause').local, `registry.k8s.io/pause:${versions.pause.kubeadmTag}`);
  assert.equal(imageEntry('kindnetd').local, versions.kindnetd.image);
  assert.equal(imageEntry('local-path-provisioner').local, versions.localPathProvisioner.image);
  assert.equal(imageEntry('local-path-helper').local, versions.localPathProvisioner.helperImage);
  assert.equal(imageEntry('metallb-speaker').local, `quay.io/metallb/speaker:${versions.metallb.version}`);
  assert.equal(imageEntry('ryuk').local, versions.ryuk.image);
});

test('node images: everything a cluster runs, not the bases or the host-side reaper', () => {
  const ids = nodeImages().map((i) => i.id);
  for (const id of ['pause', 'kube-proxy', 'kindnetd', 'metallb-controller', 'echoserver', 'curl']) assert.ok(ids.includes(id), id);
  for (const id of ['base', 'base-net', 'ryuk']) assert.ok(!ids.includes(id), id);
});

test('registryHost: Docker Hub for bare and docker.io names, else the first path element', () => {
  assert.equal(registryHost('nginx'), 'registry-1.docker.io');
  assert.equal(registryHost('testcontainers/ryuk:0.14.0'), 'registry-1.docker.io');
  assert.equal(registryHost('docker.io/kindest/kindnetd:v1'), 'registry-1.docker.io');
  assert.equal(registryHost('registry.k8s.io/pause:3.10.1'), 'registry.k8s.io');
  assert.equal(registryHost('localhost:5000/x:1'), 'localhost:5000');
});

test('offline choice: explicit option, then KPC_OFFLINE, public vs local names', async () => {
  assert.equal(offlineFromEnv({}), undefined);
  assert.equal(offlineFromEnv({ KPC_OFFLINE: '1' }), true);
  assert.equal(offlineFromEnv({ KPC_OFFLINE: 'false' }), false);
  assert.equal(await resolveImage('echoserver', { offline: true }), 'kpc.local/echoserver:1.10');
  assert.equal(await resolveImage('echoserver', { offline: false }), 'registry.k8s.io/echoserver:1.10');
  assert.equal(imageFor('nginx', { offline: false }), 'nginx');
  assert.equal(imageFor('base', { offline: false }), 'kpc.local/base:bookworm');
  assert.throws(() => imageFor('nope'), /unknown image id "nope"/);
});
