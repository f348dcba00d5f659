/**
 * The echo app behind a Service with spec fields the plain ServiceOpts do not carry
 * (sessionAffinity, internalTrafficPolicy, trafficDistribution, loadBalancerSourceRanges,
 * clusterIP: None, a service-proxy-name label): the catalogue cases of issue 9.
 */
import type { CaseContext } from '../run/fixtures.ts';
import type { KObject } from '../probes/kube.ts';
import { podsReady, readyEndpoints, serviceFact, type PodFact, type ServiceFact } from '../probes/waits.ts';
import { service, sourceIpApp, type ServiceOpts } from './workloads.ts';
import type { DeployedApp } from './deploy.ts';
import { networkAddresses } from '../../clusters/docker.ts';
import { parseCidr, pickFreeAddress } from '../../clusters/ipv4.ts';

export const ECHO = { selector: 'app=source-ip-app', labels: { app: 'source-ip-app' }, port: 8080 } as const;

/** A Service object from `o` with extra spec fields (and labels) merged in. */
export function serviceWith(ctx: CaseContext, o: Omit<ServiceOpts, 'ns' | 'selector'> & { selector?: Record<string, string> }, spec: Record<string, unknown>): KObject {
  const svc = service({ selector: { ...ECHO.labels }, ...o, ns: ctx.ns });
  return { ...svc, spec: { ...(svc.spec as Record<string, unknown>), ...spec } };
}

/**
 * source-ip-app with one replica per entry of `nodes` (a node may appear twice), plus the
 * Services; waits for the pods and, for each Service with a selector, for its ready endpoints.
 */
export async function deployEchoBehind(ctx: CaseContext, nodes: string[], services: KObject[], opts: { endpoints?: boolean } = {}): Promise<{ pods: PodFact[]; services: Map<string, ServiceFact> }> {
  const names = services.map((s) => s.metadata?.name ?? '?');
  await ctx.step(`deploy source-ip-app (${nodes.length} replica(s) on ${[...new Set(nodes)].join(', ')}) and Service(s) ${names.join(', ')}`, () =>
    ctx.apply([sourceIpApp(ctx.ns, ctx.images.echo, nodes), ...services]),
  );
  const pods = await ctx.step(`wait for ${nodes.length} ready pod(s)`, () => podsReady(ctx.kube, ctx.ns, ECHO.selector, nodes.length));
  const facts = new Map<string, ServiceFact>();
  for (const name of names) {
    if (opts.endpoints !== false) await ctx.step(`wait for ${nodes.length} ready endpoint(s) of ${name}`, () => readyEndpoints(ctx.kube, ctx.ns, name, nodes.length));
    facts.set(name, serviceFact((await ctx.kube.readService(ctx.ns, name)) as unknown as KObject));
  }
  await ctx.rec.json(`Service(s) ${names.join(', ')} and endpoints`, { services: Object.fromEntries(facts), specs: services.map((s) => s.spec), pods });
  return { pods, services: facts };
}

/** The first (only) Service of a deployEchoBehind result as a DeployedApp. */
export function appOf(r: { pods: PodFact[]; services: Map<string, ServiceFact> }, name: string): DeployedApp {
  const svc = r.services.get(name);
  if (!svc) throw new Error(`no Service ${name}`);
  return { pods: r.pods, svc, name };
}

/**
 * A free address on the nodes' Docker network for a second source address of the outside
 * client. Taken from another part of the subnet than freeExternalIp's (offsets 200 + 16 per
 * worker), so a case running concurrently that picks an external IP does not pick the same address.
 */
export async function secondClientAddress(ctx: CaseContext): Promise<{ ip: string; prefix: number }> {
  const network = ctx.cluster.network;
  if (!network) throw new Error('needs the nodes on a Docker network');
  const services = (await ctx.kube.core.listServiceForAllNamespaces()).items;
  const claimed = services.flatMap((s) => [...(s.spec?.externalIPs ?? []), ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '')]).filter(Boolean);
  const ip = pickFreeAddress(network.subnet, [...(await networkAddresses(network.name)), ...claimed], 240 + 4 * Number(process.env.TEST_PARALLEL_INDEX ?? 0));
  ctx.rec.observe(`second client address chosen from ${network.subnet}: ${ip}`);
  return { ip, prefix: parseCidr(network.subnet).prefix };
}
