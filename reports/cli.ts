/**
 * `npm run report -- [out/report/results.json]`: re-renders index.html and junit.xml next to a
 * results.json, then prints the per-project summary.
 */
import { dirname, relative } from 'node:path';
import { ResultsFileError, readResults } from './read.ts';
import { summaryLines } from './summary.ts';
import { writeViews } from './views.ts';

const USAGE = 'usage: npm run report -- [path/to/results.json]   (default: out/report/results.json)';

async function main(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    console.error(USAGE);
    return 2;
  }
  const input = args[0] ?? 'out/report/results.json';
  try {
    const { results, warnings } = await readResults(input);
    for (const w of warnings) console.warn(`warning: ${w}`);
    const files = await writeViews(results, dirname(input));
    for (const line of summaryLines(results, relative(process.cwd(), files.html) || files.html)) console.log(line);
    console.log(`junit: ${relative(process.cwd(), files.junit) || files.junit}`);
    return 0;
  } catch (err) {
    if (err instanceof ResultsFileError) {
      console.error(`report: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
