/**
 * A start gate for a Playwright run whose cluster is still being changed by the process that
 * started it (the fault runner swaps kube-proxy's image while the run loads the harness). The
 * starter names a file in START_GATE_ENV and writes it when the change is done: `go`, or
 * `abort: <why>`, which fails the global setup before any worker starts.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export const START_GATE_ENV = 'KPC_START_GATE';

/** What a gate file says: undefined while it is still empty or absent. */
export function gateState(text: string | undefined): { open: true } | { open: false; why: string } | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  if (t === 'go') return { open: true };
  return { open: false, why: t.replace(/^abort:\s*/, '') };
}

/** Waits until the gate named in START_GATE_ENV opens (no gate: returns at once); throws on abort or after `timeoutMs`. */
export async function passGate(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10 * 60_000, pollMs = 200): Promise<void> {
  const file = env[START_GATE_ENV];
  if (!file) return;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = gateState(await readFile(file, 'utf8').catch(() => undefined));
    if (state?.open) return;
    if (state) throw new Error(`the run was called off before it started: ${state.why}`);
    if (Date.now() > until) throw new Error(`${START_GATE_ENV}: ${file} was not opened within ${Math.round(timeoutMs / 1000)} s (the process that started this run did not finish changing the cluster)`);
    await delay(pollMs);
  }
}
