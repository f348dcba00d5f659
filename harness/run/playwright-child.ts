/**
 * Runs the Playwright test runner as a child that Ctrl-C and SIGTERM stop cleanly.
 *
 * The runner gets its own process group, so it receives exactly the signal we forward and never
 * a second copy from the terminal (Playwright treats a second SIGINT as "exit now, skip
 * teardown", which would leave clusters, namespaces and containers behind). The first SIGINT or
 * SIGTERM to us becomes one SIGINT to the runner: it stops the tests and runs fixture and global
 * teardown, and its reporter still writes results.json. Copies that arrive within a second of the
 * first (a terminal Ctrl-C reaches npm, tsx and us, and each relays it) count as the same
 * request. A later signal forces the runner to exit; we say what may be left.
 *
 * Before this, a SIGINT sent to `npm run conformance` by a CI job or `kill` (not the terminal)
 * never reached Playwright: the run went on for an hour and wrote no results.
 *
 * npm (11) does not forward SIGTERM: it exits at once and leaves its script running, orphaned
 * (measured: test/e2e/interrupt.ts, docs/exit-codes.md). So we also watch the processes that
 * launched us (tsx, sh, npm, the shell or CI step above them): when one of them disappears,
 * nobody is waiting for this run any more, and it stops as if it had been sent SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';

const require = createRequire(import.meta.url);
/** The runner's entry point, started with our own node (no npx process in between). */
export const PLAYWRIGHT_CLI = require.resolve('@playwright/test/cli');

/** Signals this close to the first are copies of it, not a second request. */
export const SIGNAL_COPY_WINDOW_MS = 1000;

export interface PlaywrightChildOptions {
  env?: NodeJS.ProcessEnv;
  /** 'inherit' shows the runner's output; a stream receives stdout and stderr combined. */
  output: 'inherit' | Writable;
  /** How this tool names itself in messages (`conformance`, `tutorial`, `faults`). */
  tool: string;
  /** What a forced stop may leave behind and how to remove it, printed on the second signal. */
  leftovers?: string;
  log?: (line: string) => void;
  /** Called once when the run is asked to stop (a signal, or our launcher exited). */
  onStop?: (sig: NodeJS.Signals) => void;
}

export interface PlaywrightChildResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** The signal we received and forwarded, if any. */
  interruptedBy: NodeJS.Signals | undefined;
  durationMs: number;
}

/** Pure: what to do with a signal, given when the first one arrived. */
export function signalAction(firstAt: number | undefined, now: number, forced: boolean): 'stop' | 'copy' | 'force' | 'ignore' {
  if (firstAt === undefined) return 'stop';
  if (now - firstAt < SIGNAL_COPY_WINDOW_MS) return 'copy';
  return forced ? 'ignore' : 'force';
}

/** Pure: the parent pid from the text of /proc/<pid>/stat (the command may hold spaces and parentheses). */
export function parentPidFromStat(stat: string): number | undefined {
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(after[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** Pure: the command name (comm) from the text of /proc/<pid>/stat. */
export function commFromStat(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

/**
 * The processes that launched us for this run, nearest first: up to and including the nearest
 * npm (tsx, sh, npm for `npm run conformance`), or only our parent when no npm is within `max`
 * levels. Never what launched npm: a shell that exits after `nohup npm run conformance &` must
 * not stop the run. Linux /proc; empty elsewhere. PID 1 is never one.
 */
export function launcherPids(max = 6, pid = process.pid, read: (p: number) => string = (p) => readFileSync(`/proc/${p}/stat`, 'utf8')): number[] {
  const chain: number[] = [];
  let cur = pid;
  while (chain.length < max) {
    let ppid: number | undefined;
    let comm = '';
    try {
      ppid = parentPidFromStat(read(cur));
      if (ppid && ppid !== 1) comm = commFromStat(read(ppid));
    } catch {
      break;
    }
    if (!ppid || ppid === 1) break;
    chain.push(ppid);
    if (/^npm\b/.test(comm)) return chain;
    cur = ppid;
  }
  return chain.slice(0, 1);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class PlaywrightChild {
  private child?: ResultPromise;
  private firstAt?: number;
  private forced = false;
  private by?: NodeJS.Signals;
  private readonly log: (line: string) => void;

  constructor(private readonly o: PlaywrightChildOptions) {
    this.log = o.log ?? ((l) => console.error(l));
  }

  /** Also callable directly (the fault runner stops its current run this way). */
  interrupt(sig: NodeJS.Signals): void {
    const action = signalAction(this.firstAt, Date.now(), this.forced);
    if (action === 'copy' || action === 'ignore') return;
    if (action === 'stop') {
      this.firstAt = Date.now();
      this.by = sig;
      this.log(`\n${this.o.tool}: ${sig}: stopping the tests; teardown removes what the run created (signal again to force)…`);
      this.send('SIGINT');
      this.o.onStop?.(sig);
      return;
    }
    this.forced = true;
    this.log(`\n${this.o.tool}: ${sig} again: forcing Playwright to exit without teardown.${this.o.leftovers ? ` ${this.o.leftovers}` : ''}`);
    // Playwright exits at once on its second SIGINT.
    this.send('SIGINT');
  }

  private send(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is gone: the runner already exited.
    }
  }

  /** Runs `playwright <args>` and resolves when the runner has exited (teardown included). */
  async run(args: readonly string[]): Promise<PlaywrightChildResult> {
    const t0 = Date.now();
    const onSignal = (sig: NodeJS.Signals) => this.interrupt(sig);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const launchers = launcherPids();
    const watch = setInterval(() => {
      const gone = launchers.find((p) => !alive(p));
      if (gone === undefined || this.firstAt !== undefined) return;
      this.log(`\n${this.o.tool}: the process that launched this run (pid ${gone}) exited; stopping as on SIGTERM (npm does not forward SIGTERM)`);
      this.interrupt('SIGTERM');
    }, 1000);
    watch.unref();
    try {
      const inherit = this.o.output === 'inherit';
      this.child = execa(process.execPath, [PLAYWRIGHT_CLI, ...args], {
        reject: false,
        detached: true,
        env: { ...process.env, ...this.o.env },
        ...(inherit ? { stdio: 'inherit' as const } : { all: true }),
      });
      if (!inherit) this.child.all?.pipe(this.o.output as Writable);
      const r = await this.child;
      return { exitCode: r.exitCode, signal: r.signal, interruptedBy: this.by, durationMs: Date.now() - t0 };
    } finally {
      clearInterval(watch);
      this.child = undefined;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
