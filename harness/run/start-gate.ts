/**
 * A gate file: a run waits at it while the process that started the run still changes the
 * cluster (the fault runner swapping kube-proxy's image between phases, phases.ts). The starter
 * writes it when the change is done: `go`, or `abort: <why>`.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** What a gate file says: undefined while it is still empty or absent. */
export function gateState(text: string | undefined): { open: true } | { open: false; why: string } | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  if (t === 'go') return { open: true };
  return { open: false, why: t.replace(/^abort:\s*/, '') };
}

/** Waits until `file` says go or abort; throws after `timeoutMs` without either. */
export async function awaitGate(file: string, timeoutMs: number, pollMs = 200): Promise<{ open: true } | { open: false; why: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = gateState(await readFile(file, 'utf8').catch(() => undefined));
    if (state) return state;
    if (Date.now() > until) throw new Error(`the gate ${file} was not opened within ${Math.round(timeoutMs / 1000)} s (the process that started this run did not finish changing the cluster)`);
    await delay(pollMs);
  }
}
