/** Choosing an external IP for a Service: free on the nodes' Docker network and unclaimed in the cluster. */
import type { CaseContext } from '../run/fixtures.ts';
import { networkAddresses } from '../../clusters/docker.ts';
import { pickFreeAddress } from '../../clusters/ipv4.ts';

export async function freeExternalIp(ctx: CaseContext): Promise<string> {
  const network = ctx.cluster.network;
  if (!network) throw new Error('needs the nodes on a Docker network');
  const services = (await ctx.kube.core.listServiceForAllNamespaces()).items;
  const claimed = services.flatMap((s) => [...(s.spec?.externalIPs ?? []), ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '')]).filter(Boolean);
  // Concurrent workers start their search at different offsets, so two cases do not pick the same address.
  const offset = 200 + 16 * Number(process.env.TEST_PARALLEL_INDEX ?? 0);
  const ip = pickFreeAddress(network.subnet, [...(await networkAddresses(network.name)), ...claimed], offset);
  ctx.rec.observe(`external IP chosen from ${network.subnet}: ${ip}`);
  return ip;
}
