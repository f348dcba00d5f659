import type { Runner } from './runners.ts';
import { TIMEOUTS } from '../timeouts.ts';
import { describeCurlExit } from './curl-codes.ts';

/** Evidence of one HTTP request. Never asserts: the judge decides. */
export interface CurlEvidence {
  from: string;
  fromIp?: string;
  url: string;
  /** Extra curl arguments used (e.g. --cacert, --resolve). */
  args: string[];
  exitCode: number;
  /** Readable meaning of the exit code, e.g. "28 OPERATION_TIMEDOUT". */
  exit: string;
  httpCode?: number;
  body: string;
  stderr: string;
  localIp?: string;
  localPort?: number;
  remoteIp?: string;
  remotePort?: number;
  /** Wall clock, ms since the epoch: used to match packets in a capture. */
  startedAt: number;
  endedAt: number;
}

const MARK = '\n__KPC_CURL__';

export interface CurlOptions {
  maxTimeSec?: number;
  args?: string[];
}

export async function curl(from: Runner, url: string, opts: CurlOptions = {}): Promise<CurlEvidence> {
  const maxTime = opts.maxTimeSec ?? TIMEOUTS.curlAttemptSec;
  const args = opts.args ?? [];
  const cmd = [
    'curl', '-sS', '--max-time', String(maxTime), '--connect-timeout', String(maxTime),
    ...args,
    '-w', `${MARK}%{http_code}|%{local_ip}|%{local_port}|%{remote_ip}|%{remote_port}`,
    url,
  ];
  const startedAt = Date.now();
  const r = await from.run(cmd, (maxTime + 10) * 1000);
  const endedAt = Date.now();
  return { from: from.label, fromIp: from.ip, url, args, startedAt, endedAt, stderr: r.stderr.trim(), exitCode: r.exitCode, exit: describeCurlExit(r.exitCode), ...parseCurlOutput(r.stdout) };
}

/** Splits the body from the -w trailer our curl command appends. */
export function parseCurlOutput(stdout: string): Pick<CurlEvidence, 'body' | 'httpCode' | 'localIp' | 'localPort' | 'remoteIp' | 'remotePort'> {
  const i = stdout.lastIndexOf(MARK);
  if (i < 0) return { body: stdout };
  const [code, localIp, localPort, remoteIp, remotePort] = stdout.slice(i + MARK.length).trim().split('|');
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined);
  return {
    body: stdout.slice(0, i),
    httpCode: num(code),
    localIp: localIp || undefined,
    localPort: num(localPort),
    remoteIp: remoteIp || undefined,
    remotePort: num(remotePort),
  };
}

export function answered(e: CurlEvidence): boolean {
  // A UDP exchange (probes/udp.ts) has no HTTP status: a reply is the answer.
  if (e.url.startsWith('udp://')) return e.exitCode === 0 && e.body !== '';
  return e.exitCode === 0 && e.httpCode !== undefined && e.httpCode < 500;
}
