/**
 * The report's browser test: Debian's Chromium (apt-get install -y chromium), headless, no
 * network. Separate from the conformance suite's config; run with `npm run test:browser`.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.KPC_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../out/test-results/browser',
  timeout: 20_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1360, height: 900 },
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
