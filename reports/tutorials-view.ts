/**
 * The Tutorials view: per docs page and column, the replay step by step — the page's command
 * and printed output beside ours, the verdict with its reason, what had to agree and what may
 * differ, links to the cases covering the same behaviour and to the step's evidence. Every
 * value is escaped (it comes from the cluster and the network).
 */
import type { CaseResult, Results, TutorialRun, TutorialStepResult, TutorialVerdict } from './model.ts';
import { escapeHtml as e, safeEvidenceHref, safeExternalHref } from './escape.ts';
import { caseHash, formatDuration } from './view-model.ts';

const VERDICT_CLASS: Record<TutorialVerdict, string> = { agrees: 'v-ok', differs: 'v-mismatch', error: 'v-mismatch', skipped: 'v-skipped' };

export function tutorialVerdictBadge(v: TutorialVerdict, documented?: string): string {
  return `<span class="verdict ${VERDICT_CLASS[v]}">${e(v)}</span>${documented ? ' <span class="verdict v-documented" title="a documented, expected difference">documented difference</span>' : ''}`;
}

/** Links to the cases covering a step: this column's result first, another column's, else the id. */
function caseLinks(ids: readonly string[], project: string, cases: readonly CaseResult[]): string {
  if (!ids.length) return '';
  const links = ids.map((id) => {
    const here = cases.find((c) => c.id === id && c.project === project) ?? cases.find((c) => c.id === id);
    return here ? `<a href="${e(caseHash(here.project, here.id))}">${e(id)}</a>${here.project !== project ? ` <span class="muted">(${e(here.project)})</span>` : ''}` : `<code>${e(id)}</code> <span class="muted">(not in this report)</span>`;
  });
  return `<p class="small">Cases covering this: ${links.join(', ')}</p>`;
}

function evidenceLinks(s: TutorialStepResult): string {
  const links = s.evidence.flatMap((ev) => {
    const href = safeEvidenceHref(ev.path);
    return href ? [`<a href="${e(href)}">${e(ev.name)}</a>`] : [];
  });
  return links.length ? `<details class="small"><summary>Evidence (${links.length})</summary><ul>${links.map((l) => `<li>${l}</li>`).join('')}</ul></details>` : '';
}

function stepItem(s: TutorialStepResult, run: TutorialRun, cases: readonly CaseResult[]): string {
  const ours = s.ourOutput === '' ? '<span class="muted">(nothing printed)</span>' : e(s.ourOutput);
  const reason = `<p class="reason small${s.verdict === 'agrees' ? ' muted' : ''}">${e(s.reason)}</p>${s.documented ? `<p class="small documented">${e(s.documented)}</p>` : ''}`;
  const agree = s.mustAgree.length ? `<div><span class="muted">Must agree:</span><ul>${s.mustAgree.map((a) => `<li>${e(a)}</li>`).join('')}</ul></div>` : '';
  const differ = s.mayDiffer.length ? `<div><span class="muted">May differ:</span><ul>${s.mayDiffer.map((a) => `<li>${e(a)}</li>`).join('')}</ul></div>` : '';
  return `<li class="tstep t-${e(s.verdict)}" data-step="${e(s.id)}" data-verdict="${e(s.verdict)}">
<div class="tstep-head">${tutorialVerdictBadge(s.verdict, s.documented)} <span class="step-id">${e(s.id)}</span> <a class="small" href="${e(safeExternalHref(s.sourceUrl) ?? '')}" rel="noreferrer noopener">${e(s.section)}</a> <span class="muted small">${e(formatDuration(s.durationMs))}</span></div>
<div class="side-wrap"><table class="side tside"><thead><tr><th scope="col">The page</th><th scope="col">Our cluster (${e(run.project)})</th></tr></thead><tbody>
<tr class="cmd"><td><pre>${e(s.command)}</pre></td><td><pre>${e(s.ran ?? s.command)}</pre></td></tr>
<tr class="out"><td><pre class="docs-output">${e(s.docsOutput)}</pre></td><td><pre class="our-output">${ours}</pre></td></tr>
</tbody></table></div>
${reason}
<details class="small"><summary>What is compared</summary>${agree}${differ}</details>
${caseLinks(s.cases, run.project, cases)}${evidenceLinks(s)}
</li>`;
}

function runArticle(run: TutorialRun, cases: readonly CaseResult[]): string {
  const count = (v: TutorialVerdict) => run.steps.filter((s) => s.verdict === v).length;
  const counts = (['agrees', 'differs', 'error', 'skipped'] as const).filter((v) => count(v)).map((v) => `${count(v)} ${v === 'agrees' ? 'agree' : v === 'differs' ? 'differ' : v}`);
  const documented = run.steps.filter((s) => s.documented).length;
  return `<article class="tutorial" data-page="${e(run.page)}" data-project="${e(run.project)}">
<h4>${e(run.project)} <span class="muted">(${e(run.proxyMode)})</span> ${tutorialVerdictBadge(run.verdict)}</h4>
<p class="muted small">${e(formatDuration(run.durationMs))}, started ${e(run.startedAt)} · ${run.steps.length} steps: ${e(counts.join(', ') || 'none')}${documented ? ` (${documented} with a documented difference)` : ''}</p>
${run.error ? `<p class="reason">${e(run.error)}</p>` : ''}
<ol class="tsteps">
${run.steps.map((s) => stepItem(s, run, cases)).join('\n')}
</ol>
</article>`;
}

export function tutorialsSection(results: Results): string {
  const runs = results.tutorials?.runs ?? [];
  if (!runs.length) {
    return `<section id="view-tutorials" class="view" data-view="tutorials"><h2>Tutorials</h2><p class="empty">No tutorial was replayed into this report: <code>npm run tutorial -- using-source-ip</code> adds one.</p></section>`;
  }
  const pages = [...new Set(runs.map((r) => r.page))];
  const body = pages.map((page) => {
    const of = runs.filter((r) => r.page === page);
    const first = of[0] as TutorialRun;
    return `<div class="tutorial-page" id="tutorial-${e(page)}">
<h3>${e(first.title)} <span class="muted small">${e(page)}</span></h3>
<p class="small"><a href="${e(safeExternalHref(first.url) ?? '')}" rel="noreferrer noopener">${e(first.url)}</a></p>
${of.map((r) => runArticle(r, results.cases)).join('\n')}
</div>`;
  });
  return `<section id="view-tutorials" class="view" data-view="tutorials">
<h2>Tutorials</h2>
<p class="muted">Docs pages replayed step by step on our clusters: the page's command and printed output beside ours. A step agrees when everything it names under "must agree" holds; addresses, names and ages may differ. <code>${e(results.tutorials?.command ?? '')}</code></p>
${body.join('\n')}
</section>`;
}

/** `agreeing/total` runs, for the tab. */
export function tutorialsPill(results: Results): string {
  const runs = results.tutorials?.runs ?? [];
  return `${runs.filter((r) => r.verdict === 'agrees').length}/${runs.length}`;
}
