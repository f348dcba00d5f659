/**
 * UDP probes. There is no curl for UDP, so the server and the client are two small Perl
 * programs of ours: Perl (perl-base, IO::Socket::INET, IO::Select) is in every image a UDP
 * probe runs in — our Debian-based tools image, Debian-based kind nodes, and the public tools
 * image (netshoot). The server answers every datagram with an echo reply in the layout
 * harness/probes/echo.ts reads (`POD VALUES:` + `CLIENT VALUES:` with client_address and
 * client_port), so UDP answers are judged exactly like the TCP echo server's.
 *
 * A UDP exchange returns a CurlEvidence with a `udp://ip:port` URL: exit 0 when a reply came,
 * 28 (as curl's time-out) when none came within the time limit, 7 (as curl's "couldn't
 * connect") when an ICMP port-unreachable came back (a reject), so reachOf() classifies both
 * transports alike.
 */
import type { Runner } from './runners.ts';
import type { CurlEvidence } from './curl.ts';
import { describeCurlExit } from './curl-codes.ts';

/** The server: `perl -e UDP_ECHO_SERVER PORT`. Pod facts come from the downward-API env. */
export const UDP_ECHO_SERVER = [
  'use strict; use IO::Socket::INET;',
  '$SIG{TERM} = sub { exit 0 };',
  'my $port = shift @ARGV;',
  'my $s = IO::Socket::INET->new(LocalPort => $port, Proto => "udp") or die "udp bind $port: $!\\n";',
  '$| = 1; print "udp echo listening on $port\\n";',
  'while (1) {',
  '  my $peer = $s->recv(my $m, 2048); next unless defined $peer;',
  '  my $r = "Hostname: $ENV{POD_NAME}\\n\\nPod Information:\\n\\tpod_name=$ENV{POD_NAME}\\n\\tpod_namespace=$ENV{POD_NAMESPACE}\\n\\tpod_ip=$ENV{POD_IP}\\n\\tnode_name=$ENV{NODE_NAME}\\n\\n";',
  '  $r .= "Request Information:\\n\\tclient_address=" . $s->peerhost . "\\n\\tclient_port=" . $s->peerport . "\\n\\tmethod=UDP\\n";',
  '  $s->send($r, 0, $peer);',
  '}',
].join('\n');

/**
 * The client: `perl -e UDP_CLIENT HOST PORT SOURCE_PORT TIMEOUT_SEC COUNT INTERVAL_MS [MAX_SEC]`.
 * One connected socket (a fixed source port when SOURCE_PORT > 0) sends COUNT datagrams,
 * INTERVAL_MS apart, stopping early after MAX_SEC; per datagram one line on stdout:
 *   `@<epoch s> <uptime s> <local ip>:<local port> <status>` then, for a reply, the reply's
 *   lines indented by `| ` and a closing `|.`; status is `reply`, `timeout` or `refused`.
 * Only perl-base modules (no Time::HiRes, which Debian ships outside perl-base): whole epoch
 * seconds plus /proc/uptime (centiseconds) give each attempt's time, see attemptTimes().
 */
export const UDP_CLIENT = [
  'use strict; use IO::Socket::INET; use IO::Select;',
  'sub up { open(my $f, "<", "/proc/uptime") or return -1; my $l = <$f>; close $f; return (split / /, $l)[0] }',
  'my ($host, $port, $sport, $t, $n, $gap, $max) = @ARGV; my $start = time;',
  'my %o = (PeerAddr => $host, PeerPort => $port, Proto => "udp");',
  'if ($sport > 0) { $o{LocalPort} = $sport; $o{ReuseAddr} = 1 }',
  'my $s = IO::Socket::INET->new(%o) or do { print "socket: $!\\n"; exit 2 };',
  '$| = 1; my $sel = IO::Select->new($s);',
  'for my $i (1 .. $n) {',
  '  my $e0 = time; my $u0 = up(); my $local = $s->sockhost . ":" . $s->sockport;',
  '  my $st = "timeout"; my $buf = "";',
  '  if (!defined $s->send("kpc udp probe $i\\n")) { $st = $!{ECONNREFUSED} ? "refused" : "error $!" }',
  '  elsif ($sel->can_read($t)) { my $r = $s->recv($buf, 4096); $st = defined $r ? "reply" : ($!{ECONNREFUSED} ? "refused" : "error $!") }',
  '  print "\\@$e0 $u0 $local $st\\n";',
  '  if ($st eq "reply") { print "| $_\\n" for split /\\n/, $buf; print "|.\\n" }',
  '  last if $max && time - $start >= $max;',
  '  select(undef, undef, undef, $gap / 1000) if $i < $n;',
  '}',
].join('\n');

export interface UdpAttempt {
  /** Wall clock, ms since the epoch (see attemptTimes). */
  at: number;
  /** The kernel's uptime when the attempt started (s), when the client could read it. */
  uptime?: number;
  localIp?: string;
  localPort?: number;
  status: 'reply' | 'timeout' | 'refused' | 'error';
  reply?: string;
  detail?: string;
}

/** Parses UDP_CLIENT's output (pure; unit-tested). */
export function parseUdpClient(stdout: string): UdpAttempt[] {
  const out: UdpAttempt[] = [];
  let cur: UdpAttempt | undefined;
  let lines: string[] = [];
  for (const line of stdout.replace(/\r\n?/g, '\n').split('\n')) {
    const head = /^@(\d+) (-?[\d.]+) (\S*?):(\d+) (reply|timeout|refused|error)(?: (.*))?$/.exec(line);
    if (head) {
      cur = { at: Number(head[1]) * 1000, status: head[5] as UdpAttempt['status'] };
      const up = Number(head[2]);
      if (up >= 0) cur.uptime = up;
      if (head[3]) cur.localIp = head[3];
      if (Number(head[4]) > 0) cur.localPort = Number(head[4]);
      if (head[6]) cur.detail = head[6];
      out.push(cur);
      lines = [];
      continue;
    }
    if (!cur) continue;
    if (line === '|.') {
      cur.reply = lines.join('\n') + '\n';
      continue;
    }
    if (line.startsWith('| ')) lines.push(line.slice(2));
    else if (line === '|') lines.push('');
  }
  return attemptTimes(out);
}

/**
 * Each attempt's wall-clock time in ms. The client prints whole epoch seconds `e` and the
 * kernel's uptime `u` (centiseconds) read together, so e = floor(u + offset): every attempt
 * bounds the offset to [e - u, e + 1 - u], and a stream crossing many second boundaries pins it
 * to a fraction of its interval. Without uptime, whole seconds remain.
 */
export function attemptTimes(attempts: UdpAttempt[]): UdpAttempt[] {
  if (!attempts.length || attempts.some((a) => a.uptime === undefined)) return attempts;
  let lo = -Infinity;
  let hi = Infinity;
  for (const a of attempts) {
    const e = a.at / 1000;
    const u = a.uptime ?? 0;
    lo = Math.max(lo, e - u);
    hi = Math.min(hi, e + 1 - u);
  }
  const offset = lo <= hi ? (lo + hi) / 2 : lo;
  return attempts.map((a) => ({ ...a, at: Math.round(((a.uptime ?? 0) + offset) * 1000) }));
}

const EXIT = { reply: 0, timeout: 28, refused: 7, error: 1 } as const;

/** One attempt as CurlEvidence (see the module comment for the exit codes). */
export function udpEvidence(from: Runner, url: string, a: UdpAttempt | undefined, startedAt: number, endedAt: number, stderr: string): CurlEvidence {
  const status = a?.status ?? 'error';
  const exitCode = EXIT[status];
  return {
    from: from.label,
    ...(from.ip ? { fromIp: from.ip } : {}),
    url,
    args: [],
    exitCode,
    exit: status === 'reply' ? '0 OK (UDP reply)' : status === 'timeout' ? `${describeCurlExit(28)} (no UDP reply)` : status === 'refused' ? `${describeCurlExit(7)} (ICMP port unreachable)` : `UDP client error${a?.detail ? `: ${a.detail}` : ''}`,
    body: a?.reply ?? '',
    stderr,
    ...(a?.localIp ? { localIp: a.localIp } : {}),
    ...(a?.localPort ? { localPort: a.localPort } : {}),
    startedAt: a?.at ?? startedAt,
    endedAt,
  };
}

/** Parses `udp://ip:port`. */
export function udpTarget(url: string): { host: string; port: number } | undefined {
  const m = /^udp:\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(url);
  return m?.[1] && m[2] ? { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) } : undefined;
}

/** One datagram and its reply (or none), as CurlEvidence. */
export async function udpExchange(from: Runner, url: string, opts: { timeoutSec: number; sourcePort?: number }): Promise<CurlEvidence> {
  const t = udpTarget(url);
  if (!t) throw new Error(`not a udp:// URL: ${url}`);
  const startedAt = Date.now();
  const r = await from.run(['perl', '-e', UDP_CLIENT, t.host, String(t.port), String(opts.sourcePort ?? 0), String(opts.timeoutSec), '1', '0'], (opts.timeoutSec + 10) * 1000);
  const endedAt = Date.now();
  const [a] = parseUdpClient(r.stdout);
  // One datagram: the harness's own clock brackets it (as for curl), finer than whole seconds.
  return udpEvidence(from, url, a ? { ...a, at: startedAt } : undefined, startedAt, endedAt, [r.stderr.trim(), a ? '' : r.stdout.trim()].filter(Boolean).join('\n'));
}

/**
 * A stream of datagrams from one client socket (fixed source port): up to `count` attempts,
 * `intervalMs` apart, each waiting up to `timeoutSec` for its reply, for at most `maxSec`. One exec for the whole
 * stream, so attempts are evenly spaced and share the conntrack entry of one 5-tuple.
 */
export async function udpStream(from: Runner, url: string, opts: { sourcePort: number; count: number; intervalMs: number; timeoutSec: number; maxSec: number }): Promise<CurlEvidence[]> {
  const t = udpTarget(url);
  if (!t) throw new Error(`not a udp:// URL: ${url}`);
  const budgetMs = Math.min(opts.count * (opts.intervalMs + opts.timeoutSec * 1000), opts.maxSec * 1000) + 20_000;
  const startedAt = Date.now();
  const r = await from.run(['perl', '-e', UDP_CLIENT, t.host, String(t.port), String(opts.sourcePort), String(opts.timeoutSec), String(opts.count), String(opts.intervalMs), String(opts.maxSec)], budgetMs);
  const endedAt = Date.now();
  const attempts = parseUdpClient(r.stdout);
  if (!attempts.length) throw new Error(`UDP client on ${from.label} printed no attempt (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  return attempts.map((a, i) => udpEvidence(from, url, a, startedAt, attempts[i + 1]?.at ?? endedAt, ''));
}

/**
 * When a UDP socket bound to `port` exists where `from` runs (one exec polling /proc/net/udp and
 * udp6 every 0.1 s): the time it was seen, or undefined after `waitSec`.
 */
export async function udpSocketOpen(from: Runner, port: number, waitSec: number): Promise<number | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const polls = Math.ceil(waitSec * 10);
  const r = await from.run(['sh', '-c', `i=0; while [ "$i" -lt ${polls} ]; do if grep -q ':${hex} ' /proc/net/udp /proc/net/udp6 2>/dev/null; then exit 0; fi; i=$((i+1)); sleep 0.1; done; exit 1`], (waitSec + 30) * 1000);
  return r.exitCode === 0 ? Date.now() : undefined;
}
