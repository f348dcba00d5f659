/**
 * `npm run images -- --faults`: one build step per fault of clusters/faults/catalogue.json,
 * each running img-fault.sh with KPC_FAULT=<name>. A step's key covers the kube-proxy build it
 * patches (its `after` steps), the script and the patch; its output is the pointer
 * $KPC_CACHE/faults/<name>.json naming the image kpc.local/kube-proxy-fault:<name>-<hash>.
 */
import { loadCatalogue } from '../faults/catalogue.ts';
import type { BuildStep } from './steps.ts';

export interface FaultBuildStep extends BuildStep {
  fault: string;
}

export function faultPointer(name: string): string {
  return `faults/${name}.json`;
}

export function faultSteps(names?: readonly string[]): FaultBuildStep[] {
  const all = loadCatalogue().faults.map((f) => f.name);
  const unknown = (names ?? []).filter((n) => !all.includes(n));
  if (unknown.length) throw new Error(`unknown fault(s): ${unknown.join(', ')} (clusters/faults/catalogue.json has: ${all.join(', ')})`);
  return (names?.length ? names : all).map((fault) => ({
    name: `fault-${fault}`,
    script: 'img-fault.sh',
    fault,
    env: { KPC_FAULT: fault },
    after: ['kubernetes', 'img-base-net'],
    inputs: [`clusters/faults/${fault}.patch`, 'clusters/build/fault-overlay.ts', 'clusters/images/kube-proxy'],
    outputs: [`pointer:${faultPointer(fault)}`],
  }));
}
