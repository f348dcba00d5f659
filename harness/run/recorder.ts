/**
 * Collects what a case expected, what it observed and the evidence, writes evidence files
 * under out/report/evidence/<project>/<case>/, attaches them to the Playwright result, and
 * emits the case's `kpc-case` attachment that the results reporter turns into a CaseResult.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestInfo } from '@playwright/test';
import type { Check, Evidence, EvidenceKind, PacketRow, Step } from '../../reports/model.ts';
import type { CaptureEvidence } from '../probes/capture.ts';

export const REPORT_DIR = path.resolve(process.env.KPC_REPORT_DIR ?? 'out/report');
export const CASE_ATTACHMENT = 'kpc-case';

/** What the reporter reads back from the attachment. */
export interface CasePayload {
  id: string;
  title: string;
  source: { title: string; url: string };
  project: string;
  proxyMode: string;
  expected: string;
  observed: string;
  checks: Check[];
  steps: Step[];
  evidence: Evidence[];
  notSupported?: string;
  tags?: string[];
  /** Why the case failed: a check did not hold (`verdict`), or the harness/environment broke. */
  failureKind?: 'verdict' | 'infrastructure';
}

/** A proxy verdict: a check did not hold. */
export class CaseFailure extends Error {}

/**
 * The harness or its environment failed (docker, the reaper, the API server, a workload that
 * never became ready) before the checks could say anything: no proxy verdict.
 */
export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
}

/**
/** Where a case's evidence goes and how its failure counts (a phase of a fault run sets both, phases.ts). */
export interface RecorderOptions {
  /** The report its evidence belongs to (default REPORT_DIR). */
  root?: string;
  /** A proxy verdict failing the case is the expected outcome (the catalogue against a fault). */
  verdictsExpected?: boolean;
}

/**
 * Ends a case: attaches its payload and throws its failure, if any.
 *
 * Playwright replaces the worker process after every unexpected failure, and a new worker pays
 * for its start, the cluster's description and its client pods again (measured at 8-20 s each on
 * this machine, about a dozen times per fault run). When verdicts are expected a failure that is
 * a pure proxy verdict (failed checks, nothing thrown but the verdict itself) is declared
 * expected, so the worker stays; the results still say `failed` (harness/run/results.ts reads the
 * payload, not Playwright's expectation). Infrastructure errors always replace the worker.
 */
export async function finishCase(rec: Recorder, testInfo: TestInfo, thrown: unknown): Promise<void> {
  const failure = rec.failure(thrown);
  await rec.attachPayload(failure ? { failureKind: failure.kind } : {});
  if (!failure) return;
  const pureVerdict = failure.kind === 'verdict' && (thrown === undefined || thrown instanceof CaseFailure);
  if (pureVerdict && rec.verdictsExpected) testInfo.fail(true, 'a proxy verdict in a fault run: the worker is kept');
  throw failure.error;
}

export function caseSlug(id: string): string {
  return id.replace(/[^a-zA-Z0-9._-]+/g, '__');
}

export class Recorder {
  readonly checks: Check[] = [];
  readonly evidence: Evidence[] = [];
  readonly steps: Step[] = [];
  private expectedLines: string[] = [];
  private observedLines: string[] = [];
  private currentStep?: string;
  readonly dir: string;
  /** The report directory evidence paths are relative to. */
  readonly root: string;
  readonly verdictsExpected: boolean;
  private seq = 0;

  constructor(
    private readonly testInfo: TestInfo,
    readonly meta: Pick<CasePayload, 'id' | 'title' | 'source' | 'project' | 'proxyMode' | 'tags'>,
    options: RecorderOptions = {},
  ) {
    this.root = options.root ?? REPORT_DIR;
    this.verdictsExpected = options.verdictsExpected ?? false;
    // With --repeat N each run keeps its own evidence: <case>, <case>__run2, <case>__run3, ...
    const repeat = testInfo.repeatEachIndex ?? 0;
    this.dir = path.join(this.root, 'evidence', caseSlug(meta.project), `${caseSlug(meta.id)}${repeat > 0 ? `__run${repeat + 1}` : ''}`);
  }

  expect(line: string): void {
    this.expectedLines.push(line);
  }
  observe(line: string): void {
    this.observedLines.push(line);
  }

  check(c: Check): Check {
    this.checks.push(c);
    return c;
  }

  /** Runs `fn` as a Playwright step and records its duration (and error) for the report. */
  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    const { test } = await import('@playwright/test');
    const start = Date.now();
    const prev = this.currentStep;
    this.currentStep = title;
    try {
      const v = await test.step(title, fn);
      this.steps.push({ title, durationMs: Date.now() - start });
      return v;
    } catch (e) {
      this.steps.push({ title, durationMs: Date.now() - start, error: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      this.currentStep = prev;
    }
  }

  private fileName(name: string, ext: string): string {
    this.seq += 1;
    return `${String(this.seq).padStart(2, '0')}-${name.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 80)}.${ext}`;
  }

  /** Text evidence: kept inline (for the report) and as a file (for download). */
  async text(kind: EvidenceKind, name: string, text: string, contentType = 'text/plain'): Promise<Evidence> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, this.fileName(name, contentType === 'application/json' ? 'json' : 'txt'));
    await writeFile(file, text);
    await this.testInfo.attach(name.slice(0, 100), { path: file, contentType });
    const ev: Evidence = { kind, name, step: this.currentStep, contentType, path: path.relative(this.root, file), text: text.length <= 64_000 ? text : `${text.slice(0, 64_000)}\n… (truncated; full text in the file)` };
    this.evidence.push(ev);
    return ev;
  }

  json(name: string, value: unknown): Promise<Evidence> {
    return this.text('json', name, JSON.stringify(value, null, 2), 'application/json');
  }

  /** A capture: the pcap file for download plus its decoded rows (optionally only the relevant ones). */
  async pcap(name: string, cap: CaptureEvidence, rows?: PacketRow[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, this.fileName(name, 'pcap'));
    if (path.resolve(cap.file) !== file) await copyFile(cap.file, file).catch(() => undefined);
    await this.testInfo.attach(`${name.slice(0, 95)}.pcap`, { path: file, contentType: 'application/vnd.tcpdump.pcap' });
    // tcpdump's closing counts: "received by filter" above "captured" means packets were lost at stop.
    const counts = cap.tcpdumpLog.split('\n').map((l) => l.trim()).filter((l) => /^\d+ packets? (captured|received by filter|dropped by kernel)$/.test(l));
    this.evidence.push({ kind: 'pcap', name: `${name} (${cap.node}, filter: ${cap.filter}${counts.length ? `; tcpdump: ${counts.join(', ')}` : ''})`, step: this.currentStep, contentType: 'application/vnd.tcpdump.pcap', path: path.relative(this.root, file) });
    this.evidence.push({ kind: 'packets', name: `${name}: packets`, step: this.currentStep, contentType: 'application/json', packets: (rows ?? cap.packets).slice(0, 500) });
  }

  /** Attaches the case payload (always, even after an error, so the report shows what was seen). */
  async attachPayload(extra: { notSupported?: string; failureKind?: CasePayload['failureKind'] } = {}): Promise<void> {
    const payload: CasePayload = {
      ...this.meta,
      expected: this.expectedLines.join('\n'),
      observed: this.observedLines.join('\n'),
      checks: this.checks,
      steps: this.steps,
      evidence: this.evidence,
      ...extra,
    };
    await this.testInfo.attach(CASE_ATTACHMENT, { body: JSON.stringify(payload), contentType: 'application/json' });
  }

  /**
   * What the case's outcome is, given the error its body threw (if any): a failed check is a
   * verdict even when an error came later; an error with no failed check is the harness's or the
   * environment's, never the proxy's; no error and no check means nothing was verified (a harness
   * bug, reported as such).
   */
  failure(thrown?: unknown): { kind: 'verdict' | 'infrastructure'; error: Error } | undefined {
    const bad = this.checks.filter((c) => c.verdict === 'mismatch' || c.verdict === 'disagree');
    if (bad.length) {
      const text = bad.map((c) => `${c.key}: ${c.verdict === 'disagree' ? 'echo and wire disagree' : 'unexpected'} — expected ${c.expected}; echo: ${c.observedEcho ?? 'n/a'}; wire: ${c.observedWire ?? 'n/a'}${c.note ? ` (${c.note})` : ''}`).join('\n');
      const after = thrown === undefined ? '' : `\nthen: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
      return { kind: 'verdict', error: new CaseFailure(text + after) };
    }
    if (thrown instanceof CaseFailure) return { kind: 'verdict', error: thrown };
    if (thrown !== undefined) {
      const msg = thrown instanceof Error ? thrown.message : String(thrown);
      return { kind: 'infrastructure', error: new InfrastructureError(`infrastructure error (no proxy verdict): ${msg}`) };
    }
    if (this.checks.length === 0) return { kind: 'infrastructure', error: new InfrastructureError('the case recorded no checks: nothing was verified') };
    return undefined;
  }
}
