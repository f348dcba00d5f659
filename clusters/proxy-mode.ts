/** kube-proxy's modes: the one place they are named (clusters, harness and CLIs import this). */
export const PROXY_MODES = ['iptables', 'nftables', 'ipvs'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export function isProxyMode(s: string): s is ProxyMode {
  return (PROXY_MODES as readonly string[]).includes(s);
}
