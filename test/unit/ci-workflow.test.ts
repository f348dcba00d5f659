/**
 * The GitHub Actions example in docs/ci-github-actions.md: its YAML parses, every npm script it
 * runs exists, every option it passes is accepted by our CLIs, the files it hashes and the
 * paths it reads are the ones the suite writes, and its artifacts fit together (the per-mode
 * uploads match the download pattern, the baseline is the artifact the report job uploads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PROJECTS } from '../../harness/run/projects.ts';
import { main as reportMain } from '../../reports/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = readFileSync(path.join(ROOT, 'docs/ci-github-actions.md'), 'utf8');
const SCRIPTS = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  needs?: string;
  steps: Step[];
  strategy?: { matrix: { mode: string[]; include?: ({ mode: string } & Record<string, string>)[] } };
}
interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(): Workflow {
  const blocks = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)];
  assert.equal(blocks.length, 1, 'one workflow in the page');
  return parse(blocks[0]?.[1] ?? '') as Workflow;
}

const steps = (wf: Workflow, job: string): Step[] => wf.jobs[job]?.steps ?? [];
const stepNamed = (wf: Workflow, job: string, pattern: RegExp): Step => {
  const s = steps(wf, job).find((x) => pattern.test(x.name ?? x.uses ?? ''));
  assert.ok(s, `job ${job} has a step ${pattern}`);
  return s;
};
/** The matrix's jobs: each listed mode, then each `include` entry with its extra keys. */
function matrixEntries(wf: Workflow, job: string): Record<string, string>[] {
  const m = wf.jobs[job]?.strategy?.matrix;
  return [...(m?.mode ?? []).map((mode) => ({ mode })), ...(m?.include ?? [])];
}

/** `npm run <script> [-- args]` lines of a job, once per matrix job when they use `${{ matrix.* }}` (an absent key is empty). */
function npmRuns(wf: Workflow, job: string): { script: string; args: string[]; mode?: string }[] {
  const out: { script: string; args: string[]; mode?: string }[] = [];
  for (const s of steps(wf, job)) {
    for (const m of (s.run ?? '').matchAll(/npm run (\S+)(?: -- ([^\n]*))?/g)) {
      const line = (m[2] ?? '').trim();
      const entries = line.includes('${{ matrix.') ? matrixEntries(wf, job) : [undefined];
      for (const e of entries) {
        const text = e ? line.replaceAll(/\$\{\{ matrix\.(\w+) \}\}/g, (_, k: string) => e[k] ?? '').trim() : line;
        out.push({ script: m[1] ?? '', args: text ? text.split(/\s+/) : [], ...(e ? { mode: e.mode } : {}) });
      }
    }
  }
  return out;
}

test('the workflow parses and names the jobs the page describes', () => {
  const wf = workflow();
  assert.deepEqual(Object.keys(wf.jobs), ['conformance', 'report']);
  assert.equal(wf.jobs.report?.needs, 'conformance');
  assert.equal(wf.permissions.actions, 'read', 'gh run download needs actions: read');
  for (const job of Object.values(wf.jobs)) for (const s of job.steps) if (s.uses) assert.match(s.uses, /^[\w-]+\/[\w/-]+@v\d+$/, `${s.uses} pinned to a major version`);
});

test('every npm script it runs exists, every matrix mode is a project', () => {
  const wf = workflow();
  const runs = [...npmRuns(wf, 'conformance'), ...npmRuns(wf, 'report')];
  assert.ok(runs.some((r) => r.script === 'conformance') && runs.some((r) => r.script === 'report') && runs.some((r) => r.script === 'images'));
  for (const r of runs) assert.ok(SCRIPTS[r.script], `package.json has script ${r.script}`);
  const known = new Set(PROJECTS.map((p) => p.name));
  const matrix = wf.jobs.conformance?.strategy?.matrix;
  for (const mode of [...(matrix?.mode ?? []), ...(matrix?.include ?? []).map((x) => x.mode)]) assert.ok(known.has(mode), `${mode} is a project`);
});

test('npm run report accepts every option line the workflow passes', async () => {
  const log = console.log;
  console.log = () => undefined;
  try {
    for (const r of npmRuns(workflow(), 'report').filter((x) => x.script === 'report')) {
      // --help after the options: parsed and checked, nothing read or written.
      assert.equal(await reportMain([...r.args, '--help']), 0, `report ${r.args.join(' ')}`);
    }
  } finally {
    console.log = log;
  }
  const lines = npmRuns(workflow(), 'report').map((r) => r.args.join(' '));
  assert.ok(lines.some((l) => /--baseline baseline\/results\.json .*--fail-on regressions/.test(l)), 'regressions against the baseline');
  assert.ok(lines.some((l) => /--history out\/report\/history/.test(l)), 'the history');
});

test('npm run conformance accepts the options of every matrix job', () => {
  const runs = npmRuns(workflow(), 'conformance').filter((x) => x.script === 'conformance');
  assert.ok(runs.length > 0);
  // The matrix lines differ only in the mode (checked above): one process per distinct option set.
  const distinct = [...new Map(runs.map((r) => [r.args.filter((a, i) => r.args[i - 1] !== '--modes').join(' '), r])).values()];
  for (const r of distinct) {
    // Parses the options and prints the usage: exit 0, nothing started (no docker, no cluster).
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'harness/cli/conformance.ts'), ...r.args, '--help'], { cwd: ROOT, stdio: 'pipe', timeout: 30_000 });
  }
});

test('npm run images accepts the options of every matrix job; the cilium job builds Cilium, no other does', () => {
  const runs = npmRuns(workflow(), 'conformance').filter((x) => x.script === 'images');
  assert.ok(runs.some((r) => r.mode === 'cilium'), 'the cilium column is a matrix job');
  for (const r of runs) {
    // The images CLI prints its usage for --help after parsing (strict: an unknown option throws); nothing is built.
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'clusters/cli/images.ts'), ...r.args, '--help'], { cwd: ROOT, stdio: 'pipe', timeout: 30_000 });
    // Cilium's image is opt-in (`--cilium`): its job must ask for it, the kube-proxy jobs must not pay for it.
    assert.equal(r.args.includes('--cilium'), r.mode === 'cilium', `images ${r.args.join(' ')} for ${r.mode}`);
  }
});

test('hashed and read paths exist; written paths are what the suite writes', () => {
  const wf = workflow();
  const cache = stepNamed(wf, 'conformance', /^actions\/cache@/);
  const globs = [...String(cache.with?.key).matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '');
  assert.ok(globs.length >= 3, 'the image cache key hashes the build inputs');
  for (const g of globs) assert.ok(existsSync(path.join(ROOT, g.replace(/\/\*\*$/, ''))), `${g} exists`);
  // The suite writes out/report/{results.json,index.html,junit.xml,evidence/}; the workflow reads no other file there.
  const REPORT_DIR = 'out/report';
  assert.equal(path.relative(ROOT, path.resolve(ROOT, process.env.KPC_REPORT_DIR ?? 'out/report')), REPORT_DIR);
  const upload = stepNamed(wf, 'conformance', /^Upload the report$/);
  assert.equal(upload.with?.path, REPORT_DIR);
  const text = JSON.stringify(wf);
  for (const m of text.matchAll(/out\/report\/([\w.-]+)/g)) assert.ok(['results.json', 'index.html', 'junit.xml', 'evidence', 'history'].includes(m[1] ?? ''), `out/report/${m[1]} is written by the suite or the workflow`);
  // Artifacts fit together: per-mode uploads match the download pattern; the baseline is the report job's own upload.
  const download = stepNamed(wf, 'report', /^actions\/download-artifact@/);
  const pattern = new RegExp(`^${String(download.with?.pattern).replace('*', '.*')}$`);
  assert.match(String(upload.with?.name).replace('${{ matrix.mode }}', 'iptables'), pattern);
  const finalUpload = steps(wf, 'report').filter((s) => s.uses?.startsWith('actions/upload-artifact@')).at(-1);
  const baseline = stepNamed(wf, 'report', /^Last night's results$/);
  assert.match(baseline.run ?? '', new RegExp(`--name ${String(finalUpload?.with?.name)} --dir baseline`));
  assert.equal(finalUpload?.with?.path, REPORT_DIR, 'tomorrow\'s baseline is tonight\'s merged report');
  // The history is restored and saved at the path the report reads, under the same key.
  const restore = stepNamed(wf, 'report', /^Restore the history$/);
  const save = stepNamed(wf, 'report', /^Save the history$/);
  assert.equal(restore.with?.path, `${REPORT_DIR}/history`);
  assert.equal(save.with?.path, restore.with?.path);
  assert.equal(save.with?.key, restore.with?.key);
  assert.match(stepNamed(wf, 'report', /^Add tonight/).run ?? '', /cp out\/report\/results\.json out\/report\/index\.html/);
  assert.ok(stepNamed(wf, 'report', /^Add tonight/).if === 'always()' && save.if === 'always()', 'the history is kept on a red night too');
});
