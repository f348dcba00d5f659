/** The code a benchmark measured: `git rev-parse --short HEAD`, marked when the tree had changes. */
import { execa } from 'execa';

export async function measuredCommit(): Promise<string> {
  const head = await execa('git', ['rev-parse', '--short', 'HEAD'], { reject: false });
  const dirty = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { reject: false });
  return head.exitCode === 0 ? `${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}` : 'unknown';
}
