/**
 * Playwright global setup: makes sure every selected project's kind cluster exists before any
 * worker starts, so several workers of one project share one cluster (cases run concurrently
 * inside it, each in its own namespace). Returns the teardown: clusters created here are
 * deleted at the end (also after Ctrl-C), unless KPC_KEEP or KPC_KEEP_CLUSTERS keeps them; with
 * the pod path of node access, any node access namespace of this run still there is deleted
 * first (workers remove their own; this catches those an interrupted worker left).
 *
 * Every namespace of the run (label kpc.run=<run id>) is deleted on every cluster the run keeps:
 * the cases' (each case asked for its own as it ended; this catches those of a worker that
 * died) and the client pods' (shared by every worker, run-id.ts). The run does not wait for
 * them to be gone: the namespace controller takes 5-20 s per namespace here, 17 s at the end of
 * a run when it waited. A cluster deleted at the end takes them with it.
 *
 * It also joins the testcontainers reaper from the runner process, which lives for the whole
 * run: while it holds a connection the reaper never shuts down under a worker that is about to
 * start a capture or the outside client (harness/probes/reaper.ts).
 */
import { deleteCluster, UnsupportedHere } from '../../clusters/cluster.ts';
import { Kube } from '../probes/kube.ts';
import { kubePodApi, sweepNodeAccess } from '../probes/node-access-pod.ts';
import { ensureReaper } from '../probes/reaper.ts';
import { RUN_ID, RUN_LABEL } from '../run-id.ts';
import { selectedProjects } from './projects.ts';
import { ensureKindCluster, kindClusterName, nodeAccessKind } from './provision.ts';

/** Asks each cluster to delete every namespace of this run not already being deleted. */
async function removeRunNamespaces(kubeconfigs: string[]): Promise<void> {
  if (process.env.KPC_KEEP === '1') return;
  const selector = `${RUN_LABEL}=${RUN_ID}`;
  await Promise.all(
    kubeconfigs.map((file) =>
      new Kube(file).requestNamespacesDeletion(selector).catch((e: unknown) => {
        console.error(`[teardown] deleting this run's namespaces failed: ${e instanceof Error ? e.message : String(e)}; remove them with kubectl --kubeconfig ${file} delete namespace -l ${selector}`);
      }),
    ),
  );
}

async function sweep(kubeconfigs: string[]): Promise<void> {
  if (process.env.KPC_KEEP === '1') return;
  for (const file of kubeconfigs) {
    const left = await sweepNodeAccess(kubePodApi(new Kube(file))).catch((e: unknown) => {
      console.error(`[teardown] looking for node access namespaces failed: ${String(e)}`);
      return [];
    });
    if (left.length) console.log(`[teardown] deleted node access namespace(s) ${left.join(', ')}`);
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const created: string[] = [];
  const createdConfigs: string[] = [];
  const podPath: string[] = [];
  /** Kubeconfigs of the clusters the run uses: their client namespace is removed at the end. */
  const used = new Set<string>();
  const keep = process.env.KPC_KEEP === '1' || process.env.KPC_KEEP_CLUSTERS === '1';
  const teardown = async () => {
    await Promise.all([sweep(podPath), removeRunNamespaces([...used].filter((k) => keep || !createdConfigs.includes(k)))]);
    if (keep) return;
    for (const name of created) {
      console.log(`[teardown] deleting kind cluster ${name}`);
      await deleteCluster(name).catch((e: unknown) => console.error(`[teardown] deleting ${name} failed: ${String(e)}`));
    }
  };
  // Not fatal here: without Docker the workers say what is missing, case by case.
  await ensureReaper().catch((e: unknown) => console.error(`[setup] the testcontainers reaper was not joined from the runner: ${e instanceof Error ? e.message : String(e)}`));
  const existing = process.env.KUBECONFIG_UNDER_TEST;
  if (existing) {
    if ((await nodeAccessKind('existing', existing).catch(() => 'docker')) === 'pod') podPath.push(existing);
    used.add(existing);
    return teardown;
  }
  const access = await nodeAccessKind('kind', undefined);
  try {
    for (const project of selectedProjects()) {
      if (project.implementation === 'detect') continue;
      try {
        const r = await ensureKindCluster(project, project.implementation, access);
        if (r.created) {
          created.push(kindClusterName(project));
          createdConfigs.push(r.info.kubeconfig);
        }
        used.add(r.info.kubeconfig);
        if (access === 'pod') podPath.push(r.info.kubeconfig);
      } catch (e) {
        // The project's workers report it as unavailable (every case skipped with this reason).
        if (!(e instanceof UnsupportedHere)) throw e;
      }
    }
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
