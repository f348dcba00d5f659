/**
 * Fixtures in layers: per worker (= per project) a cluster, the client pods and the outside
 * client, all started lazily (a case of a phased run first waits at its phase's gate, and
 * nothing may look at the cluster before); per test a namespace and a CaseContext. Everything created is
 * labelled with the run id and removed at teardown (unless KPC_KEEP=1 keeps evidence).
 */
import type { TestInfo, TestType, Fixtures, PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions } from '@playwright/test';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { containerAddresses } from '../../clusters/docker.ts';
import type { IpFamily } from '../../clusters/ip-family.ts';
import type { ClusterUnderTest, NodeFact } from './cluster-under-test.ts';
import type { Kube, KObject } from '../probes/kube.ts';
import type { Behaviour, Implementation } from '../implementations/types.ts';
import { expectationFor, type Expectation, type ExpectationTable } from '../judge/expectations.ts';
import type { RulesetEvidence } from '../probes/dataplane.ts';
import { PROJECTS, type ProjectSpec } from './projects.ts';
import { provisionCluster, type Provisioned } from './provision.ts';
import type { NodeCapture } from '../probes/capture.ts';
import type { NodeShell } from '../probes/node-access.ts';
import { removeAbandonedCaptures } from '../probes/node-access-docker.ts';
import type { Recorder } from './recorder.ts';
import { clientNamespace, RUN_ID, RUN_LABEL, runLabels } from '../run-id.ts';
import { ContainerRunner, PodRunner } from '../probes/runners.ts';
import { TIMEOUTS } from '../timeouts.ts';
import { ensureReaper } from '../probes/reaper.ts';
import { podsReady } from '../probes/waits.ts';
import { clientPod, type Images } from '../apps/workloads.ts';

/** Environment features a case may need; missing ones skip the case with the reason. */
export type EnvFeature = 'node-access' | 'outside-client' | 'loadbalancer' | 'capture' | 'multi-node' | 'balancing-shape';
/** Declared behaviours a case may need; an implementation without it reports "not supported". */
export type BehaviourFeature = { [K in keyof Behaviour]: Behaviour[K] extends boolean ? K : never }[keyof Behaviour];
export type Feature = EnvFeature | BehaviourFeature;


export interface CaseContext {
  project: ProjectSpec;
  /** The case id, e.g. `source-ip/nodeport-cluster-snat`. */
  caseId: string;
  /** The implementation under test: ask it for facts, never for its name. */
  impl: Implementation;
  behaviour: Behaviour;
  /** A row of the case's expectation table for this implementation (facts and overrides applied). */
  expectation<K extends string>(table: ExpectationTable<K>, key: K): Expectation;
  /** The node's dataplane, dumped the implementation's way (rules, virtual servers, maps). */
  dumpDataplane(node: string): Promise<RulesetEvidence>;
  cluster: ClusterUnderTest;
  kube: Kube;
  /** This test's own namespace. */
  ns: string;
  rec: Recorder;
  images: Images;
  testInfo: TestInfo;
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
  apply(objs: KObject[]): Promise<void>;
  /**
   * The IP families of the cluster (every node has an InternalIP of each), IPv4 first: one on a
   * single-stack cluster; both on a dual-stack one, where the source-IP cases probe each.
   */
  ipFamilies: readonly IpFamily[];
  /** Nodes that run ordinary workloads (kind: the workers), sorted by name. */
  workers: NodeFact[];
  /** A client pod on every node, by node name (shared by the project's tests). */
  clients(): Promise<Map<string, PodRunner>>;
  /** The outside client: a container on the nodes' Docker network, outside the cluster. */
  outside(): Promise<ContainerRunner>;
  /** Commands on a node, through the cluster's node access (docker exec or its pod). */
  node(name: string): NodeShell;
  /** tcpdump on `node` into this case's evidence folder (through the node access). */
  capture(node: string, filter: string, name: string): Promise<NodeCapture>;
}

interface WorkerState {
  /** The project's cluster, provisioned by the first case that asks. */
  provisioned(): Promise<Provisioned>;
  clients?: Promise<Map<string, PodRunner>>;
  outside?: Promise<{ runner: ContainerRunner; container: StartedTestContainer }>;
  /**
   * Deletion requests of the worker's case namespaces: a case asks for the deletion and ends
   * (the namespace controller finishes it; the global teardown asks again for any of the run's
   * namespaces still live, global-setup.ts). Waiting per case cost 5-13 s of every case here.
   */
  deleting: Promise<void>[];
}

export interface KpcFixture {
  project: ProjectSpec;
  missing(needs: readonly Feature[]): Promise<{ reason: string; notSupported: boolean } | undefined>;
  contextFor(rec: Recorder, testInfo: TestInfo): Promise<CaseContext>;
}

type WorkerFx = { kpcProject: ProjectSpec; kpcWorker: WorkerState };
type TestFx = { kpc: KpcFixture };

const keep = process.env.KPC_KEEP === '1';

export const caseFixtures: Fixtures<TestFx, WorkerFx, PlaywrightTestArgs & PlaywrightTestOptions, PlaywrightWorkerArgs & PlaywrightWorkerOptions> = {
  kpcProject: [PROJECTS[0] as ProjectSpec, { option: true, scope: 'worker' }],

  kpcWorker: [
    async ({ kpcProject }, use) => {
      let prov: Promise<Provisioned> | undefined;
      const state: WorkerState = { provisioned: () => (prov ??= provisionCluster(kpcProject)), deleting: [] };
      try {
        await use(state);
      } finally {
        await Promise.all(state.deleting);
        const p = await prov?.catch(() => undefined);
        await removeAbandonedCaptures();
        if (state.outside) await (await state.outside.catch(() => undefined))?.container.stop().catch(() => undefined);
        // The client namespace is the run's, shared by its workers: the global teardown deletes it.
        await p?.release();
      }
    },
    { scope: 'worker', timeout: TIMEOUTS.clusterCreate + 120_000 },
  ],

  kpc: async ({ kpcWorker, kpcProject }, use) => {
    let ns: string | undefined;
    let cluster: ClusterUnderTest | undefined;
    const fx: KpcFixture = {
      project: kpcProject,
      async missing(needs) {
        const prov = await kpcWorker.provisioned();
        if (!prov.cluster) return { reason: prov.unavailable ?? 'no cluster', notSupported: false };
        return missingFeature(prov.cluster, needs);
      },
      async contextFor(rec, ti) {
        const prov = await kpcWorker.provisioned();
        if (!prov.cluster) throw new Error('no cluster');
        cluster = prov.cluster;
        ns = namespaceFor(ti);
        await cluster.kube.createNamespace(ns, runLabels('case'));
        return buildContext(cluster, kpcWorker, prov.images, ns, rec, ti);
      },
    };
    await use(fx);
    const abandoned = await removeAbandonedCaptures();
    if (abandoned) console.error(`[${kpcProject.name}] removed ${abandoned} capture container(s) the case did not stop (interrupted or timed out)`);
    if (ns && cluster && !keep) {
      const name = ns;
      // Asked for now (WorkerState.deleting); the namespace controller does the rest.
      kpcWorker.deleting.push(
        cluster.kube.requestNamespaceDeletion(name).then(
          () => undefined,
          (e: unknown) => console.error(`[${kpcProject.name}] deleting namespace ${name} failed: ${e instanceof Error ? e.message : String(e)}; the global teardown tries again`),
        ),
      );
    }
  },
};

export type CaseTest = TestType<TestFx & PlaywrightTestArgs & PlaywrightTestOptions, WorkerFx & PlaywrightWorkerArgs & PlaywrightWorkerOptions>;

function namespaceFor(ti: TestInfo): string {
  const slug = ti.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40).replace(/-+$/, '');
  return `kpc-${slug}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function missingFeature(cluster: ClusterUnderTest, needs: readonly Feature[]): Promise<{ reason: string; notSupported: boolean } | undefined> {
  const behaviour = cluster.impl.behaviour;
  const reachable = cluster.nodes.filter((n) => n.runner).length;
  for (const need of needs) {
    switch (need) {
      case 'node-access':
      case 'capture':
        if (reachable < cluster.nodes.length)
          return {
            reason:
              cluster.nodeAccess.kind === 'docker'
                ? `needs ${need}: the nodes of ${cluster.name} are not Docker containers on this host (docker exec impossible); --node-access pod reaches them through the API`
                : `needs ${need}: ${cluster.nodes.length - reachable} node(s) of ${cluster.name} cannot be reached through node access pods`,
            notSupported: false,
          };
        break;
      case 'outside-client':
        if (!cluster.network && !cluster.hostReach?.ok)
          return {
            reason: cluster.hostReach
              ? `needs an outside client: the nodes are not on a Docker network here and this host does not reach every node address (${cluster.hostReach.unreachable.join('; ')}); run from a host in the nodes' network or open the ports (docs/validating-your-proxy.md)`
              : 'needs an outside client: the nodes are not on a Docker network this host can join',
            notSupported: false,
          };
        break;
      case 'loadbalancer':
        if (cluster.lbProvider === 'none') return { reason: 'needs a LoadBalancer provider: none is installed in this cluster', notSupported: false };
        if (cluster.lbProvider === 'cloud-provider-kind') return { reason: 'cloud-provider-kind runs one envoyproxy/envoy container per Service, and no Envoy image can be built or pulled on this air-gapped host', notSupported: false };
        break;
      case 'balancing-shape':
        if (!cluster.impl.dataplane.balancing) return { reason: `${cluster.impl.title} declares no load-balancing shape to compare its rules with`, notSupported: true };
        break;
      case 'multi-node':
        if (cluster.nodes.filter((n) => !n.controlPlane).length < 2) return { reason: 'needs at least two worker nodes', notSupported: false };
        break;
      default:
        if (!behaviour[need]) return { reason: `${cluster.impl.title} does not provide ${need} by design (${cluster.impl.behaviourSources[need]})`, notSupported: true };
    }
  }
  return undefined;
}

function buildContext(cluster: ClusterUnderTest, w: WorkerState, images: Images, ns: string, rec: Recorder, testInfo: TestInfo): CaseContext {
  const workers = cluster.nodes.filter((n) => !n.controlPlane);
  return {
    project: cluster.project,
    caseId: rec.meta.id,
    impl: cluster.impl,
    behaviour: cluster.impl.behaviour,
    expectation: (table, key) => expectationFor(table, cluster.impl, rec.meta.id, key),
    dumpDataplane(node) {
      const n = cluster.nodes.find((x) => x.name === node);
      if (!n?.runner) throw new Error(`no node access (${cluster.nodeAccess.kind}) to node ${node}`);
      return cluster.impl.dataplane.dump(n.runner);
    },
    cluster,
    kube: cluster.kube,
    ns,
    rec,
    images,
    testInfo,
    workers: workers.length ? workers : cluster.nodes,
    ipFamilies: cluster.ipFamilies,
    step: (title, fn) => rec.step(title, fn),
    apply: (objs) => cluster.kube.apply(objs),
    clients: () => (w.clients ??= startClients(cluster, images)),
    outside: async () => (await (w.outside ??= startOutside(cluster, images))).runner,
    node(name) {
      const n = cluster.nodes.find((x) => x.name === name);
      if (!n?.runner) throw new Error(`no node access (${cluster.nodeAccess.kind}) to node ${name}`);
      return n.runner;
    },
    capture: (node, filter, name) => cluster.nodeAccess.capture({ node, filter, name, dir: rec.dir }),
  };
}

async function startClients(cluster: ClusterUnderTest, images: Images): Promise<Map<string, PodRunner>> {
  const ns = clientNamespace();
  await cluster.kube.createNamespace(ns, runLabels('clients')).catch((e: unknown) => {
    if ((e as { code?: number }).code !== 409) throw e;
  });
  await cluster.kube.apply(cluster.nodes.map((n) => clientPod(ns, n.name, images.curl)));
  const pods = await podsReady(cluster.kube, ns, 'app=kpc-client', cluster.nodes.length);
  return new Map(pods.map((p) => [p.node, new PodRunner(cluster.kube, ns, p.name, 'client', p.ip, p.node, p.ips)]));
}

async function startOutside(cluster: ClusterUnderTest, images: Images): Promise<{ runner: ContainerRunner; container: StartedTestContainer }> {
  await ensureReaper();
  if (!cluster.network) {
    // Any other cluster: the outside client is a container on this host's network; its traffic
    // leaves with the host's own address toward the nodes.
    const reach = cluster.hostReach;
    if (!reach?.ok) throw new Error('no Docker network to put the outside client on, and this host does not reach the nodes');
    const container = await new GenericContainer(images.tools)
      .withNetworkMode('host')
      .withLabels({ ...runLabels('outside-client'), [RUN_LABEL]: RUN_ID })
      .withEntrypoint(['sleep', 'infinity'])
      .start();
    return { runner: new ContainerRunner(`outside client on the host network (${reach.sourceIp})`, reach.sourceIp, container), container };
  }
  const container = await new GenericContainer(images.tools)
    .withNetworkMode(cluster.network.name)
    .withAddedCapabilities('NET_ADMIN', 'NET_RAW')
    .withLabels({ ...runLabels('outside-client'), [RUN_LABEL]: RUN_ID })
    .withEntrypoint(['sleep', 'infinity'])
    .start();
  const ip = container.getIpAddress(cluster.network.name);
  // On a dual-stack cluster the client also needs its IPv6 address (the kind network has an IPv6 subnet).
  const ipv6 = cluster.ipFamilies.includes('IPv6') ? (await containerAddresses(container.getId(), cluster.network.name)).ipv6 : '';
  return { runner: new ContainerRunner(`outside client ${container.getName().replace(/^\//, '')} (${ip})`, ip, container, ipv6 ? [ip, ipv6] : [ip]), container };
}
