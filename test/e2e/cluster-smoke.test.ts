/**
 * Smoke test of real kind clusters made by clusters/cluster.ts, for iptables and nftables:
 * every node Ready, CoreDNS Ready, a pod reaches a ClusterIP Service by its DNS name,
 * kube-proxy on every node reports the requested mode on :10249/proxyMode, MetalLB hands out
 * an address from its pool, and a second create of the same name is refused.
 *
 *   node --import tsx --test test/e2e/cluster-smoke.test.ts
 *
 * Needs the node image (npm run images); skipped with that reason when it is missing, unless
 * KPC_SMOKE_REQUIRE=1. KPC_KEEP=1 keeps the clusters. KPC_SMOKE_MODES=iptables limits the modes.
 * Create times are printed as test diagnostics ("create <mode>: <s>s").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { ClusterExists, createCluster, deleteCluster, kubectl, type ClusterInfo, type ProxyMode } from '../../clusters/cluster.ts';
import { builtNodeImage, dockerImageExists, kubectlBinary } from '../../clusters/kind.ts';

const MODES = (process.env.KPC_SMOKE_MODES ?? 'iptables,nftables').split(',').map((s) => s.trim()) as ProxyMode[];
const KEEP = process.env.KPC_KEEP === '1';

async function skipReason(): Promise<string | undefined> {
  const built = builtNodeImage();
  if (!built) return 'no node image built (run npm run images)';
  if (!built.complete) return `node image ${built.image} lacks cluster images (run npm run images)`;
  if (!(await dockerImageExists(built.image).catch(() => false))) return `node image ${built.image} is not in the local Docker`;
  return undefined;
}

/** Local name of a workload image, from the catalog the node image was baked from. */
const catalog = (JSON.parse(readFileSync(new URL('../../clusters/images.json', import.meta.url), 'utf8')) as { images: Array<{ id: string; local: string }> }).images;
function imageOf(id: string): string {
  const hit = catalog.find((i) => i.id === id);
  if (!hit) throw new Error(`image ${id} is not in clusters/images.json`);
  return hit.local;
}

const reason = await skipReason();
const require = process.env.KPC_SMOKE_REQUIRE === '1';

for (const mode of MODES) {
  describe(`kind cluster, kube-proxy ${mode}`, { skip: reason && !require ? reason : false }, () => {
    const name = `kpc-smoke-${mode}`;
    let info: ClusterInfo | undefined;
    const k = (args: string[], input?: string) => kubectl(info!.kubeconfig, args, input !== undefined ? { input } : {});

    after(async () => {
      if (!KEEP) await deleteCluster(name).catch(() => undefined);
    });

    test('create', { timeout: 400_000 }, async (t) => {
      if (reason) assert.fail(reason);
      await deleteCluster(name); // leftovers of an interrupted run
      const t0 = Date.now();
      info = await createCluster({ name, proxyMode: mode, log: (l) => t.diagnostic(l) });
      const secs = (Date.now() - t0) / 1000;
      t.diagnostic(`create ${mode}: ${secs.toFixed(1)}s`);
      console.log(`# create ${mode}: ${secs.toFixed(1)}s`);
      assert.equal(info.proxyMode, mode);
      assert.equal(info.nodes.length, 3);
      assert.ok(info.nodes.every((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n.ip)), 'every node has an IPv4 address');
      assert.match(info.network.subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
      assert.ok(info.metallb, 'MetalLB installed');
    });

    test('every node is Ready', async () => {
      assert.ok(info, 'cluster was created');
      const nodes = JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as {
        items: Array<{ metadata: { name: string }; status: { conditions: Array<{ type: string; status: string }> } }>;
      };
      assert.equal(nodes.items.length, 3);
      for (const n of nodes.items) {
        assert.equal(n.status.conditions.find((c) => c.type === 'Ready')?.status, 'True', `${n.metadata.name} Ready`);
      }
    });

    test('CoreDNS is Ready', async () => {
      assert.ok(info, 'cluster was created');
      const d = JSON.parse(await k(['-n', 'kube-system', 'get', 'deployment', 'coredns', '-o', 'json'])) as {
        spec: { replicas: number };
        status: { readyReplicas?: number };
      };
      assert.ok(d.spec.replicas >= 1);
      assert.equal(d.status.readyReplicas, d.spec.replicas);
    });

    test('kube-proxy on every node reports the requested mode', async () => {
      assert.ok(info, 'cluster was created');
      for (const n of info.nodes) {
        const r = await execa('docker', ['exec', n.name, 'curl', '-s', '-m', '5', 'http://localhost:10249/proxyMode']);
        assert.equal(r.stdout.trim(), mode, `${n.name} proxyMode`);
      }
    });

    test('a pod reaches a ClusterIP Service by DNS name', { timeout: 180_000 }, async (t) => {
      assert.ok(info, 'cluster was created');
      await k(['create', 'namespace', 'smoke']);
      await k(['-n', 'smoke', 'create', 'deployment', 'web', `--image=${imageOf('nginx')}`, '--replicas=2']);
      await k(['-n', 'smoke', 'expose', 'deployment', 'web', '--port=80']);
      await k(['-n', 'smoke', 'run', 'client', `--image=${imageOf('curl')}`, '--restart=Never', '--command', '--', 'sleep', '3600']);
      await k(['-n', 'smoke', 'rollout', 'status', 'deployment/web', '--timeout=120s']);
      await k(['-n', 'smoke', 'wait', '--for=condition=Ready', 'pod/client', '--timeout=120s']);
      // kube-proxy programs the new endpoints within about a second of them becoming ready;
      // until then nftables mode rejects connections to the Service (curl exit 7)
      let last = '';
      for (let i = 0; i < 30; i++) {
        const r = await execa('kubectl', ['--kubeconfig', info.kubeconfig, '-n', 'smoke', 'exec', 'client', '--', 'curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', 'http://web.smoke.svc.cluster.local/'], { reject: false, env: { PATH: `${path.dirname(kubectlBinary())}:${process.env.PATH ?? ''}` } });
        last = `${r.stdout.trim()} (exit ${r.exitCode})`;
        if (r.exitCode === 0 && r.stdout.trim() === '200') {
          if (i > 0) t.diagnostic(`answered after ${i} retries`);
          return;
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
      assert.fail(`no 200 from http://web.smoke.svc.cluster.local/ within 30s; last: ${last}`);
    });

    test('a LoadBalancer Service gets an address from the MetalLB pool, reachable from the host', { timeout: 120_000 }, async () => {
      assert.ok(info?.metallb, 'MetalLB installed');
      await k(['-n', 'smoke', 'expose', 'deployment', 'web', '--name=web-lb', '--type=LoadBalancer', '--port=80']);
      let ip = '';
      for (let i = 0; i < 60 && !ip; i++) {
        ip = (await k(['-n', 'smoke', 'get', 'svc', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();
        if (!ip) await new Promise((r) => setTimeout(r, 1000));
      }
      assert.ok(ip, 'an ingress IP was assigned');
      const [a, b] = [info.metallb.first, info.metallb.last].map((x) => x.split('.').map(Number).reduce((s, o) => s * 256 + o, 0));
      const v = ip.split('.').map(Number).reduce((s, o) => s * 256 + o, 0);
      assert.ok(v >= a! && v <= b!, `${ip} within ${info.metallb.range}`);
      let code = '';
      for (let i = 0; i < 20 && code !== '200'; i++) {
        code = (await execa('curl', ['-s', '-m', '3', '-o', '/dev/null', '-w', '%{http_code}', `http://${ip}/`], { reject: false })).stdout.trim();
        if (code !== '200') await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(code, '200');
    });

    test('a second create of the same name is refused, leaving the cluster alone', async () => {
      assert.ok(info, 'cluster was created');
      await assert.rejects(createCluster({ name, proxyMode: mode }), (e: unknown) => {
        assert.ok(e instanceof ClusterExists);
        assert.match((e as Error).message, new RegExp(`cluster "${name}" already exists`));
        return true;
      });
      const nodes = await k(['get', 'nodes', '-o', 'name']);
      assert.equal(nodes.trim().split('\n').length, 3);
    });
  });
}
