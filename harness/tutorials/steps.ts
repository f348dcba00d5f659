/**
 * What tutorial steps do, built from the harness the cases use: apply objects the way the
 * page's kubectl command makes them, read them back in kubectl's printed form, and send the
 * page's requests through the source-IP scenario (convergence, judged sample, capture at the
 * endpoint), picking out the lines the page shows.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Check } from '../../reports/model.ts';
import type { CaseContext } from '../run/fixtures.ts';
import { expectationFor, type Expectation, type ExpectationRow } from '../judge/expectations.ts';
import { pathLabel, runSourceScenario, type SourceProbe } from '../judge/scenarios.ts';
import { parseEcho } from '../probes/echo.ts';
import type { KObject } from '../probes/kube.ts';
import { getServices } from './kubectl.ts';

/**
 * The expectation a case declares for this row, with the implementation's facts and overrides
 * applied as for the case itself: a tutorial step is judged exactly like the case covering it.
 */
export function expectationOf(ctx: CaseContext, caseId: string, key: string, row: ExpectationRow): Expectation {
  return expectationFor({ rows: { [key]: row } }, ctx.impl, caseId, key);
}

export async function readServices(ctx: CaseContext, names: readonly string[]): Promise<k8s.V1Service[]> {
  return Promise.all(names.map((name) => ctx.kube.readService(ctx.ns, name)));
}

export async function getServicesText(ctx: CaseContext, names: readonly string[]): Promise<string> {
  return getServices(await readServices(ctx, names));
}

/** Server-side apply of `objs` (what `kubectl create/expose/patch` make), as one recorded step. */
export async function applyObjects(ctx: CaseContext, what: string, objs: KObject[]): Promise<void> {
  await ctx.step(what, () => ctx.apply(objs));
  await ctx.rec.json(`applied: ${what}`, objs);
}

export interface PathAnswer {
  probe: SourceProbe;
  /** The first judged answer's body (undefined: no answer). */
  body?: string;
  clientAddress?: string;
}

/**
 * Runs the source-IP scenario of the cases and returns its judged rows plus, per path, the
 * first answer of its judged sample (from the echo evidence the scenario recorded).
 */
export async function sourceRequests(ctx: CaseContext, endpoints: { ip: string; port: number; node: string }[], probes: SourceProbe[]): Promise<{ checks: Check[]; answers: PathAnswer[] }> {
  const before = ctx.rec.evidence.length;
  const checks = await runSourceScenario(ctx, { endpoints, probes });
  const echoes = ctx.rec.evidence.slice(before).filter((e) => e.kind === 'echo');
  const answers = probes.map((probe): PathAnswer => {
    const ev = echoes.find((e) => e.name === `${probe.key}: ${pathLabel(probe)}`);
    const i = ev?.text?.indexOf('first answer of the sample:\n') ?? -1;
    if (!ev?.text || i < 0) return { probe };
    const body = ev.text.slice(i + 'first answer of the sample:\n'.length);
    const parsed = parseEcho(body);
    return { probe, body, ...(parsed.ok ? { clientAddress: parsed.value.client.address } : {}) };
  });
  return { checks, answers };
}

/** The `CLIENT VALUES:` lines the page shows (client_address, command), from an echo answer. */
export function clientValues(body: string | undefined): string {
  if (!body) return '';
  const parsed = parseEcho(body);
  if (!parsed.ok) return body.split('\n').slice(0, 3).join('\n');
  return ['CLIENT VALUES:', `client_address=${parsed.value.client.address}`, ...(parsed.value.client.method ? [`command=${parsed.value.client.method}`] : [])].join('\n');
}
