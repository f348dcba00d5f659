/**
 * Cases that run once per IP family of the cluster (docs/dualstack.md): the Service of each
 * family, its row keys and its endpoints. On a single-stack cluster there is one family and
 * everything is exactly as before (same Service, same row keys); on a dual-stack cluster each
 * family gets its own single-stack Service (`spec.ipFamilies`,
 * https://kubernetes.io/docs/concepts/services-networking/dual-stack/#services) and the IPv6
 * rows carry ` [IPv6]`, so the IPv4 rows line up with the single-stack columns.
 */
import { addressOf, urlHost, type IpFamily } from '../../clusters/ip-family.ts';
import type { ExpectationTable } from '../judge/expectations.ts';
import type { SourceProbe } from '../judge/scenarios.ts';
import { asFamily, type Runner } from '../probes/runners.ts';
import type { CaseContext } from '../run/fixtures.ts';
import type { PodFact, ServiceFact } from '../probes/waits.ts';
import { deployEcho } from './deploy.ts';
import { nodeRole } from './roles.ts';
import { deployEchoBehind, ECHO, serviceWith } from './service-spec.ts';
import type { ServiceOpts } from './workloads.ts';

/** The row key of `key` for `family`: unchanged unless the cluster has several families and this is IPv6. */
export function familyKey<K extends string>(key: K, family: IpFamily, families: readonly IpFamily[]): K | `${K} [IPv6]` {
  return family === 'IPv6' && families.length > 1 ? `${key} [IPv6]` : key;
}

/** The Service name for `family`: `name`, and `name-ipv6` for the IPv6 Service of a dual-stack cluster. */
export function familyServiceName(name: string, family: IpFamily, families: readonly IpFamily[]): string {
  return family === 'IPv6' && families.length > 1 ? `${name}-ipv6` : name;
}

/** spec fields that pin a Service to one family on a multi-family cluster (nothing on a single-stack one). */
export function familyServiceSpec(family: IpFamily, families: readonly IpFamily[]): Record<string, unknown> {
  return families.length > 1 ? { ipFamilies: [family], ipFamilyPolicy: 'SingleStack' } : {};
}

/** The pods' addresses of `family` as scenario endpoints (the echo server's port). */
export function endpointsOf(pods: readonly PodFact[], family: IpFamily, port: number = ECHO.port): { ip: string; port: number; node: string }[] {
  return pods.map((p) => {
    const ip = addressOf(p.ips, family);
    if (!ip) throw new Error(`pod ${p.name} has no ${family} address (podIPs: ${p.ips.join(', ') || 'none'})`);
    return { ip, port, node: p.node };
  });
}

export interface FamilyService {
  family: IpFamily;
  name: string;
  svc: ServiceFact;
}

/**
 * source-ip-app pinned to `nodes` behind one Service per family of the cluster (`svc` named per
 * family). One family: exactly deployEcho.
 */
export async function deployEchoPerFamily(ctx: CaseContext, nodes: string[], svc: Omit<ServiceOpts, 'ns' | 'selector'>): Promise<{ pods: PodFact[]; services: FamilyService[] }> {
  const families = ctx.ipFamilies;
  if (families.length <= 1) {
    const app = await deployEcho(ctx, nodes, svc);
    return { pods: app.pods, services: [{ family: families[0] ?? 'IPv4', name: app.name, svc: app.svc }] };
  }
  const objs = families.map((f) => serviceWith(ctx, { ...svc, name: familyServiceName(svc.name, f, families) }, familyServiceSpec(f, families)));
  const r = await deployEchoBehind(ctx, nodes, objs);
  return {
    pods: r.pods,
    services: families.map((family) => {
      const name = familyServiceName(svc.name, family, families);
      const fact = r.services.get(name);
      if (!fact) throw new Error(`no Service ${name}`);
      return { family, name, svc: fact };
    }),
  };
}

/**
 * The outside client to the nodePort of every node, for each family's Service: the paths of the
 * NodePort source-IP cases. Rows are `outside -> endpoint node : nodePort` and
 * `outside -> node without endpoint : nodePort` (` [IPv6]` on a dual-stack cluster).
 */
export function nodePortPathsFromOutside<Row extends string>(ctx: CaseContext, app: { pods: PodFact[]; services: FamilyService[] }, outside: Runner, table: ExpectationTable<Row>): SourceProbe[] {
  const endpointNodes = app.pods.map((p) => p.node);
  return app.services.flatMap((s) => {
    const nodePort = s.svc.ports[0]?.nodePort;
    if (!nodePort) throw new Error(`Service ${s.name} got no nodePort`);
    return ctx.cluster.nodes.map((n) => {
      const row = `outside -> ${nodeRole(n.name, endpointNodes)} : nodePort` as Row;
      const nodeIp = addressOf(n.ips, s.family);
      if (!nodeIp) throw new Error(`node ${n.name} has no ${s.family} InternalIP (${n.ips.join(', ')})`);
      return { key: familyKey(row, s.family, ctx.ipFamilies), from: asFamily(outside, s.family), url: `http://${urlHost(nodeIp)}:${nodePort}/`, expectation: ctx.expectation(table, row), receivingNode: n.name };
    });
  });
}
