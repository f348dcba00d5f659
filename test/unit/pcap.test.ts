/**
 * The decoder against real captures (scripts/capture-fixtures.sh) and against tcpdump's own
 * reading of the same files (`tcpdump -nn -tt -r`, stored next to each capture).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CaptureFormatError,
  decodeCapture,
  decodeCaptureDetailed,
  decodeFrame,
  firstSyn,
  formatPacketRow,
  ipv6String,
  isSyn,
  parseIpLinkNames,
  synsTo,
  tcpFlagsString,
  type DecodedPacket,
} from '../../harness/probes/pcap.ts';

const dir = new URL('../fixtures/pcap/', import.meta.url);
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));
const text = (name: string): string => readFileSync(new URL(name, dir), 'utf8');

/** What tcpdump printed for one IP packet. */
interface TcpdumpLine {
  time: number;
  iface?: string;
  dir?: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'other';
  src: string;
  srcPort?: number;
  dst: string;
  dstPort?: number;
  flags?: string;
  length?: number;
}

function splitHostPort(s: string, v6: boolean): [string, number | undefined] {
  // IPv4 with port has five dotted parts; IPv6 with port ends in ".port".
  const i = s.lastIndexOf('.');
  if (v6 ? i > 0 && !s.slice(i).includes(':') : s.split('.').length === 5) return [s.slice(0, i), Number(s.slice(i + 1))];
  return [s, undefined];
}

/** Parse `tcpdump -nn -tt` lines for IPv4/IPv6 packets (ARP and other lines are left out). */
function parseTcpdump(out: string): TcpdumpLine[] {
  const rows: TcpdumpLine[] = [];
  for (const line of out.split('\n')) {
    // A VLAN-tagged frame on a cooked capture reads "ethertype IPv4, IP ...".
    const m = /^(\d+\.\d+) (?:(\S+)\s+(In|Out|M|B|P)\s+)?(?:ethertype IPv[46], )?(IP6?) (\S+) > (\S+): (.*)$/.exec(line);
    if (!m) continue;
    const [, ts, iface, dir, ipTag, srcS, dstS, restS] = m as unknown as string[];
    const v6 = ipTag === 'IP6';
    let rest = restS ?? '';
    const [src, srcPort0] = splitHostPort(srcS ?? '', v6);
    const [dst, dstPort0] = splitHostPort((dstS ?? '').replace(/:$/, ''), v6);
    let [srcPort, dstPort] = [srcPort0, dstPort0];
    const hbh = /^HBH (?:(\d+) > (\d+): )?(.*)$/.exec(rest);
    if (hbh) {
      if (hbh[1] && hbh[2]) [srcPort, dstPort] = [Number(hbh[1]), Number(hbh[2])];
      rest = hbh[3] ?? '';
    }
    const row: TcpdumpLine = { time: Number(ts), proto: 'other', src, dst };
    if (iface) row.iface = iface;
    if (dir) row.dir = dir;
    if (srcPort !== undefined) row.srcPort = srcPort;
    if (dstPort !== undefined) row.dstPort = dstPort;
    const flags = /^Flags \[([^\]]+)\].*?, length (\d+)/.exec(rest);
    if (flags) {
      row.proto = 'tcp';
      row.flags = flags[1];
      row.length = Number(flags[2]);
    } else if (rest.startsWith('UDP, length ')) {
      row.proto = 'udp';
      row.length = Number(rest.slice('UDP, length '.length));
    } else if (rest.startsWith('ICMP')) {
      row.proto = 'icmp';
      const lens = [...rest.matchAll(/length (\d+)/g)];
      row.length = Number(lens[lens.length - 1]?.[1]);
    }
    rows.push(row);
  }
  return rows;
}

const DIR_TEXT: Record<string, string> = { in: 'In', out: 'Out', multicast: 'M', broadcast: 'B', 'other-host': 'P' };

function assertMatchesTcpdump(got: DecodedPacket[], want: TcpdumpLine[], opts: { timeTolerance: number; ifaces: boolean }): void {
  assert.equal(got.length, want.length, 'packet count');
  want.forEach((w, i) => {
    const g = got[i];
    assert.ok(g, `row ${i}`);
    const where = `row ${i}: ${formatPacketRow(g)}`;
    assert.ok(Math.abs(g.time - w.time) <= opts.timeTolerance, `${where}: time ${g.time} vs ${w.time}`);
    assert.equal(g.src, w.src, where);
    assert.equal(g.dst, w.dst, where);
    assert.equal(g.srcPort, w.srcPort, where);
    assert.equal(g.dstPort, w.dstPort, where);
    assert.equal(g.proto, w.proto, where);
    if (w.flags !== undefined) assert.equal(g.flags, w.flags, where);
    if (w.length !== undefined) assert.equal(g.length, w.length, where);
    if (opts.ifaces) {
      assert.equal(g.iface, w.iface, where);
      assert.equal(g.direction && DIR_TEXT[g.direction], w.dir, where);
    }
  });
}

const US = 1e-6 / 2 + 1e-9;

test('Ethernet capture of one veth (microseconds) matches tcpdump', () => {
  const cap = decodeCaptureDetailed(bytes('eth-veth.pcap'), { iface: 'veth-a' });
  assert.equal(cap.format, 'pcap');
  assert.equal(cap.precision, 'us');
  assert.equal(cap.byteOrder, 'le');
  assert.equal(cap.interfaces[0]?.linkType, 1);
  assert.equal(cap.truncated, false);
  assertMatchesTcpdump(cap.packets, parseTcpdump(text('eth-veth.txt')), { timeTolerance: US, ifaces: false });
  assert.ok(cap.packets.every((p) => p.iface === 'veth-a'));
  // ARP request and reply are counted, not rowed.
  assert.equal(cap.skipped, 2);
});

test('the same traffic with nanosecond timestamps matches tcpdump --time-stamp-precision nano', () => {
  const cap = decodeCaptureDetailed(bytes('eth-veth-nano.pcap'));
  assert.equal(cap.precision, 'ns');
  const want = parseTcpdump(text('eth-veth-nano.txt'));
  // A double holds ~16 significant digits: about 0.25 us at today's epoch seconds.
  assertMatchesTcpdump(cap.packets, want, { timeTolerance: 5e-7, ifaces: false });
  assert.ok(text('eth-veth-nano.txt').split('\n')[0]?.match(/^\d+\.\d{9} /), 'fixture text has nanoseconds');
});

test('an 802.1Q-tagged frame keeps its VLAN id and decodes the inner IPv4/UDP', () => {
  const tagged = decodeCapture(bytes('eth-veth.pcap')).filter((p) => p.vlan !== undefined);
  assert.equal(tagged.length, 1);
  assert.deepEqual(
    { vlan: tagged[0]?.vlan, src: tagged[0]?.src, dst: tagged[0]?.dst, dstPort: tagged[0]?.dstPort, length: tagged[0]?.length },
    { vlan: 100, src: '10.99.100.1', dst: '10.99.100.2', dstPort: 9999, length: 4 },
  );
});

test('IPv6 extension headers (hop-by-hop on MLD reports and on UDP) are walked', () => {
  const rows = decodeCapture(bytes('eth-veth.pcap'));
  const udp = rows.find((p) => p.ipVersion === 6 && p.proto === 'udp');
  assert.deepEqual(
    udp && { src: udp.src, srcPort: udp.srcPort, dst: udp.dst, dstPort: udp.dstPort, length: udp.length },
    { src: 'fd99::1', srcPort: 40054, dst: 'fd99::2', dstPort: 9999, length: 10 },
  );
  const mld = rows.filter((p) => p.dst === 'ff02::16');
  assert.ok(mld.length > 0);
  assert.ok(mld.every((p) => p.proto === 'icmp' && p.length === 48));
});

test('-i any, Linux cooked v2 (tcpdump default): interface names from ip link and directions match tcpdump', () => {
  const ifNames = parseIpLinkNames(text('ns-a.links'));
  assert.deepEqual([...ifNames], [
    [1, 'lo'],
    [2, 'veth-a'],
    [3, 'kpctun0'],
  ]);
  const cap = decodeCaptureDetailed(bytes('any-sll2.pcap'), { ifNames });
  assert.equal(cap.interfaces[0]?.linkType, 276);
  assertMatchesTcpdump(cap.packets, parseTcpdump(text('any-sll2.txt')), { timeTolerance: US, ifaces: true });
  const ifaces = new Set(cap.packets.map((p) => p.iface));
  assert.deepEqual([...ifaces].sort(), ['kpctun0', 'lo', 'veth-a']);
});

test('SLL2 without a name map falls back to "ifindex N"; a plain object map works too', () => {
  const rows = decodeCapture(bytes('any-sll2.pcap'));
  assert.ok(rows.every((p) => /^ifindex [123]$/.test(p.iface ?? '')));
  const named = decodeCapture(bytes('any-sll2.pcap'), { ifNames: { 1: 'lo', 2: 'eth0' } });
  assert.ok(named.some((p) => p.iface === 'eth0' && p.ifIndex === 2));
  assert.ok(named.some((p) => p.iface === 'ifindex 3'));
});

test('-i any, Linux cooked v1 (-y LINUX_SLL) matches tcpdump; directions agree with the SLL2 capture', () => {
  const cap = decodeCaptureDetailed(bytes('any-sll.pcap'));
  assert.equal(cap.interfaces[0]?.linkType, 113);
  // SLL v1 has no interface index, and tcpdump prints its direction only with -e.
  assertMatchesTcpdump(cap.packets, parseTcpdump(text('any-sll.txt')), { timeTolerance: US, ifaces: false });
  // Both cooked captures ran side by side on the same traffic (each socket stamps its own
  // copy, so times differ by microseconds): every packet's direction must agree.
  const v2 = decodeCapture(bytes('any-sll2.pcap'));
  const same = (a: DecodedPacket, b: DecodedPacket): boolean =>
    a.src === b.src && a.dst === b.dst && a.srcPort === b.srcPort && a.dstPort === b.dstPort && a.flags === b.flags && a.length === b.length;
  assert.equal(v2.length, cap.packets.length);
  for (const p of cap.packets) {
    const twin = v2.filter((q) => same(p, q)).sort((a, b) => Math.abs(a.time - p.time) - Math.abs(b.time - p.time))[0];
    assert.ok(twin && Math.abs(twin.time - p.time) < 1e-3, formatPacketRow(p));
    assert.equal(p.direction, twin.direction, formatPacketRow(p));
  }
  assert.ok(cap.packets.every((p) => p.iface === undefined));
});

test('raw IP from a tun device (LINKTYPE_RAW 101), and the same bytes labelled DLT_RAW 12', () => {
  const raw = bytes('raw-tun.pcap');
  const cap = decodeCaptureDetailed(raw, { iface: 'kpctun0' });
  assert.equal(cap.interfaces[0]?.linkType, 101);
  const want = parseTcpdump(text('raw-tun.txt'));
  // ICMP echo, TCP SYN over IPv4 and IPv6, UDP over IPv6 with a hop-by-hop header.
  assert.deepEqual([...new Set(cap.packets.map((p) => `${p.proto}/${p.ipVersion}`))].sort(), ['icmp/4', 'tcp/4', 'tcp/6', 'udp/6']);
  assertMatchesTcpdump(cap.packets, want, { timeTolerance: US, ifaces: false });
  const relabelled = raw.slice();
  new DataView(relabelled.buffer).setUint32(20, 12, true);
  assert.deepEqual(decodeCapture(relabelled, { iface: 'kpctun0' }), cap.packets);
});

test('pcapng from dumpcap on two interfaces: names from the IDBs, rows match tcpdump', () => {
  const cap = decodeCaptureDetailed(bytes('ng-multi.pcapng'));
  assert.equal(cap.format, 'pcapng');
  assert.deepEqual(cap.interfaces, [
    { id: 0, linkType: 1, name: 'veth-a' },
    // Linux loopback is captured Ethernet-framed (all-zero MAC addresses).
    { id: 1, linkType: 1, name: 'lo' },
  ]);
  // dumpcap stamps in nanoseconds; tcpdump prints them truncated to microseconds.
  assertMatchesTcpdump(cap.packets, parseTcpdump(text('ng-multi.txt')), { timeTolerance: 1e-6 + US, ifaces: false });
  for (const p of cap.packets) assert.equal(p.iface, p.src.startsWith('127.') ? 'lo' : 'veth-a', formatPacketRow(p));
  assert.ok(cap.packets.some((p) => p.iface === 'lo'));
});

/** Re-encode a little-endian classic pcap with big-endian headers (packet bytes unchanged). */
function toBigEndianPcap(le: Uint8Array): Uint8Array {
  const out = le.slice();
  const src = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const dst = new DataView(out.buffer);
  dst.setUint32(0, src.getUint32(0, true), false);
  dst.setUint16(4, src.getUint16(4, true), false);
  dst.setUint16(6, src.getUint16(6, true), false);
  for (const o of [8, 12, 16, 20]) dst.setUint32(o, src.getUint32(o, true), false);
  let off = 24;
  while (off + 16 <= le.length) {
    for (const o of [0, 4, 8, 12]) dst.setUint32(off + o, src.getUint32(off + o, true), false);
    off += 16 + src.getUint32(off + 8, true);
  }
  return out;
}

test('big-endian classic pcap (nano magic) decodes to the same rows', () => {
  const le = bytes('eth-veth-nano.pcap');
  const be = decodeCaptureDetailed(toBigEndianPcap(le));
  assert.equal(be.byteOrder, 'be');
  assert.equal(be.precision, 'ns');
  assert.deepEqual(be.packets, decodeCapture(le));
});

/** Minimal pcapng writer for layouts dumpcap does not produce (big-endian, SPB, tsresol). */
function pcapng(le: boolean, blocks: { type: number; body: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const b of [{ type: 0x0a0d0d0a, body: shbBody(le) }, ...blocks]) {
    const len = 12 + ((b.body.length + 3) & ~3);
    const buf = new Uint8Array(len);
    const v = new DataView(buf.buffer);
    v.setUint32(0, b.type, le);
    v.setUint32(4, len, le);
    buf.set(b.body, 8);
    v.setUint32(len - 4, len, le);
    parts.push(buf);
  }
  return Buffer.concat(parts);
}
function shbBody(le: boolean): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x1a2b3c4d, le);
  v.setUint16(4, 1, le);
  v.setBigInt64(8, -1n, le);
  return b;
}
function idb(le: boolean, linkType: number, name: string, tsresol?: number): { type: number; body: Uint8Array } {
  const nameBytes = new TextEncoder().encode(name);
  const opts: number[] = [];
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint16(0, linkType, le);
  new DataView(head.buffer).setUint32(4, 65535, le);
  const opt = (code: number, value: Uint8Array): void => {
    const h = new Uint8Array(4);
    new DataView(h.buffer).setUint16(0, code, le);
    new DataView(h.buffer).setUint16(2, value.length, le);
    opts.push(...h, ...value, ...new Uint8Array(((value.length + 3) & ~3) - value.length));
  };
  opt(2, nameBytes);
  if (tsresol !== undefined) opt(9, Uint8Array.of(tsresol));
  opts.push(0, 0, 0, 0);
  return { type: 1, body: Uint8Array.from([...head, ...opts]) };
}
function epb(le: boolean, ifId: number, ts: bigint, frame: Uint8Array, flags?: number): { type: number; body: Uint8Array } {
  const pad = ((frame.length + 3) & ~3) - frame.length;
  const optLen = flags === undefined ? 0 : 12;
  const body = new Uint8Array(20 + frame.length + pad + optLen);
  const v = new DataView(body.buffer);
  v.setUint32(0, ifId, le);
  v.setUint32(4, Number(ts >> 32n), le);
  v.setUint32(8, Number(ts & 0xffffffffn), le);
  v.setUint32(12, frame.length, le);
  v.setUint32(16, frame.length, le);
  body.set(frame, 20);
  if (flags !== undefined) {
    const o = 20 + frame.length + pad;
    v.setUint16(o, 2, le);
    v.setUint16(o + 2, 4, le);
    v.setUint32(o + 4, flags, le);
  }
  return { type: 6, body };
}
function spb(le: boolean, frame: Uint8Array): { type: number; body: Uint8Array } {
  const body = new Uint8Array(4 + frame.length);
  new DataView(body.buffer).setUint32(0, frame.length, le);
  body.set(frame, 4);
  return { type: 3, body };
}

/** The real Ethernet frames of the first few packets of eth-veth.pcap. */
function realFrames(n: number): { frame: Uint8Array; sec: number; usec: number }[] {
  const b = bytes('eth-veth.pcap');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { frame: Uint8Array; sec: number; usec: number }[] = [];
  let off = 24;
  while (out.length < n) {
    const len = v.getUint32(off + 8, true);
    out.push({ sec: v.getUint32(off, true), usec: v.getUint32(off + 4, true), frame: b.slice(off + 16, off + 16 + len) });
    off += 16 + len;
  }
  return out;
}

for (const le of [true, false]) {
  test(`pcapng ${le ? 'little' : 'big'}-endian: IDB names, if_tsresol, EPB flags, SPB`, () => {
    const frames = realFrames(8);
    const blocks = [idb(le, 1, 'eth0'), idb(le, 1, 'eth1', 9)];
    frames.slice(0, 7).forEach((f, i) => {
      const micro = BigInt(f.sec) * 1_000_000n + BigInt(f.usec);
      // Alternate interfaces: default microsecond resolution on eth0, nanoseconds on eth1.
      blocks.push(i % 2 === 0 ? epb(le, 0, micro, f.frame, 1) : epb(le, 1, micro * 1000n, f.frame, 2));
    });
    const last = frames[7];
    assert.ok(last);
    blocks.push(spb(le, last.frame));
    // What the same frames decode to on their own (ARP frames decode to nothing).
    const reference = frames
      .map((f) => decodeFrame(1, f.frame, f.sec + f.usec / 1e6))
      .filter((r): r is DecodedPacket => r !== undefined);
    const cap = decodeCaptureDetailed(pcapng(le, blocks));
    assert.deepEqual(
      cap.interfaces.map((i) => i.name),
      ['eth0', 'eth1'],
    );
    const rows = cap.packets;
    assert.equal(cap.skipped, frames.length - reference.length);
    assert.deepEqual(
      rows.map((r) => [r.src, r.dst, r.proto, r.srcPort, r.dstPort, r.flags, r.length]),
      reference.map((r) => [r.src, r.dst, r.proto, r.srcPort, r.dstPort, r.flags, r.length]),
    );
    // EPB times at both resolutions; the SPB (no timestamp) carries the previous one forward.
    rows.slice(0, -1).forEach((r, i) => assert.ok(Math.abs(r.time - (reference[i]?.time ?? 0)) < 1e-6));
    assert.equal(rows[rows.length - 1]?.time, rows[rows.length - 2]?.time);
    assert.ok(rows.some((r) => r.iface === 'eth0' && r.direction === 'in'));
    assert.ok(rows.some((r) => r.iface === 'eth1' && r.direction === 'out'));
    const simple = rows[rows.length - 1];
    assert.equal(simple?.iface, 'eth0', 'SPB belongs to interface 0');
    assert.equal(simple?.direction, undefined);
  });
}

test('a capture cut short mid-record keeps the complete packets and says truncated', () => {
  const b = bytes('eth-veth.pcap');
  const full = decodeCaptureDetailed(b);
  const cut = decodeCaptureDetailed(b.subarray(0, b.length - 10));
  assert.equal(cut.truncated, true);
  assert.equal(cut.packets.length, full.packets.length - 1);
  const ng = bytes('ng-multi.pcapng');
  const ngCut = decodeCaptureDetailed(ng.subarray(0, ng.length - 3));
  assert.equal(ngCut.truncated, true);
});

test('not a capture: CaptureFormatError', () => {
  assert.throws(() => decodeCaptureDetailed(new TextEncoder().encode('<html>nope</html>')), CaptureFormatError);
  assert.throws(() => decodeCaptureDetailed(new Uint8Array(2)), CaptureFormatError);
});

test('synsTo / firstSyn select connection-opening SYNs only', () => {
  const rows = decodeCapture(bytes('eth-veth.pcap'));
  const syns = synsTo(rows, { dst: '10.99.0.2', dstPort: 8080 });
  // Two IPv4 connections to the HTTP server: one plain, one with ECN ([SEW]).
  assert.deepEqual(
    syns.map((s) => s.flags),
    ['S', 'SEW'],
  );
  assert.ok(syns.every(isSyn));
  assert.equal(synsTo(rows, { dst: 'fd99::2' }).length, 1);
  assert.equal(synsTo(rows, { dstPort: 8081 }).length, 1, 'the SYN answered by RST is still a SYN');
  const first = firstSyn(rows, { dstPort: 8080 });
  assert.equal(first?.dst, '10.99.0.2');
  assert.equal(first?.flags, 'S');
  assert.equal(firstSyn(rows, { dst: '192.0.2.1' }), undefined);
  // SYN-ACKs are not SYNs.
  assert.ok(rows.some((r) => r.flags === 'S.'));
  assert.ok(!synsTo(rows).some((r) => r.flags === 'S.' || r.flags === 'S.E'));
});

test('tcpFlagsString follows tcpdump', () => {
  assert.equal(tcpFlagsString(0x02), 'S');
  assert.equal(tcpFlagsString(0x12), 'S.');
  assert.equal(tcpFlagsString(0x18), 'P.');
  assert.equal(tcpFlagsString(0x11), 'F.');
  assert.equal(tcpFlagsString(0x04), 'R');
  assert.equal(tcpFlagsString(0x14), 'R.');
  assert.equal(tcpFlagsString(0x10), '.');
  assert.equal(tcpFlagsString(0xc2), 'SEW');
  assert.equal(tcpFlagsString(0), 'none');
});

test('ipv6String compresses like inet_ntop', () => {
  const v6 = (s: string): Uint8Array => {
    const [head = '', tail = ''] = s.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return Uint8Array.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
  };
  for (const s of ['::', '::1', 'fd99::2', 'fe80::aff:fe63:1', '2001:db8:0:1:1:1:1:1', '2001:db8::1:0:0:1', 'ff02::1:ff00:2']) {
    assert.equal(ipv6String(v6(s), 0), s);
  }
  assert.equal(ipv6String(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]), 0), '::ffff:10.0.0.1');
});

test('formatPacketRow prints a tcpdump-like line', () => {
  const row = synsTo(decodeCapture(bytes('any-sll2.pcap'), { ifNames: parseIpLinkNames(text('ns-a.links')) }))[0];
  assert.ok(row);
  assert.match(formatPacketRow(row), /^\d+\.\d{6} veth-a Out IP 10\.99\.0\.1\.\d+ > 10\.99\.0\.2\.8080: Flags \[S\], length 0$/);
});

test('live kind node (tcpdump -i any inside kpc-smoke-nftables-worker): SYNs to a ClusterIP leave DNATed to a pod', () => {
  const name = 'kind-kpc-smoke-nftables-worker';
  const ifNames = parseIpLinkNames(text(`${name}.links`));
  assert.equal(ifNames.get(1), 'lo');
  assert.ok([...ifNames.values()].some((n) => n.startsWith('veth')), 'pod veths listed');
  const cap = decodeCaptureDetailed(bytes(`${name}.pcap`), { ifNames });
  assert.equal(cap.interfaces[0]?.linkType, 276);
  assertMatchesTcpdump(cap.packets, parseTcpdump(text(`${name}.txt`)), { timeTolerance: US, ifaces: true });
  // The node curled the ClusterIP 10.96.171.74:80 three times; the wire shows only pod IPs.
  const syns = synsTo(cap.packets, { dstPort: 80 });
  assert.equal(syns.length, 3);
  assert.ok(syns.every((s) => /^10\.244\./.test(s.dst) && s.iface === 'eth0' && s.direction === 'out'));
  assert.ok(!cap.packets.some((p) => p.dst === '10.96.171.74' || p.src === '10.96.171.74'));
  assert.equal(firstSyn(cap.packets, { dstPort: 80 }), syns[0]);
});

test('a Buffer that is a view into a larger pool (non-zero byteOffset) decodes the same', () => {
  const plain = bytes('any-sll2.pcap');
  const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(plain)]).subarray(3);
  assert.notEqual(pooled.byteOffset, 0);
  assert.deepEqual(decodeCapture(pooled), decodeCapture(plain));
});
