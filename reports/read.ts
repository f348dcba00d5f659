/** Reads and validates a results.json, failing with a message a person can act on. */
import { readFile } from 'node:fs/promises';
import type { Results } from './model.ts';
import { validateResults } from './validate.ts';

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

export async function readResults(path: string): Promise<{ results: Results; warnings: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ResultsFileError(`${path}: no such file (run \`npm run conformance\` first, or pass the path of a results.json)`);
    if (code === 'EISDIR') throw new ResultsFileError(`${path}: is a directory; pass the results.json inside it`);
    throw new ResultsFileError(`${path}: cannot read: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ResultsFileError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  const v = validateResults(data);
  if (!v.ok) throw new ResultsFileError(`${path}: not a valid results file:\n${v.errors.map((x) => `  ${x}`).join('\n')}`);
  return { results: v.results, warnings: v.warnings };
}
