/** One Playwright test per page (harness/tutorials/playwright.config.ts runs this file). */
import { defineTutorial } from '../harness/tutorials/replay.ts';
import { TUTORIALS } from './index.ts';

for (const t of TUTORIALS) defineTutorial(t);
