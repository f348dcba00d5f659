/**
 * The fault catalogue (clusters/faults/catalogue.json): deliberately broken kube-proxies, each a
 * small patch against the pinned k8s.io/kubernetes module, and the case + check rows that must
 * catch it. Loading and validation only; the runner lives in harness/faults/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAULTS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CATALOGUE_FILE = path.join(FAULTS_DIR, 'catalogue.json');

export type FaultMode = 'iptables' | 'nftables' | 'ipvs';

/** A case that must catch the fault, and the check rows of that case that must turn `mismatch`. */
export interface FaultCatch {
  case: string;
  /** Substrings of check keys, or `/regex/`; every pattern must match a mismatched check. */
  rows: string[];
  /** The deviation the rows show when the fault is present, in words. */
  deviation: string;
}

export interface Fault {
  name: string;
  family: string;
  description: string;
  /** Proxy modes the patch breaks (it is built once; it runs only where it applies). */
  modes: FaultMode[];
  catches: FaultCatch[];
}

export interface Catalogue {
  faults: Fault[];
}

export function patchFile(name: string): string {
  return path.join(FAULTS_DIR, `${name}.patch`);
}

export function loadCatalogue(file = CATALOGUE_FILE): Catalogue {
  return JSON.parse(readFileSync(file, 'utf8')) as Catalogue;
}

/** A row pattern as a predicate over check keys: `/re/flags` is a RegExp, anything else a substring. */
export function rowMatcher(pattern: string): (key: string) => boolean {
  const m = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (m) {
    const re = new RegExp(m[1] ?? '', m[2]);
    return (key) => re.test(key);
  }
  return (key) => key.includes(pattern);
}

const NAME = /^[a-z0-9][a-z0-9-]{1,40}$/;
const MODES: readonly string[] = ['iptables', 'nftables', 'ipvs'];

/**
 * Problems with a catalogue, empty when it is sound: names unique and tag-safe, every fault has a
 * patch, at least one mode and one catch, every catch names an existing case and at least one
 * valid row pattern.
 */
export function validateCatalogue(cat: Catalogue, env: { caseIds: ReadonlySet<string>; patchExists(name: string): boolean }): string[] {
  const problems: string[] = [];
  if (!Array.isArray(cat.faults) || cat.faults.length === 0) return ['the catalogue lists no fault'];
  const seen = new Set<string>();
  for (const f of cat.faults) {
    const at = `fault ${f.name ?? '?'}`;
    if (typeof f.name !== 'string' || !NAME.test(f.name)) problems.push(`${at}: name must match ${NAME} (it becomes an image tag)`);
    if (seen.has(f.name)) problems.push(`${at}: duplicate name`);
    seen.add(f.name);
    if (!f.family?.trim()) problems.push(`${at}: no family`);
    if (!f.description?.trim()) problems.push(`${at}: no description`);
    if (!env.patchExists(f.name)) problems.push(`${at}: clusters/faults/${f.name}.patch does not exist`);
    if (!Array.isArray(f.modes) || f.modes.length === 0) problems.push(`${at}: no mode`);
    for (const m of f.modes ?? []) if (!MODES.includes(m)) problems.push(`${at}: unknown mode "${m}"`);
    if (!Array.isArray(f.catches) || f.catches.length === 0) problems.push(`${at}: names no case that catches it`);
    for (const c of f.catches ?? []) {
      if (!env.caseIds.has(c.case)) problems.push(`${at}: case "${c.case}" does not exist (suites/${c.case}.spec.ts)`);
      if (!Array.isArray(c.rows) || c.rows.length === 0) problems.push(`${at}: catch by ${c.case} names no check row`);
      for (const r of c.rows ?? []) {
        try {
          rowMatcher(r);
        } catch (e) {
          problems.push(`${at}: row pattern ${r}: ${(e as Error).message}`);
        }
        if (!r.trim()) problems.push(`${at}: empty row pattern`);
      }
      if (!c.deviation?.trim()) problems.push(`${at}: catch by ${c.case} states no deviation`);
    }
  }
  return problems;
}

/** Case ids of the suite: suites/<group>/<name>.spec.ts -> <group>/<name>. */
export function caseIdsIn(suitesDir: string, listing: (dir: string) => string[]): Set<string> {
  const ids = new Set<string>();
  for (const group of listing(suitesDir)) {
    for (const f of listing(path.join(suitesDir, group))) if (f.endsWith('.spec.ts')) ids.add(`${group}/${f.slice(0, -'.spec.ts'.length)}`);
  }
  return ids;
}

export function patchExists(name: string): boolean {
  return existsSync(patchFile(name));
}
