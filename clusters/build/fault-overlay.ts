/**
 * A fault is a unified diff against the k8s.io/kubernetes module. `go build -overlay` builds
 * kube-proxy with the patched copies in place of the module-cache files, from the same wrapper
 * module as the clean build, so every package the patch does not touch comes from the build cache.
 *
 * Pure helpers (unit-tested) plus a tiny CLI for clusters/build/img-fault.sh:
 *   tsx clusters/build/fault-overlay.ts files PATCH              # module paths the patch touches
 *   tsx clusters/build/fault-overlay.ts overlay PATCH MODDIR DIR # overlay JSON (MODDIR/f -> DIR/f)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Module-relative paths a unified diff changes (`+++ b/<path>` lines; `-p1` semantics). */
export function patchedFiles(patchText: string): string[] {
  const out: string[] = [];
  for (const m of patchText.matchAll(/^\+\+\+ (\S+)/gm)) {
    const p = m[1] ?? '';
    if (p === '/dev/null') throw new Error('a fault patch may not delete files');
    const rel = p.replace(/^[ab]\//, '');
    if (!rel || rel.startsWith('/') || rel.split('/').includes('..')) throw new Error(`unsafe path in patch: ${p}`);
    if (!rel.endsWith('.go')) throw new Error(`a fault patch changes Go sources only, not ${rel}`);
    if (!out.includes(rel)) out.push(rel);
  }
  if (!out.length) throw new Error('the patch changes no file (no "+++ b/<path>" line)');
  return out;
}

/** The `go build -overlay` file: each module file replaced by its patched copy. */
export function overlayFor(files: readonly string[], moduleDir: string, patchedDir: string): { Replace: Record<string, string> } {
  const Replace: Record<string, string> = {};
  for (const f of [...files].sort()) Replace[path.join(moduleDir, f)] = path.join(patchedDir, f);
  return { Replace };
}

function main(argv: string[]): void {
  const [cmd, patch, moduleDir, patchedDir] = argv;
  if (!patch) throw new Error('usage: fault-overlay.ts files PATCH | overlay PATCH MODDIR DIR');
  const files = patchedFiles(readFileSync(patch, 'utf8'));
  if (cmd === 'files') console.log(files.join('\n'));
  else if (cmd === 'overlay' && moduleDir && patchedDir) console.log(JSON.stringify(overlayFor(files, moduleDir, patchedDir), null, 2));
  else throw new Error(`unknown command "${cmd ?? ''}"`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
