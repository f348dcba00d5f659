/** Deploy-and-wait steps shared by cases: an app, its Service, and the facts tests need. */
import type { CaseContext } from '../run/fixtures.ts';
import { podsReady, readyEndpoints, serviceFact, type PodFact, type ServiceFact } from '../probes/waits.ts';
import { service, sourceIpApp, udpEchoApp, type ServiceOpts } from './workloads.ts';
import { UDP_ECHO_SERVER } from '../probes/udp.ts';
import type { KObject } from '../probes/kube.ts';

export interface DeployedApp {
  pods: PodFact[];
  svc: ServiceFact;
  name: string;
}

/** `source-ip-app` (echo server on 8080) pinned to `nodes`, exposed by `svc`. */
export async function deployEcho(ctx: CaseContext, nodes: string[], svc: Omit<ServiceOpts, 'ns' | 'selector'>): Promise<DeployedApp> {
  return deployApp(ctx, sourceIpApp(ctx.ns, ctx.images.echo, nodes), 'app=source-ip-app', nodes.length, { ...svc, selector: { app: 'source-ip-app' } });
}

/** Our UDP echo server (probes/udp.ts) on `port`/UDP, pinned to `nodes`, exposed by `svc` (ports must say protocol UDP). */
export async function deployUdpEcho(ctx: CaseContext, nodes: string[], port: number, svc: Omit<ServiceOpts, 'ns' | 'selector'>): Promise<DeployedApp> {
  return deployApp(ctx, udpEchoApp(ctx.ns, ctx.images.tools, UDP_ECHO_SERVER, port, nodes), 'app=udp-echo', nodes.length, { ...svc, selector: { app: 'udp-echo' } });
}

export async function deployApp(ctx: CaseContext, workload: KObject, labelSelector: string, replicas: number, svc: Omit<ServiceOpts, 'ns'>): Promise<DeployedApp> {
  await ctx.step(`deploy ${workload.metadata?.name} (${replicas} replica(s)) and Service ${svc.name} (${svc.type ?? 'ClusterIP'})`, () =>
    ctx.apply([workload, service({ ...svc, ns: ctx.ns })]),
  );
  const pods = await ctx.step(`wait for ${replicas} ready pod(s)`, () => podsReady(ctx.kube, ctx.ns, labelSelector, replicas));
  await ctx.step(`wait for ${replicas} ready endpoint(s) of ${svc.name}`, () => readyEndpoints(ctx.kube, ctx.ns, svc.name, replicas));
  const fact = serviceFact((await ctx.kube.readService(ctx.ns, svc.name)) as unknown as KObject);
  await ctx.rec.json(`Service ${svc.name} and endpoints`, { service: fact, pods });
  return { pods, svc: fact, name: svc.name };
}

/** Attaches the part of `node`'s dataplane that belongs to the Service (rule evidence). */
export async function attachServiceRules(ctx: CaseContext, serviceName: string, node: string, addresses?: readonly string[]): Promise<string> {
  const runner = ctx.cluster.nodes.find((n) => n.name === node)?.runner;
  if (!runner) return '';
  const dump = await ctx.step(`dump ${ctx.impl.dataplane.tool} on ${node}`, () => ctx.dumpDataplane(node));
  const excerpt = ctx.impl.dataplane.serviceRules(dump.text, { namespace: ctx.ns, name: serviceName, ...(addresses ? { addresses } : {}) });
  await ctx.rec.text('rules', `${dump.tool} on ${node}: rules of ${ctx.ns}/${serviceName}`, excerpt || `(no rules mention ${ctx.ns}/${serviceName})`);
  return excerpt;
}
