/** The layout's rules that lint cannot state: no import cycles, and each case id is its file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Value imports (type-only imports are erased and cannot form a runtime cycle). */
export function valueImports(file: string, code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms)) out.push(path.normalize(path.join(path.dirname(file), m[1] ?? '')));
  for (const m of code.matchAll(/await import\('(\.[^']+)'\)/g)) out.push(path.normalize(path.join(path.dirname(file), m[1] ?? '')));
  return out;
}

export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

test('findCycle finds a cycle and accepts a DAG', () => {
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), undefined);
});

test('no value-import cycle in harness/, clusters/ or reports/', () => {
  const files = ['harness', 'clusters', 'reports'].flatMap(tsFiles).filter((f) => !f.includes(`${path.sep}client${path.sep}`));
  const graph = new Map(files.map((f) => [f, valueImports(f, readFileSync(f, 'utf8'))]));
  assert.equal(findCycle(graph)?.join(' -> '), undefined);
});

test('each case id is its file: suites/<group>/<name>.spec.ts defines <group>/<name>, and ids are unique', () => {
  const ids = new Set<string>();
  for (const f of tsFiles('suites').filter((x) => x.endsWith('.spec.ts'))) {
    const want = path.relative('suites', f).replace(/\.spec\.ts$/, '').split(path.sep).join('/');
    const got = [...readFileSync(f, 'utf8').matchAll(/defineCase\(\{\s*id:\s*'([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(got, [want], f);
    assert.ok(!ids.has(want), `duplicate id ${want}`);
    ids.add(want);
  }
  assert.ok(ids.size >= 20, `only ${ids.size} cases found`);
});

test('every case names the fault it catches', () => {
  for (const f of tsFiles('suites').filter((x) => x.endsWith('.spec.ts'))) {
    const code = readFileSync(f, 'utf8');
    if (/tags:\s*\[[^\]]*'control-plane'/.test(code)) continue;
    assert.match(code, /Catches: /, `${f}: a proxy case says which fault it catches ("Catches: ...")`);
  }
});
