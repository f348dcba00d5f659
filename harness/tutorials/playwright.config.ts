/**
 * Playwright config of `npm run tutorial` (harness/cli/tutorial.ts): the replays in
 * tutorials/replay.tutorial.ts, one test per page, on the selected kube-proxy columns (no
 * negative controls), one page at a time so each replay's duration is its own. The clusters
 * come from the same global setup as the conformance run.
 */
import { defineConfig } from '@playwright/test';
import type { ProjectSpec } from '../run/projects.ts';
import { selectedProjects } from '../run/projects.ts';
import { REPORT_DIR } from '../run/recorder.ts';

export default defineConfig<{ kpcProject: ProjectSpec }>({
  testDir: '../../tutorials',
  testMatch: 'replay.tutorial.ts',
  globalSetup: '../run/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 6 * 60_000,
  outputDir: '../../out/test-results/tutorials',
  reporter: [['list'], ['./reporter.ts']],
  projects: selectedProjects()
    .filter((spec) => !spec.control)
    .map((spec) => ({ name: spec.name, use: { kpcProject: spec } })),
  metadata: { reportDir: REPORT_DIR },
});
