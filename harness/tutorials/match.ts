/**
 * Comparing a page's printed output with ours, and the agreements steps are built from. Pure:
 * unit-tested. What may differ between a page and a cluster by nature (addresses, ports the
 * cluster allocated, generated pod-name suffixes, ages, node names) is normalised away before
 * texts are compared; what must agree is named in each agreement's `says`.
 */
import type { Check, TutorialVerdict } from '../../reports/model.ts';
import type { Agreement, StepOutcome } from './types.ts';

/** Addresses, allocated ports, pod-name suffixes and ages become placeholders; blanks collapse. */
export function normalizeOutput(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<ip>')
        .replace(/\b(3\d{4}|[12]\d{4})\b/g, '<port>')
        .replace(/\b([a-z0-9]+(?:-[a-z0-9]+)*?)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-<pod>')
        .replace(/(^|\s)(?:\d+[dhms])+(?=\s|$)/g, '$1<age>')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean)
    .join('\n');
}

/** A kubectl-style table (columns separated by two or more blanks) as header + records. */
export function parseTable(text: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = text.split('\n').filter((l) => l.trim());
  const header = (lines[0] ?? '').trim().split(/\s{2,}/);
  const rows = lines.slice(1).map((l) => {
    const cells = l.trim().split(/\s{2,}/);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
  return { header, rows };
}

/** `client_address=` values in an echo server answer (or several, one per line). */
export function clientAddresses(text: string): string[] {
  return [...text.matchAll(/client_address=([^\s]+)/g)].map((m) => m[1] ?? '');
}

/** Our output prints the same lines as the page once addresses, names and ages are set aside. */
export function sameText<S>(docs: string, says = 'the same lines (addresses, names, ages aside)'): Agreement<S> {
  return {
    says,
    holds(o) {
      const want = normalizeOutput(docs);
      const got = normalizeOutput(o.output);
      return want === got ? true : `the page prints "${firstDiffering(want, got).want}", we printed "${firstDiffering(want, got).got}"`;
    },
  };
}

function firstDiffering(a: string, b: string): { want: string; got: string } {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) if (al[i] !== bl[i]) return { want: al[i] ?? '(nothing)', got: bl[i] ?? '(nothing)' };
  return { want: a, got: b };
}

/** The table has the page's columns, in its order. */
export function sameColumns<S>(docs: string): Agreement<S> {
  const want = parseTable(docs).header;
  return {
    says: `the columns ${want.join(' ')}`,
    holds(o) {
      const got = parseTable(o.output).header;
      return got.join('|') === want.join('|') ? true : `columns ${got.join(' ')} instead of ${want.join(' ')}`;
    },
  };
}

/** Every row of the table has `column` matching `want`. */
export function column<S>(name: string, want: RegExp, says: string): Agreement<S> {
  return {
    says,
    holds(o) {
      const { rows } = parseTable(o.output);
      if (!rows.length) return 'no rows';
      const bad = rows.find((r) => !want.test(r[name] ?? ''));
      return bad ? `${name} is "${bad[name] ?? ''}"` : true;
    },
  };
}

/**
 * The judged rows (facts.checks, from the harness's scenarios) all held: the same judge and
 * evidence as the cases. The reason names each row that did not.
 */
export function rowsHold<S>(says: string, pick: (c: Check) => boolean = () => true): Agreement<S> {
  return {
    says,
    holds(o) {
      const checks = ((o.facts?.checks as Check[] | undefined) ?? []).filter(pick);
      if (!checks.length) return 'no judged rows';
      const bad = checks.filter((c) => c.verdict !== 'ok');
      return bad.length ? bad.map((c) => `${c.key}: ${c.observedEcho ?? ''}${c.note ? ` (${c.note})` : ''}`).join('; ') : true;
    },
  };
}

/** A fact is true (a predicate over StepOutcome.facts), with the reason when not. */
export function fact<S>(says: string, test: (f: Record<string, unknown>, o: StepOutcome) => true | string): Agreement<S> {
  return { says, holds: (o) => test(o.facts ?? {}, o) };
}

/** The step verdict from its agreements: all hold -> agrees; else differs with every reason. */
export function verdictOf<S>(agreements: readonly Agreement<S>[], o: StepOutcome, state: S, ctx: Parameters<Agreement<S>['holds']>[2]): { verdict: TutorialVerdict; reason: string } {
  const failed: string[] = [];
  for (const a of agreements) {
    let r: true | string;
    try {
      r = a.holds(o, state, ctx);
    } catch (e) {
      r = `could not be judged: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (r !== true) failed.push(`${a.says}: ${r}`);
  }
  if (failed.length) return { verdict: 'differs', reason: failed.join('\n') };
  return { verdict: 'agrees', reason: agreements.length ? `agrees on ${agreements.map((a) => a.says).join('; ')}` : 'nothing to compare' };
}

/** A run's verdict: the worst of its steps (error > differs > skipped > agrees). */
export function runVerdict(steps: readonly { verdict: TutorialVerdict }[]): TutorialVerdict {
  const order: TutorialVerdict[] = ['error', 'differs', 'skipped', 'agrees'];
  for (const v of order) if (steps.some((s) => s.verdict === v)) return v;
  return 'agrees';
}
