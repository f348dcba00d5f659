/**
 * Packet-capture decoding: classic pcap (either byte order, micro- or nanosecond timestamps)
 * and pcapng (SHB / IDB / EPB / SPB / obsolete PB), over the link types tcpdump writes on
 * Linux: Ethernet, Linux cooked v1 (SLL, `-y LINUX_SLL`), Linux cooked v2 (SLL2, the default
 * of `tcpdump -i any` since 4.99) and raw IP. 802.1Q / 802.1ad tags are skipped (the
 * innermost VLAN id is kept), IPv6 extension headers are walked. Every IPv4/IPv6 packet
 * becomes one row; other frames (ARP, LLDP, ...) are only counted.
 *
 * `length` follows tcpdump's trailing "length N": the TCP or UDP payload size, the ICMP
 * message size, or the IP payload size for other protocols — taken from the IP and UDP
 * headers, so it is right even when the capture's snap length cut the packet short.
 *
 * Pure: takes the bytes of a capture file, returns rows (`decodeCapture`). No I/O.
 */
import type { PacketRow } from '../../reports/model.ts';

/** Link-layer header types (LINKTYPE_* of the pcap / pcapng specifications). */
export const LINKTYPE = {
  ETHERNET: 1,
  /** DLT_RAW as some writers store it; LINKTYPE_RAW (101) is the registered value. */
  RAW_DLT: 12,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** Which way a packet went, where the link layer says so (SLL/SLL2 packet type, pcapng epb_flags). */
export type Direction = 'in' | 'out' | 'broadcast' | 'multicast' | 'other-host';

/** A PacketRow plus what else the capture told us about it. */
export interface DecodedPacket extends PacketRow {
  ipVersion: 4 | 6;
  direction?: Direction;
  /** Innermost 802.1Q VLAN id, when the frame was tagged. */
  vlan?: number;
  /** SLL2 interface index, kept even when it was mapped to a name. */
  ifIndex?: number;
}

export interface CaptureInterface {
  /** pcapng interface id (order of the IDBs in the section); 0 for classic pcap. */
  id: number;
  linkType: number;
  name?: string;
}

export interface DecodedCapture {
  format: 'pcap' | 'pcapng';
  /** Classic pcap only: the timestamp precision of the file. */
  precision?: 'us' | 'ns';
  /** Classic pcap only: byte order of the file's headers. */
  byteOrder?: 'le' | 'be';
  interfaces: CaptureInterface[];
  packets: DecodedPacket[];
  /** Frames that carried no IPv4/IPv6 packet (ARP and such) or used an unsupported link type. */
  skipped: number;
  /** The file ended in the middle of a record (e.g. tcpdump was killed mid-write). */
  truncated: boolean;
}

export interface DecodeOptions {
  /** Interface name for captures that do not carry one (a classic pcap taken with `-i eth0`). */
  iface?: string;
  /**
   * SLL2 interface index -> name, from the capturing host (see `parseIpLinkNames`). Without
   * it SLL2 packets get `iface: "ifindex N"`. Indexes are per network namespace.
   */
  ifNames?: ReadonlyMap<number, string> | Readonly<Record<number, string>>;
}

export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}

/**
 * The packet rows of a pcap or pcapng file, in file order. Throws CaptureFormatError when the
 * bytes are neither; a file cut short mid-record yields the complete records before the cut.
 */
export function decodeCapture(data: Uint8Array, opts: DecodeOptions = {}): DecodedPacket[] {
  return decodeCaptureDetailed(data, opts).packets;
}

/** Like decodeCapture, with the file's format, interfaces, skipped-frame count and truncation. */
export function decodeCaptureDetailed(data: Uint8Array, opts: DecodeOptions = {}): DecodedCapture {
  if (data.length < 4) throw new CaptureFormatError(`capture too short (${data.length} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magicLE = view.getUint32(0, true);
  if (magicLE === 0x0a0d0d0a) return decodePcapng(data, view, opts);
  for (const le of [true, false]) {
    const magic = view.getUint32(0, le);
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return decodePcap(data, view, le, magic === 0xa1b23c4d, opts);
  }
  throw new CaptureFormatError(`not a pcap or pcapng file (magic 0x${magicLE.toString(16).padStart(8, '0')})`);
}

function decodePcap(data: Uint8Array, view: DataView, le: boolean, nano: boolean, opts: DecodeOptions): DecodedCapture {
  if (data.length < 24) throw new CaptureFormatError('pcap global header truncated');
  // Bits 16-31 of the link type field may carry FCS information; the type is the low 16 bits.
  const linkType = view.getUint32(20, le) & 0xffff;
  const out: DecodedCapture = {
    format: 'pcap',
    precision: nano ? 'ns' : 'us',
    byteOrder: le ? 'le' : 'be',
    interfaces: [{ id: 0, linkType, ...(opts.iface ? { name: opts.iface } : {}) }],
    packets: [],
    skipped: 0,
    truncated: false,
  };
  const divisor = nano ? 1e9 : 1e6;
  let off = 24;
  while (off < data.length) {
    if (off + 16 > data.length) {
      out.truncated = true;
      break;
    }
    const sec = view.getUint32(off, le);
    const frac = view.getUint32(off + 4, le);
    const inclLen = view.getUint32(off + 8, le);
    off += 16;
    if (off + inclLen > data.length) {
      out.truncated = true;
      break;
    }
    const frame = data.subarray(off, off + inclLen);
    off += inclLen;
    const row = decodeFrame(linkType, frame, sec + frac / divisor, opts);
    if (row) {
      if (opts.iface && row.iface === undefined) row.iface = opts.iface;
      out.packets.push(row);
    } else out.skipped += 1;
  }
  return out;
}

interface NgInterface extends CaptureInterface {
  /** Timestamp units per second (if_tsresol). */
  unitsPerSecond: bigint;
  /** if_tsoffset, seconds. */
  offsetSeconds: number;
  snapLen: number;
}

function decodePcapng(data: Uint8Array, view: DataView, opts: DecodeOptions): DecodedCapture {
  const out: DecodedCapture = { format: 'pcapng', interfaces: [], packets: [], skipped: 0, truncated: false };
  let le = true;
  let ifaces: NgInterface[] = [];
  let lastTime = 0;
  let off = 0;
  while (off < data.length) {
    if (off + 12 > data.length) {
      out.truncated = true;
      break;
    }
    let type = view.getUint32(off, le);
    if (view.getUint32(off, true) === 0x0a0d0d0a) {
      // Section header: its byte-order magic decides how the whole section is read.
      const bom = view.getUint32(off + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new CaptureFormatError(`pcapng section at ${off}: bad byte-order magic`);
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = view.getUint32(off + 4, le);
    if (len < 12 || len % 4 !== 0) throw new CaptureFormatError(`pcapng block at ${off}: bad length ${len}`);
    if (off + len > data.length) {
      out.truncated = true;
      break;
    }
    const body = off + 8;
    const end = off + len - 4;
    switch (type) {
      case 0x00000001: {
        // Interface Description Block
        const linkType = view.getUint16(body, le);
        const snapLen = view.getUint32(body + 4, le);
        const iface: NgInterface = {
          id: ifaces.length,
          linkType,
          unitsPerSecond: 1_000_000n,
          offsetSeconds: 0,
          snapLen,
        };
        for (const opt of readOptions(view, data, body + 8, end, le)) {
          if (opt.code === 2) iface.name = utf8(opt.value);
          else if (opt.code === 9 && opt.value.length >= 1) {
            const r = opt.value[0] ?? 6;
            iface.unitsPerSecond = r & 0x80 ? 2n ** BigInt(r & 0x7f) : 10n ** BigInt(r);
          } else if (opt.code === 14 && opt.value.length >= 8) {
            iface.offsetSeconds = Number(new DataView(opt.value.buffer, opt.value.byteOffset, 8).getBigInt64(0, le));
          }
        }
        ifaces.push(iface);
        out.interfaces.push({ id: iface.id, linkType, ...(iface.name !== undefined ? { name: iface.name } : {}) });
        break;
      }
      case 0x00000006:
      case 0x00000002: {
        // Enhanced Packet Block / obsolete Packet Block
        const enhanced = type === 6;
        const ifId = enhanced ? view.getUint32(body, le) : view.getUint16(body, le);
        const ts = (BigInt(view.getUint32(body + 4, le)) << 32n) | BigInt(view.getUint32(body + 8, le));
        const capLen = view.getUint32(body + 12, le);
        const dataStart = body + 20;
        const frame = data.subarray(dataStart, Math.min(dataStart + capLen, end));
        const iface = ifaces[ifId];
        if (!iface) {
          out.skipped += 1;
          break;
        }
        const time = tsToSeconds(ts, iface);
        lastTime = time;
        let direction: Direction | undefined;
        if (enhanced) {
          for (const opt of readOptions(view, data, dataStart + pad4(capLen), end, le)) {
            if (opt.code === 2 && opt.value.length >= 4) {
              const flags = new DataView(opt.value.buffer, opt.value.byteOffset, 4).getUint32(0, le);
              if ((flags & 3) === 1) direction = 'in';
              else if ((flags & 3) === 2) direction = 'out';
            }
          }
        }
        pushFrame(out, iface, frame, time, direction, opts);
        break;
      }
      case 0x00000003: {
        // Simple Packet Block: interface 0, no timestamp (we carry the previous one forward).
        const iface = ifaces[0];
        if (!iface) {
          out.skipped += 1;
          break;
        }
        const origLen = view.getUint32(body, le);
        const capLen = Math.min(origLen, iface.snapLen || origLen, end - (body + 4));
        pushFrame(out, iface, data.subarray(body + 4, body + 4 + capLen), lastTime, undefined, opts);
        break;
      }
      default:
        // SHB (handled above), NRB, ISB, DSB, custom blocks: nothing to decode.
        break;
    }
    off += len;
  }
  return out;
}

function pushFrame(
  out: DecodedCapture,
  iface: NgInterface,
  frame: Uint8Array,
  time: number,
  direction: Direction | undefined,
  opts: DecodeOptions,
): void {
  const row = decodeFrame(iface.linkType, frame, time, opts);
  if (!row) {
    out.skipped += 1;
    return;
  }
  if (row.iface === undefined) {
    const name = iface.name ?? opts.iface;
    if (name !== undefined) row.iface = name;
  }
  if (direction && !row.direction) row.direction = direction;
  out.packets.push(row);
}

function tsToSeconds(ts: bigint, iface: NgInterface): number {
  const units = iface.unitsPerSecond;
  return Number(ts / units) + Number(ts % units) / Number(units) + iface.offsetSeconds;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function* readOptions(
  view: DataView,
  data: Uint8Array,
  start: number,
  end: number,
  le: boolean,
): Generator<{ code: number; value: Uint8Array }> {
  let p = start;
  while (p + 4 <= end) {
    const code = view.getUint16(p, le);
    const len = view.getUint16(p + 2, le);
    if (code === 0) return;
    if (p + 4 + len > end) return;
    yield { code, value: data.subarray(p + 4, p + 4 + len) };
    p += 4 + pad4(len);
  }
}

const utf8Decoder = new TextDecoder('utf-8');
function utf8(b: Uint8Array): string {
  // Some writers include the terminating NUL in the option length.
  const nul = b.indexOf(0);
  return utf8Decoder.decode(nul >= 0 ? b.subarray(0, nul) : b);
}

const SLL_PACKET_TYPES: readonly (Direction | undefined)[] = ['in', 'broadcast', 'multicast', 'other-host', 'out'];

/**
 * Decode one link-layer frame into a row, or undefined when it carries no IPv4/IPv6 packet
 * (or the link type is not supported). `time` is passed through.
 */
export function decodeFrame(linkType: number, frame: Uint8Array, time: number, opts: DecodeOptions = {}): DecodedPacket | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let etherType: number;
  let off: number;
  let direction: Direction | undefined;
  let ifIndex: number | undefined;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (frame.length < 14) return undefined;
      etherType = view.getUint16(12);
      off = 14;
      break;
    case LINKTYPE.LINUX_SLL:
      if (frame.length < 16) return undefined;
      direction = SLL_PACKET_TYPES[view.getUint16(0)];
      etherType = view.getUint16(14);
      off = 16;
      break;
    case LINKTYPE.LINUX_SLL2:
      if (frame.length < 20) return undefined;
      etherType = view.getUint16(0);
      ifIndex = view.getUint32(4);
      direction = SLL_PACKET_TYPES[view.getUint8(10)];
      off = 20;
      break;
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      const v = frame.length > 0 ? (frame[0] ?? 0) >> 4 : 0;
      etherType = v === 4 ? 0x0800 : v === 6 ? 0x86dd : 0;
      off = 0;
      break;
    }
    default:
      return undefined;
  }
  let vlan: number | undefined;
  while ((etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) && off + 4 <= frame.length) {
    vlan = view.getUint16(off) & 0x0fff;
    etherType = view.getUint16(off + 2);
    off += 4;
  }
  let row: DecodedPacket | undefined;
  if (etherType === 0x0800) row = decodeIPv4(frame, view, off, time);
  else if (etherType === 0x86dd) row = decodeIPv6(frame, view, off, time);
  if (!row) return undefined;
  if (direction) row.direction = direction;
  if (vlan !== undefined) row.vlan = vlan;
  if (ifIndex !== undefined) {
    row.ifIndex = ifIndex;
    row.iface = lookupIfName(opts.ifNames, ifIndex) ?? `ifindex ${ifIndex}`;
  }
  return row;
}

function lookupIfName(names: DecodeOptions['ifNames'], index: number): string | undefined {
  if (!names) return undefined;
  if (names instanceof Map) return names.get(index);
  return (names as Readonly<Record<number, string>>)[index];
}

function decodeIPv4(frame: Uint8Array, view: DataView, off: number, time: number): DecodedPacket | undefined {
  if (off + 20 > frame.length) return undefined;
  const b0 = frame[off] ?? 0;
  if (b0 >> 4 !== 4) return undefined;
  const ihl = (b0 & 0x0f) * 4;
  if (ihl < 20) return undefined;
  let total = view.getUint16(off + 2);
  // TSO/GSO super-packets may carry 0 here; fall back to what was captured.
  if (total === 0) total = frame.length - off;
  const fragOffset = view.getUint16(off + 6) & 0x1fff;
  const proto = frame[off + 9] ?? 0;
  const src = ipv4String(frame, off + 12);
  const dst = ipv4String(frame, off + 16);
  return decodeL4(frame, view, off + ihl, Math.max(0, total - ihl), proto, fragOffset === 0, src, dst, 4, time);
}

/** IPv6 extension headers we step over: hop-by-hop, routing, fragment, destination options, AH, mobility, HIP, shim6. */
const IPV6_EXT = new Set([0, 43, 44, 60, 51, 135, 139, 140]);

function decodeIPv6(frame: Uint8Array, view: DataView, off: number, time: number): DecodedPacket | undefined {
  if (off + 40 > frame.length) return undefined;
  if ((frame[off] ?? 0) >> 4 !== 6) return undefined;
  let remaining = view.getUint16(off + 4);
  if (remaining === 0) remaining = frame.length - off - 40; // jumbogram or GSO
  let next = frame[off + 6] ?? 59;
  const src = ipv6String(frame, off + 8);
  const dst = ipv6String(frame, off + 24);
  let p = off + 40;
  let firstFragment = true;
  while (IPV6_EXT.has(next)) {
    if (p + 8 > frame.length) return row6(src, dst, time, remaining); // header chain not captured
    let extLen: number;
    if (next === 44) {
      extLen = 8;
      if ((view.getUint16(p + 2) & 0xfff8) !== 0) firstFragment = false;
    } else if (next === 51) extLen = ((frame[p + 1] ?? 0) + 2) * 4;
    else extLen = ((frame[p + 1] ?? 0) + 1) * 8;
    next = frame[p] ?? 59;
    p += extLen;
    remaining -= extLen;
  }
  return decodeL4(frame, view, p, Math.max(0, remaining), next, firstFragment, src, dst, 6, time);
}

function row6(src: string, dst: string, time: number, length: number): DecodedPacket {
  return { time, proto: 'other', src, dst, length: Math.max(0, length), ipVersion: 6 };
}

function decodeL4(
  frame: Uint8Array,
  view: DataView,
  off: number,
  l4len: number,
  proto: number,
  hasHeader: boolean,
  src: string,
  dst: string,
  ipVersion: 4 | 6,
  time: number,
): DecodedPacket {
  const row: DecodedPacket = { time, proto: 'other', src, dst, length: l4len, ipVersion };
  if (proto === 6) {
    row.proto = 'tcp';
    if (hasHeader && off + 14 <= frame.length) {
      row.srcPort = view.getUint16(off);
      row.dstPort = view.getUint16(off + 2);
      const doff = ((frame[off + 12] ?? 0) >> 4) * 4;
      row.flags = tcpFlagsString(frame[off + 13] ?? 0);
      row.length = Math.max(0, l4len - doff);
    }
  } else if (proto === 17) {
    row.proto = 'udp';
    if (hasHeader && off + 8 <= frame.length) {
      row.srcPort = view.getUint16(off);
      row.dstPort = view.getUint16(off + 2);
      const ulen = view.getUint16(off + 4);
      row.length = Math.max(0, (ulen >= 8 ? ulen : l4len) - 8);
    }
  } else if (proto === 1 || proto === 58) {
    row.proto = 'icmp';
  }
  return row;
}

const TCP_FLAG_CHARS: readonly [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

/** TCP flags byte as tcpdump prints it inside `Flags [...]`: S, S., P., F., R., ., SEW, none. */
export function tcpFlagsString(flags: number): string {
  let s = '';
  for (const [bit, ch] of TCP_FLAG_CHARS) if (flags & bit) s += ch;
  return s === '' ? 'none' : s;
}

function ipv4String(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text form, like inet_ntop: lower case, longest zero run (>= 2 groups) as `::`. */
export function ipv6String(b: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[off + 2 * i] ?? 0) << 8) | (b[off + 2 * i + 1] ?? 0));
  // IPv4-mapped addresses print their last 32 bits dotted, as inet_ntop does.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4String(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Which packets a filter selects: all given fields must match. */
export interface SynFilter {
  dst?: string;
  dstPort?: number;
  src?: string;
  iface?: string;
}

function matches(row: PacketRow, f: SynFilter): boolean {
  return (
    (f.dst === undefined || row.dst === f.dst) &&
    (f.dstPort === undefined || row.dstPort === f.dstPort) &&
    (f.src === undefined || row.src === f.src) &&
    (f.iface === undefined || row.iface === f.iface)
  );
}

/** True for a connection-opening SYN: SYN set, ACK not set. */
export function isSyn(row: PacketRow): boolean {
  return row.proto === 'tcp' && row.flags !== undefined && row.flags.includes('S') && !row.flags.includes('.');
}

/** Connection-opening SYNs (SYN without ACK) matching the filter, in capture order. */
export function synsTo<T extends PacketRow>(rows: readonly T[], filter: SynFilter = {}): T[] {
  return rows.filter((r) => isSyn(r) && matches(r, filter));
}

/** The earliest connection-opening SYN matching the filter, or undefined. */
export function firstSyn<T extends PacketRow>(rows: readonly T[], filter: SynFilter = {}): T | undefined {
  let best: T | undefined;
  for (const r of synsTo(rows, filter)) if (!best || r.time < best.time) best = r;
  return best;
}

function endpoint(ip: string, port: number | undefined): string {
  return port === undefined ? ip : `${ip}.${port}`;
}

/**
 * One line in tcpdump's style for evidence text, e.g.
 * `1700000000.123456 eth0 In IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], length 0`.
 */
export function formatPacketRow(row: PacketRow & { direction?: Direction }): string {
  const dir = row.direction ? ` ${DIRECTION_TEXT[row.direction]}` : '';
  const iface = row.iface !== undefined ? ` ${row.iface}${dir}` : dir;
  const ipTag = row.src.includes(':') ? 'IP6' : 'IP';
  const what =
    row.proto === 'tcp'
      ? `Flags [${row.flags ?? '?'}], length ${row.length}`
      : row.proto === 'udp'
        ? `UDP, length ${row.length}`
        : row.proto === 'icmp'
          ? `ICMP, length ${row.length}`
          : `length ${row.length}`;
  return `${row.time.toFixed(6)}${iface} ${ipTag} ${endpoint(row.src, row.srcPort)} > ${endpoint(row.dst, row.dstPort)}: ${what}`;
}

const DIRECTION_TEXT: Record<Direction, string> = {
  in: 'In',
  out: 'Out',
  broadcast: 'B',
  multicast: 'M',
  'other-host': 'P',
};

/**
 * Interface index -> name from `ip -o link show` (or `ip link show`) output, for SLL2
 * captures. Names lose their `@peer` suffix (`eth0@if5` -> `eth0`).
 */
export function parseIpLinkNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^(\d+):\s+([^:\s]+?)(?:@[^:\s]+)?:\s/.exec(line);
    if (m?.[1] && m[2]) names.set(Number(m[1]), m[2]);
  }
  return names;
}
