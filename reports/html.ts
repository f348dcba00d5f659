/**
 * The HTML report (`index.html`): one self-contained file that opens from disk. Header,
 * matrix, comparison and controls are rendered here, every value escaped; the case view is
 * drawn in the page by `client/report.js` from the results embedded as JSON, using text nodes
 * only. A Content-Security-Policy allows exactly the one inline style and script (by hash), so
 * even a missed escape could not run anything.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANGE_KINDS, countStatuses, RESULTS_SCHEMA_VERSION, STATUSES, type CaseResult, type CellChange, type ChangesSection, type ControlResult, type ControlVerdict, type Evidence, type FaultCaseCell, type FaultsSection, type ProjectInfo, type Results, type Status } from './model.ts';
import { CHANGE_LABELS } from './changes.ts';
import { escapeHtml as e, jsonForScript, safeEvidenceHref, safeExternalHref, safeRelativeHref } from './escape.ts';
import type { History } from './history.ts';
import { tutorialsPill, tutorialsSection } from './tutorials-view.ts';
import { buildMatrix, caseHash, clusterLabel, formatDuration, projectTotals, selectDifferences, STATUS_LABELS, type Difference, type Matrix } from './view-model.ts';

/** What the page script receives: the cases, with link targets already checked. */
export interface ClientData {
  columns: { name: string; proxyMode: string; implementation: string; control: boolean }[];
  cases: (Omit<CaseResult, 'evidence'> & { sourceHref?: string; evidence: (Evidence & { href?: string })[] })[];
}

export function clientData(results: Results, matrix: Matrix): ClientData {
  return {
    columns: matrix.columns.map((p) => ({ name: p.name, proxyMode: p.proxyMode, implementation: p.implementation, control: Boolean(p.control) })),
    cases: results.cases.map((c) => ({
      ...c,
      sourceHref: safeExternalHref(c.source.url),
      ...(c.runs ? { runs: c.runs.map((r) => ({ ...r, evidenceDir: safeEvidenceHref(r.evidenceDir) })) } : {}),
      evidence: c.evidence.map((ev) => ({ ...ev, href: safeEvidenceHref(ev.path) })),
    })),
  };
}

let assets: { css: string; js: string } | undefined;
function clientAssets(): { css: string; js: string } {
  assets ??= {
    css: readFileSync(new URL('./client/report.css', import.meta.url), 'utf8'),
    js: readFileSync(new URL('./client/report.js', import.meta.url), 'utf8'),
  };
  return assets;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function contentSecurityPolicy(css: string, js: string): string {
  return `default-src 'none'; style-src ${sha256(css)}; script-src ${sha256(js)}; base-uri 'none'; form-action 'none'`;
}

const MARKS: Record<Status, string> = { passed: '✓', failed: '✗', flaky: '≈', error: '!', skipped: '–', 'not-supported': '∅' };

function badge(status: Status): string {
  return `<span class="badge st-${status}">${MARKS[status]} ${STATUS_LABELS[status]}</span>`;
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function countsText(t: Record<Status, number>): string {
  return STATUSES.filter((s) => t[s] > 0)
    .map((s) => `<span class="count st-${s}">${t[s]} ${STATUS_LABELS[s]}</span>`)
    .join(' ') || '<span class="muted">no cases</span>';
}

function link(href: string | undefined, text: string): string {
  return href ? `<a href="${e(href)}" rel="noreferrer noopener">${e(text)}</a>` : e(text);
}

function header(results: Results, matrix: Matrix, diffs: Difference[], history?: History): string {
  const { run } = results;
  const totals = countStatuses(results.cases);
  const byProject = projectTotals(results);
  const facts: [string, string | undefined][] = [
    ['Started', formatDate(run.startedAt)],
    ['Duration', formatDuration(run.durationMs)],
    ['kind', run.kindVersion],
    ['Kubernetes', run.kubernetesVersion],
    ['Node image', run.nodeImage],
    ['Host', `${run.host.os}, kernel ${run.host.kernel}, ${run.host.cpus} CPUs, ${run.host.memoryGiB} GiB`],
  ];
  const columnRows = matrix.columns
    .map((p) => {
      const notes = [
        p.control ? `<span class="tag control">control</span> ${e(p.control.description)}` : '',
        p.skippedReason ? `<span class="tag">skipped</span> ${e(p.skippedReason)}` : '',
      ].filter(Boolean);
      const image = p.cluster.nodeImage && p.cluster.nodeImage !== run.nodeImage ? `<div class="muted">${e(p.cluster.nodeImage)}</div>` : '';
      const access = p.nodeAccess ? `<div class="muted node-access">node access: ${e(p.nodeAccess)}</div>` : '';
      const release = kubeProxyLine(p);
      return `<tr><th scope="row">${e(p.name)}</th><td>${e(p.proxyMode)}</td><td>${e(p.implementation)}${release}</td><td>${e(p.lbProvider)}</td><td><code>${e(clusterLabel(p))}</code>${image}${access}</td><td>${countsText(byProject.get(p.name) ?? countStatuses([]))}</td><td>${notes.join('<br>')}</td></tr>`;
    })
    .join('\n');
  const caught = results.controls.filter((c) => c.caught).length + (results.faults?.runs.filter((r) => r.verdict === 'caught').length ?? 0);
  const controlCount = results.controls.length + (results.faults?.runs.length ?? 0);
  return `<header class="top">
<h1>Service proxy conformance <span class="muted">${e(formatDate(run.startedAt))}</span></h1>
<dl class="facts">${facts
    .filter(([, v]) => v)
    .map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`)
    .join('')}</dl>
<p class="totals">${results.cases.length} case results: ${countsText(totals)}</p>
<table class="columns-table">
<thead><tr><th>Column</th><th>Proxy mode</th><th>Implementation</th><th>LB provider</th><th>Cluster</th><th>Results</th><th>Notes</th></tr></thead>
<tbody>
${columnRows}
</tbody>
</table>
<nav class="tabs" aria-label="Views">
<a href="#/matrix" data-view="matrix">Matrix</a>
<a href="#/compare" data-view="compare">Differences <span class="pill">${diffs.length}</span></a>
<a href="#/controls" data-view="controls">Controls <span class="pill">${caught}/${controlCount}</span></a>
${results.changes ? `<a href="#/changes" data-view="changes">Changes <span class="pill${results.changes.regressions ? ' pill-bad' : ''}">${results.changes.changes.length}</span></a>` : ''}
${history ? `<a href="#/history" data-view="history">History <span class="pill">${history.runs.length}</span></a>` : ''}
<a href="#/tutorials" data-view="tutorials">Tutorials <span class="pill">${tutorialsPill(results)}</span></a>
</nav>
</header>`;
}

function matrixCell(c: CaseResult | undefined, caught: ReadonlySet<string>): string {
  if (!c) return '<td class="none" title="not run in this column">—</td>';
  const why = c.reason ? `<span class="why">${e(c.reason)}</span>` : '';
  const control = caught.has(`${c.project}\u0000${c.id}`) ? '<span class="caught">fault caught</span>' : '';
  return `<td class="st-${c.status}"><a class="cell" href="${e(caseHash(c.project, c.id))}"${c.reason ? ` title="${e(c.reason)}"` : ''}><span class="label">${MARKS[c.status]} ${STATUS_LABELS[c.status]}</span>${control}${why}</a></td>`;
}

/** The column's kube-proxy version (a version column's release is the point of the column). */
function kubeProxyLine(p: ProjectInfo): string {
  const v = p.kubeProxyVersion ?? p.kubeProxyRelease;
  if (!v) return '';
  return `<span class="col-sub kube-proxy-version${p.kubeProxyRelease ? ' release' : ''}">kube-proxy ${e(v)}</span>`;
}

function matrixSection(results: Results, matrix: Matrix): string {
  const totals = countStatuses(results.cases);
  const rowCount = matrix.groups.reduce((n, g) => n + g.rows.length, 0);
  const caught = new Set(results.controls.filter((c) => c.caught).map((c) => `${c.project}\u0000${c.caseId}`));
  const head = matrix.columns
    .map((p) => `<th scope="col"${p.control ? ' class="control"' : ''}><span class="col-name">${e(p.name)}</span><span class="col-sub">${e(p.implementation)} · ${e(p.lbProvider)}${p.control ? ' · control' : ''}</span>${kubeProxyLine(p)}</th>`)
    .join('');
  const body = matrix.groups
    .map((g) => {
      const rows = g.rows
        .map((r) => {
          const statuses = [...new Set(r.cells.flatMap((c) => (c ? [c.status] : [])))].join(' ');
          const search = `${r.id} ${r.title}`.toLowerCase();
          return `<tr class="case-row" data-st="${e(statuses)}" data-search="${e(search)}"><th scope="row"><span class="case-id">${e(r.id)}</span>${r.tags.includes('control-plane') ? '<span class="tag tag-control-plane" title="the verdict of this case does not depend on the Service proxy">control plane, not the proxy</span>' : ''}<span class="case-title">${e(r.title)}</span></th>${r.cells.map((c) => matrixCell(c, caught)).join('')}</tr>`;
        })
        .join('\n');
      return `<tbody class="group"><tr class="group-row"><th colspan="${matrix.columns.length + 1}"><span class="group-label">${link(safeExternalHref(g.source.url), g.source.title)} <span class="muted">${g.rows.length} case${g.rows.length === 1 ? '' : 's'}</span></span></th></tr>\n${rows}\n</tbody>`;
    })
    .join('\n');
  const filters = STATUSES.map((s) => `<label class="filter st-${s}"><input type="checkbox" name="status" value="${s}" checked> ${STATUS_LABELS[s]} <span class="muted">${totals[s]}</span></label>`).join('');
  return `<section id="view-matrix" class="view" data-view="matrix">
<h2>Matrix</h2>
<form class="filters" id="filters" role="search">
<span class="filter-title">Show rows with</span>${filters}
<input type="search" id="search" placeholder="Search case id or title" aria-label="Search case id or title" autocomplete="off">
<output id="shown" class="muted">${rowCount} of ${rowCount} cases</output>
</form>
<div class="matrix-wrap" tabindex="0">
<table class="matrix" id="matrix">
<thead><tr><th scope="col" class="corner">Case</th>${head}</tr></thead>
${body}
</table>
<p class="empty" id="no-match" hidden>No case matches these filters.</p>
</div>
</section>`;
}

function observation(c: CaseResult, key: string): string {
  const k = c.checks.find((x) => x.key === key);
  if (!k) return '<span class="muted">no such check</span>';
  const lines = [
    k.observedEcho !== undefined ? `<div><span class="muted">echo</span> ${e(k.observedEcho)}</div>` : '',
    k.observedWire !== undefined ? `<div><span class="muted">wire</span> ${e(k.observedWire)}</div>` : '',
  ].join('');
  return `${lines}<span class="verdict v-${e(k.verdict)}">${e(k.verdict)}</span>`;
}

function differenceArticle(d: Difference, matrix: Matrix): string {
  const cells = d.columns.map((i) => ({ project: matrix.columns[i] as ProjectInfo, c: d.row.cells[i] as CaseResult }));
  const what = [
    d.status ? 'outcome' : '',
    d.observed ? 'observed behaviour' : '',
    d.checkKeys.length ? `${d.checkKeys.length} check${d.checkKeys.length === 1 ? '' : 's'} (a deviation: same expectation, different behaviour)` : '',
    d.declaredKeys.length ? `${d.declaredKeys.length} declared difference${d.declaredKeys.length === 1 ? '' : 's'} (the implementations expect different things)` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const head = cells.map(({ project, c }) => `<th scope="col"><a href="${e(caseHash(c.project, c.id))}">${e(project.name)}</a><span class="col-sub">${e(project.implementation)}</span></th>`).join('');
  const row = (label: string, differs: boolean, render: (c: CaseResult) => string, cls = ''): string =>
    `<tr${differs ? ' class="differs"' : ''}><th scope="row">${label}</th>${cells.map(({ c }) => `<td${cls ? ` class="${cls}"` : ''}>${render(c)}</td>`).join('')}</tr>`;
  const expectedOf = (key: string): string => cells.map(({ c }) => c.checks.find((k) => k.key === key)?.expected).find((x) => x !== undefined) ?? '';
  const rows = [
    row('Outcome', d.status, (c) => `${badge(c.status)}${c.reason ? `<div class="muted">${e(c.reason)}</div>` : ''}`),
    row('Observed', d.observed, (c) => (c.status === 'skipped' || c.status === 'not-supported' ? '<span class="muted">—</span>' : e(c.observed)), 'text'),
    ...d.checkKeys.map((key) => row(`${e(key)}<div class="muted">expected: ${e(expectedOf(key))}</div>`, true, (c) => (c.status === 'passed' || c.status === 'failed' || c.status === 'error' ? observation(c, key) : '<span class="muted">—</span>'))),
    ...d.declaredKeys.map((key) =>
      row(`${e(key)}<div class="muted declared">declared difference</div>`, true, (c) => {
        const k = c.checks.find((x) => x.key === key);
        return `${k ? `<div class="muted">expected: ${e(k.expected)}</div>` : ''}${c.status === 'passed' || c.status === 'failed' || c.status === 'error' ? observation(c, key) : '<span class="muted">—</span>'}`;
      }),
    ),
  ];
  const agreeing = new Set(cells.flatMap(({ c }) => c.checks.map((k) => k.key)));
  for (const k of [...d.checkKeys, ...d.declaredKeys]) agreeing.delete(k);
  const note = agreeing.size ? `<p class="muted small">${agreeing.size} other check${agreeing.size === 1 ? '' : 's'} agree across columns.</p>` : '';
  return `<article class="diff" data-id="${e(d.row.id)}">
<h3><span class="case-id">${e(d.row.id)}</span> ${e(d.row.title)}</h3>
<p class="muted small">${link(safeExternalHref(d.source.url), d.source.title)} · differs in ${e(what)}</p>
<div class="side-wrap"><table class="side"><thead><tr><th></th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>
${note}
</article>`;
}

function compareSection(results: Results, matrix: Matrix, diffs: Difference[]): string {
  const compared = matrix.columns.filter((p, i) => !p.control && matrix.groups.some((g) => g.rows.some((r) => r.cells[i] && r.cells[i]?.status !== 'skipped')));
  const rowCount = matrix.groups.reduce((n, g) => n + g.rows.length, 0);
  const intro = `${diffs.length} of ${rowCount} cases differ in outcome or observed behaviour between ${e(compared.map((p) => p.name).join(', ') || 'the columns')}. Skipped cells and negative controls are not compared.`;
  const body = diffs.length ? diffs.map((d) => differenceArticle(d, matrix)).join('\n') : '<p class="empty">No differences: every column that ran a case saw the same thing.</p>';
  return `<section id="view-compare" class="view" data-view="compare">
<h2>Differences between columns</h2>
<p class="muted">${intro}</p>
${body}
</section>`;
}

const VERDICT_CLASS: Record<ControlVerdict, string> = { caught: 'v-ok', missed: 'v-mismatch', inconclusive: 'v-mismatch' };

function controlVerdictOf(c: ControlResult): ControlVerdict {
  return c.verdict ?? (c.caught ? 'caught' : 'missed');
}

function verdictBadge(v: ControlVerdict): string {
  return `<span class="verdict ${VERDICT_CLASS[v]}">${e(v)}</span>`;
}

function rowsText(rows: readonly string[] | undefined): string {
  return rows?.length ? rows.map((r) => `<code>${e(r)}</code>`).join(' ') : '<span class="muted">any row</span>';
}

function controlsSection(results: Results, matrix: Matrix): string {
  const controlProjects = matrix.columns.filter((p) => p.control);
  const caught = results.controls.filter((c) => controlVerdictOf(c) === 'caught').length;
  const faults = results.faults ? faultsBlock(results.faults) : '';
  if (!results.controls.length && !controlProjects.length && !faults) {
    return `<section id="view-controls" class="view" data-view="controls"><h2>Negative controls</h2><p class="empty">No negative controls in this run.</p></section>`;
  }
  const names = new Set([...controlProjects.map((p) => p.name), ...results.controls.map((c) => c.project)]);
  const blocks = [...names].map((name) => {
    const project = matrix.columns.find((p) => p.name === name);
    const rows = results.controls
      .filter((c) => c.project === name)
      .map((c) => {
        const v = controlVerdictOf(c);
        return `<tr class="${v === 'caught' ? 'caught' : 'missed'}"><th scope="row"><a href="${e(caseHash(c.project, c.caseId))}">${e(c.caseId)}</a></th><td>${e(c.description)}${c.deviation ? `<div class="muted">${e(c.deviation)}</div>` : ''}</td><td>${rowsText(c.rows)}</td><td>${badge(c.actualStatus)}</td><td>${verdictBadge(v)}${c.reason ? `<div class="muted">${e(c.reason)}</div>` : ''}</td></tr>`;
      })
      .join('\n');
    return `<h3>${e(name)}</h3>
<p>${e(project?.control?.description ?? '')}</p>
<table class="plain"><thead><tr><th>Case</th><th>Fault</th><th>Rows that must mismatch</th><th>Was</th><th>Verdict</th></tr></thead><tbody>${rows || '<tr><td colspan="5" class="muted">no results recorded</td></tr>'}</tbody></table>`;
  });
  const intro = results.controls.length
    ? `<p class="muted">Faults injected on purpose into a column; the declared check rows of these cases must turn mismatch. ${caught} of ${results.controls.length} caught; missed and inconclusive fail the run.</p>`
    : '';
  return `<section id="view-controls" class="view" data-view="controls">
<h2>Negative controls</h2>
${intro}
${blocks.join('\n')}
${faults}
</section>`;
}

const CELL_MARK: Record<Status, string> = MARKS;

function changeRow(c: CellChange, current: Results): string {
  const inCurrent = current.cases.some((x) => x.project === c.project && x.id === c.caseId);
  const id = inCurrent ? `<a href="${e(caseHash(c.project, c.caseId))}">${e(c.caseId)}</a>` : e(c.caseId);
  const side = (s: Status | undefined, reason: string | undefined): string => (s ? `${badge(s)}${reason ? `<div class="muted">${e(reason)}</div>` : ''}` : '<span class="muted">—</span>');
  const rows = c.rows.length
    ? `<ul class="row-changes">${c.rows.map((r) => `<li><code>${e(r.key)}</code>: ${r.before !== undefined ? e(r.before) : '<span class="muted">no such row</span>'} → ${r.after !== undefined ? e(r.after) : '<span class="muted">no such row</span>'}</li>`).join('')}</ul>`
    : '';
  return `<tr class="change ch-${e(c.kind)}${c.regression ? ' regression' : ''}" data-kind="${e(c.kind)}"><th scope="row"><span class="case-id">${id}</span><div class="muted">${e(c.title)}</div></th><td>${e(c.project)}</td><td>${side(c.before, c.beforeReason)}</td><td>${side(c.after, c.afterReason)}</td><td>${rows}</td></tr>`;
}

/** What changed since the baseline run, grouped by kind, regressions first. */
function changesSection(results: Results, section: ChangesSection): string {
  const base = section.baseline;
  const intro = `Compared with the run of ${e(formatDate(base.startedAt))} (<code>${e(base.command)}</code>${base.file ? `, ${e(base.file)}` : ''}). Behaviour is compared row by row (verdict, whether every attempt held, the roles seen), without addresses and names, which differ between clusters. ${section.regressions} regression${section.regressions === 1 ? '' : 's'}: newly failing cells and controls no longer caught; flaky cells and infrastructure errors are listed, not counted as regressions.`;
  const groups = CHANGE_KINDS.filter((k) => section.counts[k] > 0).map((k) => {
    const rows = section.changes.filter((c) => c.kind === k).map((c) => changeRow(c, results)).join('\n');
    return `<h3 class="ch-${e(k)}">${e(CHANGE_LABELS[k])} <span class="pill">${section.counts[k]}</span></h3>
<table class="plain changes"><thead><tr><th>Case</th><th>Column</th><th>Baseline</th><th>Now</th><th>Rows that changed</th></tr></thead><tbody>${rows}</tbody></table>`;
  });
  return `<section id="view-changes" class="view" data-view="changes">
<h2>Changes since the baseline</h2>
<p class="muted">${intro}</p>
${groups.length ? groups.join('\n') : '<p class="empty">No changes: every cell has the status and behaviour it had in the baseline.</p>'}
</section>`;
}

/** The History view's data, compact: drawn by the page script when the view first opens. */
export interface ClientHistory {
  runs: { label: string; href?: string; current: boolean }[];
  columns: string[];
  /** `cells[col]` has one character per run: the status code (HISTORY_CODES), `-` not run. */
  rows: { id: string; title: string; cells: string[]; unstable: number[] }[];
}

/** One character per status in a history strip. */
export const HISTORY_CODES: Record<Status, string> = { passed: 'p', failed: 'f', flaky: 'k', error: 'e', skipped: 's', 'not-supported': 'n' };

export function clientHistory(history: History): ClientHistory {
  return {
    runs: history.runs.map((r) => {
      const href = safeRelativeHref(r.href);
      return { label: `${formatDate(r.startedAt)}${r.current ? ' (this run)' : ''}`, current: r.current, ...(href ? { href } : {}) };
    }),
    columns: history.columns,
    rows: history.rows.map((row) => ({ id: row.id, title: row.title, cells: row.strips.map((strip) => strip.map((c) => (c ? HISTORY_CODES[c.status] : '-')).join('')), unstable: row.unstable })),
  };
}

/**
 * Per case and column, a strip of outcomes over the runs, oldest first, this run last. Only
 * the frame is markup: 30 runs of a full matrix are thousands of marks, so the page script
 * draws them from #history-data when the view first opens, and the report opens as fast as
 * without a history.
 */
function historySection(history: History): string {
  const runs = history.runs;
  const unstable = history.rows.filter((r) => r.unstable.length).length;
  const first = runs[0];
  return `<section id="view-history" class="view" data-view="history">
<h2>History</h2>
<p class="muted">${runs.length} runs${first ? ` since ${e(formatDate(first.startedAt))}` : ''}, oldest on the left, this run on the right; each mark links to that run's case view when its report is there. ${unstable} case${unstable === 1 ? '' : 's'} did not have the same outcome in every run.</p>
<div class="matrix-wrap" id="history-body"></div>
<script type="application/json" id="history-data">${jsonForScript(clientHistory(history))}</script>
</section>`;
}

/** The fault catalogue: fault x case per mode, with links into each fault run's own report. */
function faultsBlock(f: FaultsSection): string {
  const score = f.score
    .map((s) => `<span class="count ${s.caught === s.total && s.total > 0 ? 'st-passed' : 'st-failed'}">${e(s.mode)}: ${s.caught}/${s.total} caught (${s.total ? Math.round((100 * s.caught) / s.total) : 0}%)</span>`)
    .join(' ');
  const gaps = f.gaps.length
    ? `<h3>Gaps</h3>${f.gaps.map((g) => `<p class="gap"><code>${e(g.fault)}</code> on ${e(g.mode)} (${e(g.kind)}): ${e(g.detail)}</p>`).join('')}`
    : '<p class="muted">No gaps: every fault was caught by the case it names.</p>';
  const tables = f.modes.map((mode) => {
    const runs = f.runs.filter((r) => r.mode === mode);
    const base = f.baselines.find((b) => b.mode === mode);
    const caseIds = [...new Set([...(base?.cases ?? []).map((c) => c.caseId), ...runs.flatMap((r) => r.cases.map((c) => c.caseId))])].sort();
    const head = caseIds.map((id) => `<th scope="col" class="fault-case" title="${e(id)}"><span>${e(id)}</span></th>`).join('');
    const cellOf = (report: string | undefined, cells: FaultCaseCell[], id: string, declared: boolean): string => {
      const c = cells.find((x) => x.caseId === id);
      const cls = `${declared ? 'declared ' : ''}${c ? `st-${c.status}` : 'none'}`;
      if (!c) return `<td class="${cls}">—</td>`;
      const href = safeEvidenceHref(report?.replace(/#.*$/, ''));
      const title = [c.reason, ...c.failedRows.map((r) => `mismatch: ${r}`)].filter(Boolean).join('\n');
      const mark = `${CELL_MARK[c.status]}`;
      return `<td class="${cls}"${title ? ` title="${e(title)}"` : ''}>${href ? `<a href="${e(href + caseHash(mode, id))}">${mark}</a>` : mark}</td>`;
    };
    const baseRow = base ? `<tr class="baseline"><th scope="row">baseline (no fault)</th>${caseIds.map((id) => cellOf(base.report, base.cases, id, false)).join('')}<td></td></tr>` : '';
    const rows = runs
      .map((r) => {
        const info = f.faults.find((x) => x.name === r.fault);
        const declared = new Set(info?.catches.map((c) => c.case) ?? []);
        return `<tr class="${r.verdict === 'caught' ? 'caught' : 'missed'}"><th scope="row">${e(r.fault)}<div class="muted">${e(info?.family ?? '')}</div></th>${caseIds.map((id) => cellOf(r.report, r.cases, id, declared.has(id))).join('')}<td>${verdictBadge(r.verdict)}<div class="muted">${e(r.reason)}</div></td></tr>`;
      })
      .join('\n');
    return `<h3>Detection table: ${e(mode)}</h3>
<div class="scroll"><table class="plain fault-table"><thead><tr><th>Fault</th>${head}<th>Verdict</th></tr></thead><tbody>${baseRow}${rows}</tbody></table></div>`;
  });
  const catalogue = f.faults
    .map((x) => `<tr><th scope="row">${e(x.name)}</th><td>${e(x.family)}</td><td>${e(x.description)}</td><td>${e(x.modes.join(', '))}</td><td>${x.catches.map((c) => `<code>${e(c.case)}</code>: ${rowsText(c.rows)} <span class="muted">${e(c.deviation)}</span>`).join('<br>')}</td><td><code>${e(x.patch)}</code></td></tr>`)
    .join('\n');
  return `<h2>Fault catalogue</h2>
<p class="muted">Each fault is a deliberately broken kube-proxy (a small patch); ${f.scope === 'declared' ? 'only the cases that declare they catch it ran against it (<code>--fault-scope declared</code>: the CI subset; other cells are empty)' : 'the whole catalogue ran against it'}. Boxed cells are the cases that must catch it; a cell links to that run's evidence. Inconclusive (no proxy verdict) never counts as caught.</p>
<p class="totals">Detection score: ${score}</p>
${gaps}
${tables.join('\n')}
<h3>Faults</h3>
<table class="plain"><thead><tr><th>Fault</th><th>Family</th><th>What is broken</th><th>Modes</th><th>Must be caught by (case: rows)</th><th>Patch</th></tr></thead><tbody>${catalogue}</tbody></table>`;
}

/** The whole index.html as a string; `extras.history` adds the History view. */
export function renderHtml(results: Results, extras: { history?: History } = {}): string {
  const { css, js } = clientAssets();
  const matrix = buildMatrix(results);
  const diffs = selectDifferences(matrix);
  const { run, tool } = results;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(contentSecurityPolicy(css, js))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Service proxy conformance · ${e(formatDate(run.startedAt))}</title>
<style>${css}</style>
</head>
<body>
${header(results, matrix, diffs, extras.history)}
<main>
${matrixSection(results, matrix)}
${compareSection(results, matrix, diffs)}
${controlsSection(results, matrix)}
${results.changes ? changesSection(results, results.changes) : ''}
${extras.history ? historySection(extras.history) : ''}
${tutorialsSection(results)}
<section id="view-case" class="view" data-view="case" hidden></section>
</main>
<footer class="foot">
<p><code>${e(run.command)}</code></p>
<p class="muted">${e(tool.name)} ${e(tool.version)} · results schema ${e(results.schemaVersion)} (reporter reads ${e(RESULTS_SCHEMA_VERSION)})</p>
</footer>
<script type="application/json" id="report-data">${jsonForScript(clientData(results, matrix))}</script>
<script>${js}</script>
</body>
</html>
`;
}

/** Writes `<outDir>/index.html` and returns its path. */
export async function writeHtml(results: Results, outDir: string, extras: { history?: History } = {}): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, 'index.html');
  await writeFile(path, renderHtml(results, extras));
  return path;
}
