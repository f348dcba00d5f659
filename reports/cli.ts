/**
 * `npm run report -- [out/report/results.json]`: re-renders index.html and junit.xml next to a
 * results.json, then prints the per-project summary.
 * `npm run report -- --out DIR a/results.json b/results.json ...`: merges runs that each
 * covered some columns (one CI job per mode) into DIR/results.json, copies their evidence,
 * and renders one report with every column.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MergeError, mergeResults } from './merge.ts';
import type { Results } from './model.ts';
import { ResultsFileError, readResults } from './read.ts';
import { summaryLines } from './summary.ts';
import { writeViews } from './views.ts';

const USAGE = `usage: npm run report -- [path/to/results.json]        (default: out/report/results.json)
       npm run report -- --out DIR a/results.json b/results.json ...   (merge runs into one report)`;

const shown = (p: string): string => relative(process.cwd(), p) || p;

async function render(results: Results, dir: string): Promise<void> {
  const files = await writeViews(results, dir);
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

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (err) {
    console.error(`report: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out && positionals.length > 1) {
    console.error(`report: several results files need --out DIR to merge them into\n${USAGE}`);
    return 2;
  }
  try {
    if (values.out) {
      if (!positionals.length) throw new ResultsFileError('--out needs the results.json files to merge');
      await merge(positionals, values.out);
      return 0;
    }
    const input = positionals[0] ?? 'out/report/results.json';
    const { results, warnings } = await readResults(input);
    for (const w of warnings) console.warn(`warning: ${w}`);
    await render(results, dirname(input));
    return 0;
  } catch (err) {
    if (err instanceof ResultsFileError || err instanceof MergeError) {
      console.error(`report: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
