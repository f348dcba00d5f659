/**
 * Phases: one Playwright run that runs the catalogue several times in a row on one cluster,
 * once per state the cluster is put in between (the fault runner: the baseline with the real
 * kube-proxy, then once per fault image). One run instead of one per phase keeps the workers,
 * their cluster description, client pods and outside client for the whole fault run; a new
 * Playwright run cost 30-40 s per fault here (start, listing, workers, provisioning).
 *
 * The starter describes the phases in PHASES_ENV (JSON). The catalogue declares every selected
 * case once per phase, phase after phase, so workers take them in that order
 * (suites/catalogue.ts). A case of a phase first waits at the phase's gate (start-gate.ts
 * format: `go` or `abort: <why>`), before it touches the cluster; the starter opens the gate
 * once the previous phase has ended (its results.json is written, reporter.ts) and the cluster
 * is in the phase's state. Each phase writes its own report into its `dir`, as a run of its own
 * would.
 */
import type { TestInfo } from '@playwright/test';
import { awaitGate } from './start-gate.ts';

export const PHASES_ENV = 'KPC_PHASES';
/** The annotation that names a test's phase (read by the reporter). */
export const PHASE_ANNOTATION = 'kpc-phase';

export interface PhaseSpec {
  /** Unique in the run, e.g. `baseline-iptables`; the describe title of the phase's tests. */
  name: string;
  /** The phase's report: results.json, the views and the evidence. */
  dir: string;
  /** The file the phase's cases wait at before they start. */
  gate: string;
  /** Only these case ids (default: every case the run selects). */
  cases?: string[];
  /** A proxy verdict failing a case is the expected outcome (a fault): its worker is kept (finishCase). */
  verdictsExpected?: boolean;
  /** What the phase's results say ran it. */
  command?: string;
}

/** The phases named in PHASES_ENV, undefined for an ordinary run; a malformed value throws. */
export function phasesFromEnv(env: NodeJS.ProcessEnv = process.env): PhaseSpec[] | undefined {
  const raw = env[PHASES_ENV];
  if (!raw) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${PHASES_ENV} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || !v.length) throw new Error(`${PHASES_ENV} must be a non-empty JSON array of phases`);
  const names = new Set<string>();
  return v.map((p: Partial<PhaseSpec>, i) => {
    for (const k of ['name', 'dir', 'gate'] as const) {
      if (typeof p?.[k] !== 'string' || !p[k]) throw new Error(`${PHASES_ENV}: phase ${i + 1} has no ${k}`);
    }
    if (names.has(p.name as string)) throw new Error(`${PHASES_ENV}: phase name ${p.name} appears twice`);
    names.add(p.name as string);
    if (p.cases !== undefined && (!Array.isArray(p.cases) || p.cases.some((c) => typeof c !== 'string'))) throw new Error(`${PHASES_ENV}: phase ${p.name}: cases must be a list of case ids`);
    return p as PhaseSpec;
  });
}

/** How long a case waits for its phase at most: the previous phase's slowest case and a swap. */
export const PHASE_WAIT_MS = 20 * 60_000;

/**
 * Waits at the phase's gate. Resolves with the time waited (the caller extends its test's
 * timeout by it) or `{ abort }` when the starter called the phase off.
 */
export async function enterPhase(phase: PhaseSpec, timeoutMs = PHASE_WAIT_MS, pollMs = 200): Promise<{ waitedMs: number; abort?: string }> {
  const t0 = Date.now();
  const r = await awaitGate(phase.gate, timeoutMs, pollMs);
  return { waitedMs: Date.now() - t0, ...(r.open ? {} : { abort: r.why }) };
}

/**
 * Calls `declare` once for an ordinary run, or once per phase inside a describe block named
 * after the phase, phase after phase: Playwright hands tests to workers in declaration order.
 */
export function declarePerPhase(describe: (title: string, body: () => void) => void, declare: (phase: PhaseSpec | undefined) => void, phases = phasesFromEnv()): void {
  if (!phases) {
    declare(undefined);
    return;
  }
  for (const p of phases) describe(p.name, () => declare(p));
}

/**
 * First thing in a test of a phase: waits at the phase's gate without the wait counting against
 * the test's timeout. Returns why the phase was called off, if it was.
 */
export async function startPhaseCase(phase: PhaseSpec | undefined, testInfo: Pick<TestInfo, 'timeout' | 'setTimeout'>): Promise<string | undefined> {
  if (!phase) return undefined;
  const timeout = testInfo.timeout;
  testInfo.setTimeout(0);
  const r = await enterPhase(phase);
  testInfo.setTimeout(timeout ? timeout + r.waitedMs : 0);
  return r.abort;
}
