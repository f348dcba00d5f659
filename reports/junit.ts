/**
 * JUnit XML (`junit.xml`) for CI systems: one <testsuite> per project (column) with the matrix
 * dimensions as properties, one <testcase> per case result.
 *
 * In a negative-control project the cases the control must break are inverted: the testcase
 * passes when the suite caught the fault (the case failed) and fails when it did not, so a
 * healthy control keeps CI green and a blind suite turns it red.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupOf, type CaseResult, type ControlResult, type ProjectInfo, type Results } from './model.ts';
import { escapeXml } from './escape.ts';
import { clusterLabel, columnsOf } from './view-model.ts';

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
}

function properties(indent: string, values: Record<string, string | undefined>): string {
  const rows = Object.entries(values).filter(([, v]) => v !== undefined && v !== '');
  if (!rows.length) return '';
  const inner = rows.map(([name, value]) => `${indent}  <property${attrs({ name, value })}/>`).join('\n');
  return `${indent}<properties>\n${inner}\n${indent}</properties>\n`;
}

/** The failure body: expected, observed, the checks that did not hold, and step errors. */
function failureText(c: CaseResult): string {
  const lines = [`expected: ${c.expected}`, `observed: ${c.observed}`];
  const bad = c.checks.filter((k) => k.verdict === 'mismatch' || k.verdict === 'disagree');
  if (bad.length) lines.push('checks:');
  for (const k of bad) {
    const seen = [k.observedEcho && `echo: ${k.observedEcho}`, k.observedWire && `wire: ${k.observedWire}`].filter(Boolean).join('; ');
    lines.push(`  ${k.verdict}: ${k.key}: expected ${k.expected}${seen ? `; ${seen}` : ''}${k.note ? ` (${k.note})` : ''}`);
  }
  for (const s of c.steps.filter((s) => s.error)) lines.push(`step "${s.title}": ${s.error}`);
  return lines.join('\n');
}

interface Outcome {
  kind: 'passed' | 'failed' | 'skipped';
  message?: string;
  body?: string;
}

function outcomeOf(c: CaseResult, control: ControlResult | undefined): Outcome {
  if (control) {
    if (control.caught) return { kind: 'passed' };
    return {
      kind: 'failed',
      message: `negative control ${control.verdict ?? 'not caught'}: expected ${control.rows?.length ? `rows ${control.rows.join(', ')}` : 'this case'} to fail under "${control.description}", it ${c.status}${control.reason ? ` (${control.reason})` : ''}`,
      body: failureText(c),
    };
  }
  switch (c.status) {
    case 'passed':
      return { kind: 'passed' };
    case 'failed':
      return { kind: 'failed', message: c.reason ?? 'failed', body: failureText(c) };
    case 'flaky':
      return { kind: 'failed', message: c.reason ?? 'flaky: the runs reached different verdicts', body: failureText(c) };
    case 'error':
      return { kind: 'failed', message: `infrastructure error (no proxy verdict): ${c.reason ?? 'error'}`, body: failureText(c) };
    case 'skipped':
      return { kind: 'skipped', message: c.reason ?? 'skipped' };
    case 'not-supported':
      return { kind: 'skipped', message: `not supported${c.reason ? `: ${c.reason}` : ''}` };
  }
}

function testcase(c: CaseResult, control: ControlResult | undefined): { xml: string; outcome: Outcome } {
  const outcome = outcomeOf(c, control);
  const indent = '    ';
  let xml = `${indent}<testcase${attrs({ name: c.id, classname: `${c.project}.${groupOf(c.id)}`, time: seconds(c.durationMs) })}>\n`;
  xml += properties(`${indent}  `, {
    title: c.title,
    group: groupOf(c.id),
    source: c.source.title,
    sourceUrl: c.source.url,
    status: c.status,
    attempts: c.attempts === undefined ? undefined : String(c.attempts),
    control: control ? (control.caught ? 'caught' : 'missed') : undefined,
  });
  if (outcome.kind === 'failed') {
    xml += `${indent}  <failure${attrs({ message: outcome.message, type: control ? 'control' : 'conformance' })}>${escapeXml(outcome.body)}</failure>\n`;
  } else if (outcome.kind === 'skipped') {
    xml += `${indent}  <skipped${attrs({ message: outcome.message })}/>\n`;
  }
  return { xml: `${xml}${indent}</testcase>\n`, outcome };
}

function testsuite(project: ProjectInfo, cases: CaseResult[], controls: ControlResult[], results: Results): { xml: string; counts: number[] } {
  const rendered = cases.map((c) => testcase(c, controls.find((k) => k.project === project.name && k.caseId === c.id)));
  const failures = rendered.filter((r) => r.outcome.kind === 'failed').length;
  const skipped = rendered.filter((r) => r.outcome.kind === 'skipped').length;
  const time = cases.reduce((sum, c) => sum + c.durationMs, 0);
  let xml = `  <testsuite${attrs({ name: project.name, tests: cases.length, failures, errors: 0, skipped, time: seconds(time), timestamp: results.run.startedAt })}>\n`;
  xml += properties('    ', {
    proxyMode: project.proxyMode,
    implementation: project.implementation,
    lbProvider: project.lbProvider,
    cluster: clusterLabel(project),
    nodeAccess: project.nodeAccess,
    nodeImage: project.cluster.nodeImage ?? results.run.nodeImage,
    kubernetesVersion: results.run.kubernetesVersion,
    kubeProxyVersion: project.kubeProxyVersion,
    kubeProxyRelease: project.kubeProxyRelease,
    kindVersion: results.run.kindVersion,
    control: project.control?.description,
    skippedReason: project.skippedReason,
  });
  xml += rendered.map((r) => r.xml).join('');
  return { xml: `${xml}  </testsuite>\n`, counts: [cases.length, failures, skipped, time] };
}

/** The fault catalogue: one <testsuite> per mode, one <testcase> per fault; only `caught` passes. */
function faultSuites(results: Results): { xml: string; counts: number[] }[] {
  const f = results.faults;
  if (!f) return [];
  return f.modes.map((mode) => {
    const runs = f.runs.filter((r) => r.mode === mode);
    const failures = runs.filter((r) => r.verdict !== 'caught').length;
    const time = runs.reduce((t, r) => t + r.durationMs, 0);
    let xml = `  <testsuite${attrs({ name: `faults-${mode}`, tests: runs.length, failures, errors: 0, skipped: 0, time: seconds(time), timestamp: f.startedAt })}>\n`;
    for (const r of runs) {
      xml += `    <testcase${attrs({ name: r.fault, classname: `faults-${mode}`, time: seconds(r.durationMs) })}>\n`;
      if (r.verdict !== 'caught') xml += `      <failure${attrs({ message: `${r.verdict}: ${r.reason}` })}>${escapeXml(`failing cases: ${r.caughtBy.join(', ') || 'none'}`)}</failure>\n`;
      xml += '    </testcase>\n';
    }
    return { xml: `${xml}  </testsuite>\n`, counts: [runs.length, failures, 0, time] };
  });
}

/** The whole junit.xml document as a string. */
export function renderJunit(results: Results): string {
  const suites = [
    ...columnsOf(results).map((p) =>
      testsuite(
        p,
        results.cases.filter((c) => c.project === p.name),
        results.controls,
        results,
      ),
    ),
    ...faultSuites(results),
  ];
  const sum = (i: number): number => suites.reduce((s, x) => s + (x.counts[i] ?? 0), 0);
  const head = `<testsuites${attrs({ name: results.tool.name, tests: sum(0), failures: sum(1), errors: 0, skipped: sum(2), time: seconds(results.run.durationMs), timestamp: results.run.startedAt })}>\n`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}${suites.map((s) => s.xml).join('')}</testsuites>\n`;
}

/** Writes `<outDir>/junit.xml` and returns its path. */
export async function writeJunit(results: Results, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, 'junit.xml');
  await writeFile(path, renderJunit(results));
  return path;
}
