/** IPv4 arithmetic (the kind network's subnet, MetalLB pools, external IPs). Pure; the one copy. */

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { network: number; size: number; prefix: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m?.[1] || !m[2]) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 30) throw new Error(`prefix /${prefix} out of range in ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { network: Math.floor(ipToInt(m[1]) / size) * size, size, prefix };
}

/**
 * An unused address for an ExternalIP test: `offset` hosts into the subnet (skipping the
 * gateway end), avoiding every address in `used` and the top `reservedTop` addresses (where
 * the MetalLB pool lives).
 */
export function pickFreeAddress(cidr: string, used: readonly string[], offset = 200, reservedTop = 64): string {
  const { network, size } = parseCidr(cidr);
  const taken = new Set(used.map(ipToInt));
  const last = network + size - 2 - reservedTop;
  for (let n = network + Math.min(offset, size / 2); n <= last; n++) {
    if (!taken.has(n)) return intToIp(n);
  }
  throw new Error(`no free address left in ${cidr} below the reserved top ${reservedTop}`);
}
