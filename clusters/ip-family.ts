/**
 * IP families (https://kubernetes.io/docs/concepts/services-networking/dual-stack/): which
 * family an address is, an address of a family from a list, and an address as a URL host.
 * Pure; the one copy.
 */

/** The names Kubernetes uses in `spec.ipFamilies` of a Service. */
export type IpFamily = 'IPv4' | 'IPv6';
export const IP_FAMILIES: readonly IpFamily[] = ['IPv4', 'IPv6'];

/** A kind cluster's `networking.ipFamily` as this suite creates it (kind also knows `ipv6`). */
export type ClusterIpFamily = 'ipv4' | 'dual';

export function familyOf(ip: string): IpFamily {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return 'IPv4';
  if (ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip)) return 'IPv6';
  throw new Error(`not an IP address: "${ip}"`);
}

/** The first address of `family` in `ips`, or undefined. */
export function addressOf(ips: readonly string[], family: IpFamily): string | undefined {
  return ips.find((ip) => ip !== '' && familyOf(ip) === family);
}

/**
 * The families every list has an address of, in IPv4, IPv6 order (a cluster is dual-stack when
 * every node has an InternalIP of both). Empty lists count as no family.
 */
export function commonFamilies(lists: readonly (readonly string[])[]): IpFamily[] {
  if (!lists.length) return [];
  return IP_FAMILIES.filter((f) => lists.every((ips) => addressOf(ips, f) !== undefined));
}

/** An address as the host part of a URL: IPv6 in brackets (RFC 3986). */
export function urlHost(ip: string): string {
  return familyOf(ip) === 'IPv6' ? `[${ip}]` : ip;
}
