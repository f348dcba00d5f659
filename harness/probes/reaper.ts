/**
 * The testcontainers reaper, joined with a bounded retry.
 *
 * testcontainers-node joins a reaper container that is already running (any process's) before
 * it creates one. A reaper whose last client left closes its port and prunes, and for that moment
 * it is still "running": a process that finds it then fails with "Failed to connect to Reaper"
 * after 4 s of refused connections. Seen once in CI (stop 17): the dual-stack control's first
 * capture failed so, an infrastructure error that left the control uncaught. Once the dying
 * reaper has exited, the next try creates a new one, so the retry below waits for that.
 *
 * Two more measures keep the window closed during a run: Playwright's runner process joins the
 * reaper in global setup and holds it until it exits (workers never see it dying between cases),
 * and every container start of the harness joins through here first.
 */
import { getContainerRuntimeClient, getReaper } from 'testcontainers';
import { TIMEOUTS } from '../timeouts.ts';

/** What testcontainers says when no connection to the reaper's port was made. */
export const REAPER_UNREACHABLE = /Failed to connect to Reaper/;

export interface RetryReaperOptions {
  /** Tries in all (the first included). */
  tries: number;
  /** Pause before try n+1 (ms), n from 1. */
  pause: (n: number) => number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

/**
 * Calls `join` until it succeeds; only the reaper being unreachable is retried (any other error
 * is thrown at once), and after `tries` the last error is thrown with what was tried.
 */
export async function retryReaper<T>(join: () => Promise<T>, o: RetryReaperOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await join();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!REAPER_UNREACHABLE.test(msg)) throw e;
      if (n >= o.tries) throw new Error(`${msg} (${n} tries; a reaper container that stays unreachable: see docker ps --filter label=org.testcontainers.ryuk=true)`, { cause: e });
      const wait = o.pause(n);
      o.log(`[reaper] ${msg} (try ${n}/${o.tries}): most likely a reaper shutting down as this process came; trying again in ${wait / 1000} s`);
      await o.sleep(wait);
    }
  }
}

let joined: Promise<unknown> | undefined;

/** Joins (or creates) the reaper once per process; a failed join is retried by the next call. */
export function ensureReaper(log: (line: string) => void = (l) => console.error(l)): Promise<unknown> {
  joined ??= retryReaper(async () => getReaper(await getContainerRuntimeClient()), {
    tries: TIMEOUTS.reaperJoinTries,
    pause: (n) => TIMEOUTS.reaperJoinPauseStep * n,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log,
  }).catch((e: unknown) => {
    joined = undefined;
    throw e;
  });
  return joined;
}
