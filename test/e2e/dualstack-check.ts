/**
 * The e2e stage's verdict on a dual-stack run (`--modes iptables-dual,iptables-dual-masquerade-all`):
 * the four source-IP cases passed on iptables-dual, each with passing ` [IPv6]` rows (a pass
 * without them would be an IPv4-only run), and the control was caught. Pure; unit-tested.
 */
import type { Results } from '../../reports/model.ts';

export const DUAL_COLUMN = 'iptables-dual';
export const DUAL_CONTROL = 'iptables-dual-masquerade-all';
export const DUAL_CASES = ['source-ip/clusterip-preserves-pod-ip', 'source-ip/hairpin', 'source-ip/nodeport-cluster-snat', 'source-ip/nodeport-local-preserves-client-ip'];

export function dualStackCheck(r: Pick<Results, 'cases' | 'controls'>): { passed: number; problems: string[]; summary: string } {
  const problems: string[] = [];
  const dual = r.cases.filter((c) => c.project === DUAL_COLUMN);
  const missing = DUAL_CASES.filter((id) => !dual.some((c) => c.id === id));
  if (missing.length) problems.push(`${DUAL_COLUMN} did not run ${missing.join(', ')}`);
  let good = 0;
  for (const c of dual) {
    const v6 = c.checks.filter((k) => k.key.endsWith(' [IPv6]'));
    if (c.status !== 'passed') problems.push(`${DUAL_COLUMN}/${c.id} ${c.status}${c.reason ? `: ${c.reason}` : ''}`);
    else if (!v6.length || v6.some((k) => k.verdict !== 'ok')) problems.push(`${DUAL_COLUMN}/${c.id} passed without passing [IPv6] rows`);
    else good += 1;
  }
  const ctl = r.controls.filter((c) => c.project === DUAL_CONTROL);
  const caught = ctl.length > 0 && ctl.every((c) => c.caught);
  if (!caught) problems.push(`the dual-stack control was not caught: ${ctl.map((c) => `${c.caseId} ${c.verdict}: ${c.reason ?? ''}`).join('; ') || 'it did not run'}`);
  return { passed: good + (caught ? ctl.length : 0), problems, summary: `${good}/${DUAL_CASES.length} cases passed with IPv6 rows, control ${caught ? 'caught' : 'NOT caught'}` };
}
