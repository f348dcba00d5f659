// @ts-check
/* global document, window, location, performance, Node, CSS */
/*
 * The page script of index.html, inlined by reports/html.ts (allowed by its CSP hash). Routes
 * between views by URL fragment, filters the matrix, and draws the case view from the JSON in
 * #report-data. Data only ever reaches the page as text nodes (textContent / append(string)),
 * never as markup; link targets were checked by the renderer and are checked again here.
 */
(() => {
  'use strict';
  /** @typedef {import('../html.ts').ClientData} ClientData */
  /** @typedef {ClientData['cases'][number]} Case */
  /** @typedef {Case['evidence'][number]} Ev */
  /** @typedef {NonNullable<Ev['packets']>[number]} Packet */

  /** @type {Record<string, string>} */
  const LABEL = { passed: 'passed', failed: 'failed', flaky: 'flaky', error: 'infrastructure error', skipped: 'skipped', 'not-supported': 'not supported' };
  /** @type {Record<string, string>} */
  const MARK = { passed: '✓', failed: '✗', flaky: '≈', error: '!', skipped: '–', 'not-supported': '∅' };
  const TEXT_LIMIT = 20000;

  /** @type {{ columns: ClientData['columns'], byKey: Map<string, Case>, byId: Map<string, Case[]> } | undefined} */
  let data;
  function getData() {
    if (!data) {
      /** @type {ClientData} */
      const raw = JSON.parse(document.getElementById('report-data')?.textContent || '{"columns":[],"cases":[]}');
      /** @type {Map<string, Case>} */
      const byKey = new Map();
      /** @type {Map<string, Case[]>} */
      const byId = new Map();
      for (const c of raw.cases) {
        byKey.set(`${c.project}\u0000${c.id}`, c);
        byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
      }
      data = { columns: raw.columns, byKey, byId };
    }
    return data;
  }

  /** Only fragments, http(s) and plain relative paths; anything else is dropped. */
  function safeHref(/** @type {unknown} */ href) {
    if (typeof href !== 'string') return undefined;
    if (href.startsWith('#') || /^https?:\/\//i.test(href)) return href;
    // Relative paths (evidence, an earlier run's report): no ':' so no scheme, not absolute.
    return /^[A-Za-z0-9._~\-/+=@,%#]+$/.test(href) && !href.startsWith('/') ? href : undefined;
  }

  /**
   * Creates an element. Children that are strings become text nodes. Props: `class`, `href`
   * (checked), `title`, `download`, `colspan`, `open`; nothing else is ever set from data.
   * @param {string} tag
   * @param {Record<string, string | number | boolean | undefined> | null} [props]
   * @param {...(Node | string | number | null | undefined | false | (Node | string)[])} children
   * @returns {HTMLElement}
   */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === false) continue;
      if (k === 'class') el.className = String(v);
      else if (k === 'href') {
        const safe = safeHref(v);
        if (safe) el.setAttribute('href', safe);
      } else if (k === 'title' || k === 'download' || k === 'colspan' || k === 'open' || k === 'scope' || k === 'type') el.setAttribute(k, String(v));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  const caseHash = (/** @type {string} */ project, /** @type {string} */ id) => `#/case/${encodeURIComponent(project)}/${encodeURIComponent(id)}`;
  const badge = (/** @type {string} */ status) => h('span', { class: `badge st-${status}` }, `${MARK[status] || '?'} ${LABEL[status] || status}`);

  function duration(/** @type {number} */ ms) {
    if (!Number.isFinite(ms)) return '?';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    return ms < 60000 ? `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  }

  // ---- matrix filters --------------------------------------------------------------------
  const matrix = document.getElementById('matrix');
  const search = /** @type {HTMLInputElement | null} */ (document.getElementById('search'));
  const shown = document.getElementById('shown');
  const noMatch = document.getElementById('no-match');
  const statusBoxes = /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll('#filters input[name="status"]')]);

  function applyFilters() {
    if (!matrix) return;
    const on = new Set(statusBoxes.filter((b) => b.checked).map((b) => b.value));
    const query = (search?.value || '').trim().toLowerCase();
    let visible = 0;
    let total = 0;
    for (const group of matrix.querySelectorAll('tbody.group')) {
      let any = false;
      for (const row of /** @type {NodeListOf<HTMLElement>} */ (group.querySelectorAll('tr.case-row'))) {
        total += 1;
        const statuses = (row.dataset.st || '').split(' ');
        const match = statuses.some((s) => on.has(s)) && (!query || (row.dataset.search || '').includes(query));
        row.hidden = !match;
        if (match) {
          any = true;
          visible += 1;
        }
      }
      /** @type {HTMLElement} */ (group).hidden = !any;
    }
    for (const box of statusBoxes) matrix.classList.toggle(`off-${box.value}`, !box.checked);
    if (shown) shown.textContent = `${visible} of ${total} cases`;
    if (noMatch) noMatch.hidden = visible > 0;
  }
  for (const box of statusBoxes) box.addEventListener('change', applyFilters);
  search?.addEventListener('input', applyFilters);
  document.getElementById('filters')?.addEventListener('submit', (ev) => ev.preventDefault());

  // ---- case view -------------------------------------------------------------------------
  function textBlock(/** @type {string} */ text, /** @type {string} */ kind) {
    let shownText = text;
    if (kind === 'json') {
      try {
        shownText = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        /* not JSON after all: show as written */
      }
    }
    const pre = h('pre');
    const fill = (/** @type {string} */ t) => {
      pre.replaceChildren();
      if (kind === 'rules-diff') {
        for (const line of t.split('\n')) {
          const cls = line.startsWith('@@') ? 'hunk' : line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
          pre.append(h('span', { class: `diffline ${cls}` }, line || ' '));
        }
      } else pre.textContent = t;
    };
    fill(shownText.length > TEXT_LIMIT ? shownText.slice(0, TEXT_LIMIT) : shownText);
    if (shownText.length <= TEXT_LIMIT) return [pre];
    const more = h('button', { class: 'more', type: 'button' }, `show all ${Math.round(shownText.length / 1024)} KiB`);
    more.addEventListener('click', () => {
      fill(shownText);
      more.remove();
    });
    return [pre, more];
  }

  function endpoint(/** @type {string} */ ip, /** @type {number | undefined} */ port) {
    if (port === undefined) return ip;
    return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  }

  function clock(/** @type {number} */ seconds) {
    const d = new Date(seconds * 1000);
    return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().slice(11, 23);
  }

  function packetTable(/** @type {Packet[]} */ packets) {
    const t0 = packets[0]?.time ?? 0;
    return h(
      'table',
      { class: 'packets' },
      h('thead', null, h('tr', null, ...['#', 'time', '+ms', 'iface', 'proto', 'src', 'dst', 'flags', 'len'].map((x) => h('th', null, x)))),
      h(
        'tbody',
        null,
        ...packets.map((p, i) =>
          h(
            'tr',
            null,
            h('td', { class: 'num' }, i + 1),
            h('td', { class: 'mono' }, clock(p.time)),
            h('td', { class: 'num' }, ((p.time - t0) * 1000).toFixed(1)),
            h('td', { class: 'mono' }, p.iface ?? ''),
            h('td', null, p.proto),
            h('td', { class: 'mono' }, endpoint(p.src, p.srcPort)),
            h('td', { class: 'mono' }, endpoint(p.dst, p.dstPort)),
            h('td', { class: 'mono' }, p.flags ?? ''),
            h('td', { class: 'num' }, p.length),
          ),
        ),
      ),
    );
  }

  function pcapFor(/** @type {Ev} */ ev, /** @type {Ev[]} */ all) {
    const sameStep = all.filter((x) => x.kind === 'pcap' && x.href && x.step === ev.step);
    const before = sameStep.filter((x) => all.indexOf(x) < all.indexOf(ev));
    return before[before.length - 1] ?? sameStep[0];
  }

  function evidenceBlock(/** @type {Ev} */ ev, /** @type {Ev[]} */ all) {
    // Decoded packets link to their capture: the file itself, else the nearest pcap before them
    // in the same step (the recorder writes the pcap, then its decoded rows).
    const pcap = ev.packets && !ev.href ? pcapFor(ev, all) : undefined;
    const fileLink = ev.href ? h('a', { href: ev.href, download: '' }, ev.kind === 'pcap' ? 'download pcap' : 'open file') : null;
    const body = [];
    if (ev.packets) {
      body.push(h('p', { class: 'packet-note muted' }, `${ev.packets.length} packet${ev.packets.length === 1 ? '' : 's'}`, pcap ? ' · ' : '', pcap ? h('a', { href: pcap.href, download: '' }, `download ${pcap.name}`) : ''));
      body.push(packetTable(ev.packets));
    }
    if (typeof ev.text === 'string') body.push(...textBlock(ev.text, ev.kind));
    const open = ev.kind === 'echo' || ev.kind === 'packets' || ev.kind === 'rules-diff' || (ev.kind === 'pcap' && ev.packets);
    return h('details', { class: `evidence ev-${ev.kind}`, open: Boolean(open) }, h('summary', null, ev.name, h('span', { class: 'kind' }, ev.kind), fileLink), ...body);
  }

  function renderCase(/** @type {Case} */ c) {
    const d = getData();
    const column = d.columns.find((x) => x.name === c.project);
    const others = (d.byId.get(c.id) || []).filter((x) => x !== c);
    const view = [];
    view.push(h('p', { class: 'crumbs' }, h('a', { href: '#/matrix' }, '← Matrix'), ' · ', h('a', { href: c.sourceHref }, c.source.title)));
    view.push(
      h(
        'div',
        { class: 'case-head' },
        h('h2', null, c.title),
        badge(c.status),
        h('span', { class: 'muted' }, `${c.project}${column ? ` · ${column.proxyMode} · ${column.implementation}` : ''} · ${duration(c.durationMs)}${(c.attempts ?? 1) > 1 ? ` · ${c.attempts} attempts` : ''}`),
      ),
    );
    view.push(h('p', { class: 'case-id muted' }, c.id));
    if (c.reason) view.push(h('p', { class: `reason st-${c.status}` }, c.reason));
    if (others.length) {
      view.push(h('div', { class: 'elsewhere' }, h('span', { class: 'muted' }, 'Other columns:'), ...others.map((o) => h('a', { href: caseHash(o.project, o.id) }, `${o.project} `, badge(o.status)))));
    }
    if (c.runs?.length) {
      view.push(h('h3', null, `Runs (${c.runs.length})`, c.shownRun ? h('span', { class: 'muted' }, ` · details below are from run ${c.shownRun}`) : ''));
      view.push(
        h(
          'table',
          { class: 'plain runs' },
          h('thead', null, h('tr', null, ...['Run', 'Outcome', 'Why', 'Rows that failed', 'Duration', 'Evidence'].map((x) => h('th', null, x)))),
          h(
            'tbody',
            null,
            ...c.runs.map((r) =>
              h(
                'tr',
                { class: r.run === c.shownRun ? 'shown' : '' },
                h('td', { class: 'num' }, r.run),
                h('td', null, badge(r.status)),
                h('td', null, r.reason ?? ''),
                h('td', null, r.failedRows.join('; ')),
                h('td', { class: 'num' }, duration(r.durationMs)),
                h('td', null, r.evidenceDir ? h('a', { href: `${r.evidenceDir}/` }, 'files') : ''),
              ),
            ),
          ),
        ),
      );
    }
    view.push(h('div', { class: 'eo' }, h('div', null, h('h3', null, 'Expected'), c.expected), h('div', null, h('h3', null, 'Observed'), c.observed || '—')));

    if (c.checks.length) {
      view.push(h('h3', null, 'Checks'));
      view.push(
        h(
          'table',
          { class: 'plain checks' },
          h('thead', null, h('tr', null, ...['Source → destination', 'Expected', 'Echo saw', 'Wire saw', 'Verdict', 'Note'].map((x) => h('th', null, x)))),
          h(
            'tbody',
            null,
            ...c.checks.map((k) =>
              h(
                'tr',
                { class: k.verdict === 'mismatch' || k.verdict === 'disagree' ? 'bad' : '' },
                h('th', { scope: 'row' }, k.key, k.proxyIndependent ? h('span', { class: 'tag tag-control-plane', title: 'this row does not depend on the Service proxy' }, 'not the proxy') : ''),
                h('td', null, k.expected),
                h('td', { class: 'text' }, k.observedEcho ?? '—'),
                h('td', { class: 'text' }, k.observedWire ?? '—'),
                h('td', null, h('span', { class: `verdict v-${k.verdict}` }, k.verdict), k.samples ? h('div', { class: 'muted small' }, `${k.samples.ok}/${k.samples.total} attempts`) : ''),
                h('td', null, k.note ?? ''),
              ),
            ),
          ),
        ),
      );
    }

    view.push(h('h3', null, `Steps (${duration(c.steps.reduce((s, x) => s + x.durationMs, 0))})`));
    const stepTitles = new Set(c.steps.map((s) => s.title));
    const items = c.steps.map((s, i) =>
      h(
        'li',
        null,
        h('div', { class: 'step-line' }, h('span', { class: 'n' }, i + 1), h('span', { class: 't' }, s.title), h('span', { class: 'd' }, duration(s.durationMs))),
        s.error ? h('div', { class: 'step-error' }, s.error) : null,
        ...c.evidence.filter((ev) => ev.step === s.title).map((ev) => evidenceBlock(ev, c.evidence)),
      ),
    );
    const loose = c.evidence.filter((ev) => !ev.step || !stepTitles.has(ev.step));
    if (loose.length) items.push(h('li', null, h('div', { class: 'step-line' }, h('span', { class: 'n' }), h('span', { class: 't muted' }, 'Other evidence')), ...loose.map((ev) => evidenceBlock(ev, c.evidence))));
    view.push(h('ol', { class: 'steps' }, ...items));
    return view;
  }

  // ---- history ---------------------------------------------------------------------------
  /** @type {Record<string, string>} */
  const HISTORY_STATUS = { p: 'passed', f: 'failed', k: 'flaky', e: 'error', s: 'skipped', n: 'not-supported' };
  let historyDrawn = false;

  /** Draws the History view's strips from #history-data, once, when the view first opens. */
  function drawHistory() {
    const body = document.getElementById('history-body');
    if (historyDrawn || !body) return;
    historyDrawn = true;
    /** @type {import('../html.ts').ClientHistory} */
    const hist = JSON.parse(document.getElementById('history-data')?.textContent || '{"runs":[],"columns":[],"rows":[]}');
    const rows = hist.rows.map((row) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, h('span', { class: 'case-id' }, row.id), h('div', { class: 'muted' }, row.title)),
        ...hist.columns.map((project, col) => {
          const codes = row.cells[col] || '';
          // Thousands of marks: plain createElement, attributes set directly (no data as markup).
          const strip = document.createElement('span');
          strip.className = 'strip';
          [...codes].forEach((code, i) => {
            const run = hist.runs[i];
            const status = HISTORY_STATUS[code];
            const href = status && (run?.current ? caseHash(project, row.id) : run?.href ? safeHref(`${run.href}${caseHash(project, row.id)}`) : undefined);
            const mark = document.createElement(href ? 'a' : 'span');
            mark.className = status ? `h st-${status}` : 'h none';
            mark.title = `${run?.label ?? ''}: ${status ? LABEL[status] || status : 'not run'}`;
            if (href) mark.setAttribute('href', href);
            strip.append(mark);
          });
          return h('td', { class: row.unstable.includes(col) ? 'unstable' : '' }, strip);
        }),
      ),
    );
    body.replaceChildren(h('table', { class: 'plain history' }, h('thead', null, h('tr', null, h('th', null, 'Case'), ...hist.columns.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, rows)));
  }

  // ---- routing ---------------------------------------------------------------------------
  const views = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('main > .view')]);
  const caseView = document.getElementById('view-case');
  let lastCell = /** @type {Element | null} */ (null);
  let matrixScroll = 0;

  function show(/** @type {string} */ name) {
    for (const v of views) v.hidden = v.dataset.view !== name;
    const tab = name === 'case' ? 'matrix' : name;
    for (const a of document.querySelectorAll('.tabs a')) {
      if (/** @type {HTMLElement} */ (a).dataset.view === tab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  function route() {
    const hash = location.hash;
    const current = views.find((v) => !v.hidden);
    if (current?.dataset.view === 'matrix') matrixScroll = window.scrollY;
    const m = /^#\/case\/([^/]*)\/(.*)$/.exec(hash);
    if (m && caseView) {
      let project = '';
      let id = '';
      try {
        project = decodeURIComponent(m[1] || '');
        id = decodeURIComponent(m[2] || '');
      } catch {
        /* malformed fragment: falls through to "not found" */
      }
      const c = getData().byKey.get(`${project}\u0000${id}`);
      caseView.replaceChildren(...(c ? renderCase(c) : [h('p', { class: 'empty' }, `No result for ${id} in ${project}. `, h('a', { href: '#/matrix' }, 'Back to the matrix'))]));
      show('case');
      window.scrollTo(0, 0);
      lastCell?.classList.remove('last-visited');
      lastCell = matrix?.querySelector(`a.cell[href="${CSS.escape(hash)}"]`)?.parentElement ?? null;
      lastCell?.classList.add('last-visited');
      return;
    }
    const named = { '#/compare': 'compare', '#/controls': 'controls', '#/changes': 'changes', '#/history': 'history' };
    const wanted = hash.startsWith('#/tutorials') ? 'tutorials' : /** @type {Record<string, string>} */ (named)[hash] ?? 'matrix';
    const name = views.some((v) => v.dataset.view === wanted) ? wanted : 'matrix';
    if (name === 'history') drawHistory();
    show(name);
    if (name === 'matrix') window.scrollTo(0, matrixScroll);
  }

  window.addEventListener('hashchange', route);
  applyFilters();
  route();
  document.body.dataset.ready = 'true';
  performance.mark('report-ready');
})();
