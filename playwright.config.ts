import { defineConfig } from '@playwright/test';
import type { ProjectSpec } from './harness/run/projects.ts';
import { casesOf, selectedProjects } from './harness/run/projects.ts';
import { REPORT_DIR } from './harness/run/recorder.ts';
import { grepForCases } from './harness/run/order.ts';

/**
 * Projects are implementations (harness/implementations/), generated in harness/run/projects.ts.
 * The global setup creates each project's kind cluster once; cases then run concurrently inside
 * it (KPC_WORKERS workers, default 2: most of a case is waiting on the network and the API
 * server, and this machine has two cores), each in its own namespace.
 */
const workers = Number(process.env.KPC_WORKERS ?? 2);
if (!Number.isInteger(workers) || workers < 1 || workers > 8) throw new Error(`KPC_WORKERS must be an integer from 1 to 8, not "${process.env.KPC_WORKERS}"`);

export default defineConfig<{ kpcProject: ProjectSpec }>({
  testDir: './suites',
  // One entry declares every case, longest first (harness/run/order.ts); cases are selected by id.
  testMatch: 'catalogue.ts',
  globalSetup: './harness/run/global-setup.ts',
  fullyParallel: true,
  workers,
  retries: 0,
  timeout: 180_000,
  outputDir: 'out/test-results',
  reporter: [['list'], ['./harness/run/reporter.ts']],
  projects: selectedProjects().map((spec) => {
    // A negative control runs only the cases it must make fail; a column with `cases` only those.
    const only = casesOf(spec);
    return {
      name: spec.name,
      use: { kpcProject: spec },
      ...(only ? { grep: new RegExp(grepForCases(only)) } : {}),
    };
  }),
  metadata: { reportDir: REPORT_DIR },
});

