/**
 * `npm run report -- [out/report/results.json]`: re-renders index.html and junit.xml next to a
 * results.json, then prints the per-project summary.
 * `npm run report -- --baseline OLD/results.json [--current NEW/results.json] [--fail-on ...]`:
 * compares NEW with OLD (reports/changes.ts), records the comparison in NEW's results.json
 * (`changes`) and renders the report with its Changes view.
 * `npm run report -- --history DIR [NEW/results.json]`: adds a History view over the runs in DIR.
 * `npm run report -- --out DIR a/results.json b/results.json ...`: merges runs that each
 * covered some columns (one CI job per mode) into DIR/results.json, copies their evidence,
 * and renders one report with every column.
 * Exit status: 0, or with --fail-on the run's status (reports/exit-code.ts); 1 for an unreadable
 * results file; 2 for bad arguments.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { computeChanges } from './changes.ts';
import { exitCodeFor, FailOnError, parseFailOn } from './exit-code.ts';
import { buildHistory, readHistory, type History } from './history.ts';
import { MergeError, mergeResults } from './merge.ts';
import type { Results } from './model.ts';
import { ResultsFileError, readResults } from './read.ts';
import { summaryLines } from './summary.ts';
import { writeViews } from './views.ts';

export const USAGE = `usage: npm run report -- [path/to/results.json]        (default: out/report/results.json)
       npm run report -- --baseline OLD/results.json [--current NEW/results.json] [--fail-on regressions|failures]
       npm run report -- --history DIR [NEW/results.json]     (DIR/*.json and DIR/<run>/results.json)
       npm run report -- --out DIR a/results.json b/results.json ...   (merge runs into one report)
  --baseline  record and show what changed since OLD (Changes view, a summary line)
  --history   show each case's outcomes over the runs in DIR (History view)
  --fail-on   exit with the run's status: failures or regressions (docs/exit-codes.md); default exit 0`;

const shown = (p: string): string => relative(process.cwd(), p) || p;

async function render(results: Results, dir: string, history?: History): Promise<void> {
  const files = await writeViews(results, dir, history ? { history } : {});
  for (const line of summaryLines(results, shown(files.html))) console.log(line);
  console.log(`junit: ${shown(files.junit)}`);
}

async function merge(inputs: string[], outDir: string): Promise<void> {
  const read = [];
  for (const input of inputs) {
    const r = await readResults(input);
    for (const w of r.warnings) console.warn(`warning: ${input}: ${w}`);
    read.push(r.results);
  }
  const merged = mergeResults(read);
  await mkdir(outDir, { recursive: true });
  for (const input of inputs) {
    const evidence = join(dirname(input), 'evidence');
    if (existsSync(evidence) && resolve(evidence) !== resolve(outDir, 'evidence')) await cp(evidence, join(outDir, 'evidence'), { recursive: true });
  }
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(merged, null, 2)}\n`);
  console.log(`merged ${inputs.length} runs into ${shown(join(outDir, 'results.json'))}`);
  await render(merged, outDir);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        baseline: { type: 'string' },
        current: { type: 'string' },
        history: { type: 'string' },
        'fail-on': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`report: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const usage = (msg: string): number => {
    console.error(`report: ${msg}\n${USAGE}`);
    return 2;
  };
  if (!values.out && positionals.length > 1) return usage('several results files need --out DIR to merge them into');
  if (values.out && (values.baseline || values.current || values.history || values['fail-on'])) return usage('--out merges runs; compare or add history on the merged results.json afterwards');
  if (values.current && positionals.length) return usage('give the current results.json as --current or as an argument, not both');
  let failOn;
  try {
    failOn = values['fail-on'] === undefined ? undefined : parseFailOn(values['fail-on']);
  } catch (err) {
    return usage((err as Error).message);
  }
  if (failOn === 'regressions' && !values.baseline) return usage('--fail-on regressions needs --baseline OLD/results.json');
  try {
    if (values.out) {
      if (!positionals.length) throw new ResultsFileError('--out needs the results.json files to merge');
      await merge(positionals, values.out);
      return 0;
    }
    const input = values.current ?? positionals[0] ?? 'out/report/results.json';
    const { results, warnings } = await readResults(input);
    for (const w of warnings) console.warn(`warning: ${w}`);
    if (values.baseline) {
      const base = await readResults(values.baseline);
      for (const w of base.warnings) console.warn(`warning: baseline ${values.baseline}: ${w}`);
      results.changes = computeChanges(base.results, results, resolve(values.baseline));
      // The comparison is part of the run's record, like a `conformance --baseline` run's.
      await writeFile(input, `${JSON.stringify(results, null, 2)}\n`);
    }
    let history: History | undefined;
    if (values.history) {
      const read = await readHistory(values.history, dirname(input), input);
      for (const w of read.warnings) console.warn(`warning: history: ${w}`);
      history = buildHistory(read.inputs, results);
      console.log(`history: ${read.inputs.length} earlier run${read.inputs.length === 1 ? '' : 's'} from ${shown(values.history)}`);
    }
    await render(results, dirname(input), history);
    return failOn ? exitCodeFor(results, failOn) : 0;
  } catch (err) {
    if (err instanceof ResultsFileError || err instanceof MergeError) {
      console.error(`report: ${err.message}`);
      return 1;
    }
    if (err instanceof FailOnError) return usage(err.message);
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main(process.argv.slice(2));
