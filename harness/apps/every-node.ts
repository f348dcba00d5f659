/**
 * The "through every node" shape shared by the NodePort, LoadBalancer and external-IP cases with
 * an endpoint on each worker: the outside client sends to every node in turn (by address, or
 * by a host route for a VIP), each path converges and is sampled, rows are keyed by the node's
 * role, and every endpoint must have answered some of the judged requests.
 */
import type { Check } from '../../reports/model.ts';
import type { ExpectationTable } from '../judge/expectations.ts';
import { everyEndpointServed, runSourceScenario } from '../judge/scenarios.ts';
import type { ContainerRunner } from '../probes/runners.ts';
import type { NodeFact } from '../run/cluster-under-test.ts';
import type { CaseContext } from '../run/fixtures.ts';
import type { DeployedApp } from './deploy.ts';
import { clearRoute, routeVia } from './lb.ts';
import { nodeRole, type NodeRole } from './roles.ts';

export interface EveryNodeTarget {
  url: string;
  /** An address the outside client routes through the node (a VIP or an external IP). */
  routeVia?: string;
}

export async function throughEveryNode<K extends string>(
  ctx: CaseContext,
  app: DeployedApp,
  outside: ContainerRunner,
  opts: { target(node: NodeFact): EveryNodeTarget; row(role: NodeRole): K; table: ExpectationTable<K> },
): Promise<Check[]> {
  const endpointNodes = app.pods.map((p) => p.node);
  const routed = new Set<string>();
  let rows: Check[];
  try {
    rows = await runSourceScenario(ctx, {
      endpoints: app.pods.map((p) => ({ ip: p.ip, port: 8080, node: p.node })),
      probes: ctx.cluster.nodes.map((n) => {
        const t = opts.target(n);
        const key = opts.row(nodeRole(n.name, endpointNodes));
        if (t.routeVia) routed.add(t.routeVia);
        return { key, from: outside, url: t.url, expectation: ctx.expectation(opts.table, key), receivingNode: n.name, ...(t.routeVia ? { prepare: routeVia(outside, t.routeVia, n) } : {}) };
      }),
    });
  } finally {
    for (const address of routed) await clearRoute(outside, address);
  }
  everyEndpointServed(ctx, rows, app.pods);
  return rows;
}
