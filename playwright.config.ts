import { defineConfig } from '@playwright/test';
import type { ProjectSpec } from './harness/run/projects.ts';
import { selectedProjects } from './harness/run/projects.ts';
import { REPORT_DIR } from './harness/run/recorder.ts';

/**
 * Projects are proxy modes (and implementations), generated from harness/projects.ts. One
 * worker: each project owns a kind cluster and this machine has two cores.
 */
export default defineConfig<{ kpcProject: ProjectSpec }>({
  testDir: './suites',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 180_000,
  outputDir: 'out/test-results',
  reporter: [['list'], ['./harness/run/reporter.ts']],
  projects: selectedProjects().map((spec) => ({
    name: spec.name,
    use: { kpcProject: spec },
    // A negative control runs only the cases it must make fail.
    ...(spec.control ? { grep: new RegExp(spec.control.mustFail.map((id) => `(^|\\s)${escapeRe(id)}(\\s|$)`).join('|')) } : {}),
  })),
  metadata: { reportDir: REPORT_DIR },
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
