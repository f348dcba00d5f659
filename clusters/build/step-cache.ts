/**
 * Cache bookkeeping for the build steps: each step's key (a hash of everything that decides its
 * outputs), its stamp in $KPC_CACHE/stamps/<step>.json, and the check that its outputs exist.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BuildStep } from './steps.ts';

export interface Stamp {
  step: string;
  key: string;
  seconds: number;
  finishedAt: string;
}

/** Helper files a script sources from clusters/build (`source "$HERE/x.sh"` or `source ".../x.sh"`). */
export function sourcedHelpers(scriptText: string): string[] {
  const out = new Set<string>();
  for (const m of scriptText.matchAll(/^\s*(?:source|\.)\s+\S.*\/([\w.-]+\.sh)"?\s*$/gm)) {
    if (m[1]) out.add(m[1]);
  }
  return [...out].sort();
}

/** Every file under a path (a file itself, or a directory walked in name order). */
export function filesUnder(p: string): string[] {
  if (!existsSync(p)) return [];
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((n) => filesUnder(path.join(p, n)));
}

export interface KeyInputs {
  repoRoot: string;
  buildDir: string;
  versionsText: string;
  depKeys: string[];
}

/** The key of a step: versions.json, its script and sourced helpers, its inputs, its deps' keys. */
export function stepKey(step: BuildStep, k: KeyInputs): string {
  const h = createHash('sha256');
  const add = (label: string, data: string | Buffer) => {
    h.update(`${label}\0`);
    h.update(data);
    h.update('\0');
  };
  add('versions', k.versionsText);
  const scriptPath = path.join(k.buildDir, step.script);
  const scriptText = existsSync(scriptPath) ? readFileSync(scriptPath, 'utf8') : '';
  add(`script:${step.script}`, scriptText);
  const seen = new Set<string>();
  const helpers = [...sourcedHelpers(scriptText)];
  while (helpers.length) {
    const name = helpers.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const p = path.join(k.buildDir, name);
    const text = existsSync(p) ? readFileSync(p, 'utf8') : '';
    add(`helper:${name}`, text);
    helpers.push(...sourcedHelpers(text));
  }
  for (const input of step.inputs ?? []) {
    for (const f of filesUnder(path.join(k.repoRoot, input))) {
      add(`input:${path.relative(k.repoRoot, f)}`, readFileSync(f));
    }
  }
  k.depKeys.forEach((d, i) => add(`dep:${step.after?.[i] ?? i}`, d));
  return h.digest('hex').slice(0, 16);
}

/** Replaces `{.a.b}` with that field of versions.json. */
export function fillTemplate(template: string, versions: unknown): string {
  return template.replace(/\{\.([\w.]+)\}/g, (_, p: string) => {
    let v: unknown = versions;
    for (const part of p.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (typeof v !== 'string' || v === '') throw new Error(`versions.json has no value at .${p} (used in "${template}")`);
    return v;
  });
}

export function stampPath(cache: string, step: string): string {
  return path.join(cache, 'stamps', `${step}.json`);
}

export function readStamp(cache: string, step: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(stampPath(cache, step), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Written through a temp file and a rename, so a stamp is either old or complete. */
export function writeStamp(cache: string, stamp: Stamp): void {
  const p = stampPath(cache, stamp.step);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(`${p}.tmp`, JSON.stringify(stamp, null, 2) + '\n');
  renameSync(`${p}.tmp`, p);
}

/** Splits a step's outputs into cache files, image ids, and JSON pointers to docker images. */
export function splitOutputs(step: BuildStep, versions: unknown): { files: string[]; images: string[]; pointers: string[] } {
  const files: string[] = [];
  const images: string[] = [];
  const pointers: string[] = [];
  for (const o of step.outputs ?? []) {
    if (o.startsWith('image:')) images.push(o.slice('image:'.length));
    else if (o.startsWith('pointer:')) pointers.push(fillTemplate(o.slice('pointer:'.length), versions));
    else files.push(fillTemplate(o, versions));
  }
  return { files, images, pointers };
}
