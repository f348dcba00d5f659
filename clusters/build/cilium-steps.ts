/**
 * `npm run images -- --cilium`: the opt-in Cilium build (issue 11). Never part of the default
 * steps: its Go build alone is large, and nothing in `npm test` or the default columns uses it.
 * Its pins live in clusters/build/cilium/versions.json (an input here), not in
 * clusters/versions.json, so adding or bumping Cilium changes no default step's cache key.
 * Outputs: the binaries and BPF sources in $KPC_CACHE/bin/cilium-<version>/, and the pointer
 * $KPC_CACHE/cilium/image.json naming the agent+operator image (docs/cilium.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildStep } from './steps.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const CILIUM_PINS_FILE = path.join(HERE, 'cilium', 'versions.json');
export const CILIUM_IMAGE_POINTER = 'cilium/image.json';

export interface CiliumPins {
  module: string;
  version: string;
  goRequires: string;
  llvm: { package: string };
}

export function ciliumPins(): CiliumPins {
  return JSON.parse(readFileSync(CILIUM_PINS_FILE, 'utf8')) as CiliumPins;
}

export function ciliumSteps(pins: CiliumPins = ciliumPins()): BuildStep[] {
  return [
    { name: 'cilium', script: 'go-cilium.sh', inputs: ['clusters/build/cilium/versions.json'], outputs: [`bin/cilium-${pins.version}/.done`] },
    {
      name: 'img-cilium',
      script: 'img-cilium.sh',
      after: ['cilium', 'img-base-net'],
      inputs: ['clusters/build/cilium'],
      outputs: [`pointer:${CILIUM_IMAGE_POINTER}`],
    },
  ];
}
