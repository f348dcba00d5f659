/** Writes the views of a run's results (index.html, junit.xml) into the report directory. */
import type { History } from './history.ts';
import type { Results } from './model.ts';
import { writeHtml } from './html.ts';
import { writeJunit } from './junit.ts';

export interface ReportFiles {
  html: string;
  junit: string;
}

/** What a report can show besides the run itself. */
export interface ViewExtras {
  /** Earlier runs' outcomes (`npm run report -- --history DIR`). */
  history?: History;
}

/** Writes `<outDir>/index.html` and `<outDir>/junit.xml`; results.json is the caller's to write. */
export async function writeViews(results: Results, outDir: string, extras: ViewExtras = {}): Promise<ReportFiles> {
  const [html, junit] = await Promise.all([writeHtml(results, outDir, extras), writeJunit(results, outDir)]);
  return { html, junit };
}
