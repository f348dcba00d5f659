/**
 * Runs a bench's child command (npm run conformance, npm run images) with its output inherited,
 * passing SIGINT and SIGTERM on to it: a signal sent to the bench alone (kill -INT <pid>, not
 * Ctrl-C, which reaches the whole process group) would otherwise end the bench and leave the
 * child running with its clusters and containers. After the child has exited (and cleaned up),
 * the bench exits 130 (143 for SIGTERM) instead of recording a cut-short run.
 */
import { execa } from 'execa';

export async function runChild(cmd: string, args: readonly string[]): Promise<{ exitCode?: number }> {
  const child = execa(cmd, args, { stdio: 'inherit', reject: false });
  let got: NodeJS.Signals | undefined;
  const pass = (sig: NodeJS.Signals) => {
    got = sig;
    console.error(`bench: ${sig}: passed on to ${cmd} ${args.join(' ')}; waiting for it to clean up and exit`);
    child.kill(sig);
  };
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  try {
    const r = await child;
    if (got) process.exit(got === 'SIGINT' ? 130 : 143);
    return { exitCode: r.exitCode };
  } finally {
    process.off('SIGINT', pass);
    process.off('SIGTERM', pass);
  }
}
