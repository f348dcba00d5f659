/**
 * Playwright global setup: makes sure every selected project's kind cluster exists before any
 * worker starts, so several workers of one project share one cluster (cases run concurrently
 * inside it, each in its own namespace). Returns the teardown: clusters created here are
 * deleted at the end (also after Ctrl-C), unless KPC_KEEP or KPC_KEEP_CLUSTERS keeps them.
 */
import { deleteCluster, UnsupportedHere } from '../../clusters/cluster.ts';
import { selectedProjects } from './projects.ts';
import { ensureKindCluster, kindClusterName } from './provision.ts';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const created: string[] = [];
  const keep = process.env.KPC_KEEP === '1' || process.env.KPC_KEEP_CLUSTERS === '1';
  const teardown = async () => {
    if (keep) return;
    for (const name of created) {
      console.log(`[teardown] deleting kind cluster ${name}`);
      await deleteCluster(name).catch((e: unknown) => console.error(`[teardown] deleting ${name} failed: ${String(e)}`));
    }
  };
  if (process.env.KUBECONFIG_UNDER_TEST) return teardown;
  try {
    for (const project of selectedProjects()) {
      if (project.implementation === 'detect') continue;
      try {
        const r = await ensureKindCluster(project, project.implementation);
        if (r.created) created.push(kindClusterName(project));
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
