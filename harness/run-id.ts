/** Labels every container and namespace this run creates, so cleanup can find them. */
import { randomBytes } from 'node:crypto';

export const RUN_LABEL = 'kpc.run';
export const RUN_ID: string = process.env.KPC_RUN_ID ?? (process.env.KPC_RUN_ID = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);

export function runLabels(role: string): Record<string, string> {
  return { [RUN_LABEL]: RUN_ID, 'kpc.role': role };
}

/**
 * One per run: every worker of the run uses the same client pods (one per node), created by
 * whichever worker needs them first (server-side apply makes the others' apply a no-op). The
 * global teardown deletes the namespace (global-setup.ts), never a worker: after a failed case
 * Playwright replaces the worker process, and the new one finds the pods ready. A client pod
 * per node per worker cost 3 more pods per worker to create and delete in every run.
 */
export function clientNamespace(runId: string = RUN_ID): string {
  return `kpc-clients-${runId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
}
