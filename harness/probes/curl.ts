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
  /** curlSeries only: pause between two requests. */
  pauseMs?: number;
  /**
   * curlSeries only: end the series early when one of its first `within` requests exits with a
   * code not in `exits` (a path not yet programmed: why wait out the rest of its time-outs).
   */
  stopUnless?: StopUnless;
  /** curlSeries only: sleep this long after request number `after` (1-based), once. */
  pauseOnce?: { after: number; ms: number };
}

export interface StopUnless {
  within: number;
  exits: readonly number[];
}

const STOPPED = '__KPC_SERIES_STOPPED__';

function curlCommand(url: string, maxTime: number, args: readonly string[]): string[] {
  return [
    'curl', '-sS', '--max-time', String(maxTime), '--connect-timeout', String(maxTime),
    ...args,
    '-w', `${MARK}%{http_code}|%{local_ip}|%{local_port}|%{remote_ip}|%{remote_port}`,
    url,
  ];
}

export async function curl(from: Runner, url: string, opts: CurlOptions = {}): Promise<CurlEvidence> {
  const maxTime = opts.maxTimeSec ?? TIMEOUTS.curlAttemptSec;
  const args = opts.args ?? [];
  const cmd = curlCommand(url, maxTime, args);
  let startedAt = Date.now();
  let r = await from.run(cmd, (maxTime + 10) * 1000);
  // curl that exits 0 always prints our -w trailer: without it the output was lost on its way
  // back (seen once under load: exit 0, no output, in a path expecting refusals). Nothing was
  // observed, so the attempt is made once more; lost twice, it is the exec's failure, not an
  // answer from the proxy: no verdict.
  let retried = '';
  if (r.exitCode === 0 && !r.stdout.includes(MARK)) {
    retried = ' (an earlier try of this attempt exited 0 with its output lost and was made again)';
    startedAt = Date.now();
    r = await from.run(cmd, (maxTime + 10) * 1000);
  }
  const endedAt = Date.now();
  if (r.exitCode === 0 && !r.stdout.includes(MARK)) {
    throw new Error(`${from.label}: curl ${url} exited 0 but its output came back without curl's -w trailer (${r.stdout.length} bytes${r.incomplete ? `; ${r.incomplete}` : ''}): the exec's output was lost, the attempt cannot be judged`);
  }
  return { from: from.label, fromIp: from.ip, url, args, startedAt, endedAt, stderr: `${r.stderr.trim()}${retried}`.trim(), exitCode: r.exitCode, exit: describeCurlExit(r.exitCode), ...parseCurlOutput(r.stdout) };
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

const BEGIN = '__KPC_ATTEMPT_BEGIN__ ';
const END = '__KPC_ATTEMPT_END__ ';

function shellQuote(a: string): string {
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell script of a curl series: `k` requests one after the other, each framed by a begin
 * line (its start, ns since the epoch, from the runner's clock) and an end line (curl's exit
 * status, its end, its stderr on one line). The body goes to stdout unchanged, between them.
 * With `stop`, a request among the first `stop.within` whose exit code is not in `stop.exits`
 * ends the series, with a line saying so.
 */
export function curlSeriesScript(url: string, k: number, maxTime: number, args: readonly string[] = [], pauseMs = 0, stop?: StopUnless, pauseOnce?: { after: number; ms: number }): string {
  const cmd = curlCommand(url, maxTime, args).map(shellQuote).join(' ');
  const pause = Math.max(0, Math.round(pauseMs)) / 1000;
  const exits = stop?.exits.filter((e) => Number.isInteger(e) && e >= 0).join('|');
  return [
    'exec 3>&1',
    'i=0',
    `while [ "$i" -lt ${k} ]; do`,
    ...(pause > 0 ? [`  if [ "$i" -gt 0 ]; then sleep ${pause}; fi`] : []),
    '  i=$((i+1))',
    `  printf '%s%s\\n' '${BEGIN}' "$(date +%s%N)"`,
    `  e=$(${cmd} 2>&1 >&3); rc=$?`,
    `  printf '\\n%s%s %s %s\\n' '${END}' "$rc" "$(date +%s%N)" "$(printf '%s' "$e" | tr '\\n' ' ')"`,
    ...(stop && exits ? [`  if [ "$i" -le ${Math.floor(stop.within)} ]; then case "$rc" in ${exits}) ;; *) echo '${STOPPED}'; break;; esac; fi`] : []),
    ...(pauseOnce && pauseOnce.ms > 0 ? [`  if [ "$i" -eq ${Math.floor(pauseOnce.after)} ] && [ "$i" -lt ${k} ]; then sleep ${Math.round(pauseOnce.ms) / 1000}; fi`] : []),
    'done',
  ].join('\n');
}

/** ns since the epoch as printed by `date +%s%N` → ms; undefined when the runner's date has no %N. */
function nsToMs(s: string | undefined): number | undefined {
  return s && /^\d{13,}$/.test(s) ? Math.floor(Number(s.slice(0, -6))) : undefined;
}

/**
 * Splits a series' stdout into one CurlEvidence per attempt, in order. An attempt without its
 * end line (the exec was cut short) is not returned: the caller sees fewer attempts than it
 * asked for. Times fall back to the exec's own start/end when the runner's `date` lacks %N.
 */
export function parseCurlSeries(stdout: string, base: Pick<CurlEvidence, 'from' | 'fromIp' | 'url' | 'args'>, execStartedAt: number, execEndedAt: number): CurlEvidence[] {
  const out: CurlEvidence[] = [];
  let at = stdout.indexOf(BEGIN);
  while (at >= 0) {
    const lineEnd = stdout.indexOf('\n', at);
    if (lineEnd < 0) break;
    const startedAt = nsToMs(stdout.slice(at + BEGIN.length, lineEnd).trim()) ?? execStartedAt;
    const endAt = stdout.indexOf(`\n${END}`, lineEnd);
    if (endAt < 0) break;
    const endLineEnd = stdout.indexOf('\n', endAt + 1);
    const endLine = stdout.slice(endAt + 1 + END.length, endLineEnd < 0 ? undefined : endLineEnd);
    const [rc, ended, ...err] = endLine.split(' ');
    const exitCode = Number(rc);
    if (!/^\d+$/.test(rc ?? '')) break;
    out.push({ ...base, args: [...base.args], startedAt, endedAt: nsToMs(ended) ?? execEndedAt, stderr: err.join(' ').trim(), exitCode, exit: describeCurlExit(exitCode), ...parseCurlOutput(stdout.slice(lineEnd + 1, endAt)) });
    at = endLineEnd < 0 ? -1 : stdout.indexOf(BEGIN, endLineEnd);
  }
  return out;
}

/**
 * `k` requests in one exec (curlSeriesScript), each with its own evidence: the same attempts as
 * k calls of `curl`, for a fraction of the cost (an exec through the API server costs about
 * 0.1 CPU-second here, a request almost nothing). Fails when the runner returns fewer than k,
 * unless the series stopped early as `opts.stopUnless` asked.
 */
export async function curlSeries(from: Runner, url: string, k: number, opts: CurlOptions = {}): Promise<CurlEvidence[]> {
  const maxTime = opts.maxTimeSec ?? TIMEOUTS.curlAttemptSec;
  const args = opts.args ?? [];
  const t0 = Date.now();
  const pauseMs = opts.pauseMs ?? 0;
  const once = opts.pauseOnce?.ms ?? 0;
  const r = await from.run(['sh', '-c', curlSeriesScript(url, k, maxTime, args, pauseMs, opts.stopUnless, opts.pauseOnce)], (k * (maxTime + 2 + pauseMs / 1000) + once / 1000 + 10) * 1000);
  const got = parseCurlSeries(r.stdout, { from: from.label, fromIp: from.ip, url, args }, t0, Date.now());
  // Stopped early on purpose: the attempts up to the one that stopped it, none missing.
  const stopped = opts.stopUnless !== undefined && r.stdout.includes(`\n${STOPPED}\n`) && got.length >= 1 && got.length <= opts.stopUnless.within;
  if (got.length !== k && !stopped) {
    throw new Error(`${from.label}: a series of ${k} requests to ${url} returned ${got.length} (exit ${r.exitCode}${r.stderr.trim() ? `, stderr: ${r.stderr.trim().slice(0, 300)}` : ''})`);
  }
  return got;
}
