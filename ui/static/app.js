// Aurum workbench: forward curves, scenario runs and markets as SVG charts.
// Every number comes from the public API (/v1/...), called with the
// identity the <html> element's data- attributes describe (package ui).
'use strict';
// When the script began, beside aurum:curves-drawn: the browser test logs both.
performance.mark('aurum:script');

// ---------------------------------------------------------------- basics

const $ = (id) => document.getElementById(id);
const SVGNS = 'http://www.w3.org/2000/svg';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function num(v, digits = 2) {
  return v === null || v === undefined || Number.isNaN(v) ? '' : Number(v).toFixed(digits);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// monthStart is the instant (ms) a YYYY-MM or YYYY-MM-DD month begins, UTC.
function monthStart(s) {
  return Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, 1);
}

function addMonths(t, n) {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

function monthLabel(t) {
  const d = new Date(t);
  return MONTHS[d.getUTCMonth()] + ' ' + String(d.getUTCFullYear()).slice(2);
}

function ymd(t) {
  return new Date(t).toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ API

const identity = document.documentElement.dataset;
const TOKEN_KEY = 'aurum.token';

class APIError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra);
  if (identity.tenant) {
    h['X-Aurum-Tenant'] = identity.tenant;
    h['X-Aurum-User'] = identity.user;
    h['X-Aurum-Roles'] = identity.roles;
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) h.Authorization = 'Bearer ' + token;
  return h;
}

// call fetches an API path (relative to the page, so that a proxy may
// mount the API under a prefix) and returns the parsed JSON body; a
// problem+json answer becomes an APIError carrying its detail.
async function call(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: headers(opts.body ? { 'Content-Type': 'application/json' } : {}) };
  if (opts.body) init.body = JSON.stringify(opts.body);
  if (opts.signal) init.signal = opts.signal;
  const resp = await fetch(path, init);
  if (!resp.ok) {
    let detail = resp.statusText;
    try {
      const p = await resp.json();
      detail = p.detail || p.title || detail;
    } catch (_) { /* not problem+json */ }
    if (resp.status === 401 && identity.authMode === 'oidc') askToken(detail);
    throw new APIError(resp.status, detail);
  }
  const body = await resp.json();
  body.status = resp.status;
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// rows follows next_cursor through at most maxPages pages of a list; the
// array's `more` says whether the list went on.
async function rows(path, params, maxPages = 10, signal) {
  const out = [];
  let cursor = '';
  for (let page = 0; page < maxPages; page++) {
    const body = await call(path + query(Object.assign({}, params, { cursor })), { signal });
    out.push(...body.data);
    cursor = body.meta && body.meta.next_cursor;
    if (!cursor) break;
  }
  out.more = Boolean(cursor);
  return out;
}

// follow reads a server-sent event stream (GET /v1/runs/{id}/events) with
// fetch, so that it carries the same headers as every other call, and
// calls onEvent with each event's parsed data until onEvent says the last
// has come. It resumes a dropped stream from the last event id, waiting a
// second longer each time, at most four times.
async function follow(path, onEvent, signal) {
  let lastID = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await new Promise((done) => setTimeout(done, 1000 * attempt));
    const h = headers({ Accept: 'text/event-stream' });
    if (lastID) h['Last-Event-ID'] = lastID;
    const resp = await fetch(path, { headers: h, signal });
    if (!resp.ok) throw new APIError(resp.status, resp.statusText);
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let terminal = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) lastID = line.slice(4);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) terminal = onEvent(JSON.parse(data)) || terminal;
      }
    }
    if (terminal) return;
  }
}

function askToken(detail) {
  $('auth').hidden = false;
  showError('Sign in: paste a bearer token for this API (' + detail + ').');
  $('token').focus();
}

function showError(message) {
  const e = $('error');
  e.textContent = message;
  e.hidden = !message;
}

function report(err) {
  if (err.name === 'AbortError') return;
  showError(err instanceof APIError ? `${err.message} (HTTP ${err.status})` : String(err.message || err));
}

// ---------------------------------------------------------------- chart

const PAD = { left: 56, right: 16, top: 28, bottom: 26 };

function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return mag * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
}

// draw renders spec into svg: layers of bands ({x, lo, hi}), lines
// ({x, y}; null y breaks the line), strips ({x0, x1, y}) and stacked bars
// ({x, parts: [{name, v}]}) against one time axis. The svg's data-points
// attribute tells how many points it plotted (spec.points), for tests and
// assistive technology alike. Arrow keys and the pointer move a cursor
// that reads out every named layer at that x.
function draw(svg, spec) {
  const W = svg.clientWidth || 800;
  const H = svg.clientHeight || 300;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  svg.dataset.points = String(spec.points);
  const empty = () => {
    svg.dataset.points = '0';
    svg.append(svgEl('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, spec.empty || 'No data'));
  };
  if (!spec.points) {
    empty();
    return;
  }
  const xs = [];
  const ys = spec.zero ? [0] : [];
  for (const l of spec.layers) {
    for (const d of l.data) {
      if (l.type === 'band') { xs.push(d.x); ys.push(d.lo, d.hi); }
      if (l.type === 'line' && d.y !== null) { xs.push(d.x); ys.push(d.y); }
      if (l.type === 'strip') { xs.push(d.x0, d.x1); ys.push(d.y); }
      if (l.type === 'stack') {
        xs.push(d.x);
        let up = 0, down = 0;
        for (const p of d.parts) { if (p.v > 0) up += p.v; else down += p.v; }
        ys.push(up, down);
      }
    }
  }
  if (!xs.length || ys.length === (spec.zero ? 1 : 0)) {
    empty(); // nothing with a value
    return;
  }
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  const barHalf = spec.layers.some((l) => l.type === 'stack') ? (x1 - x0) / Math.max(1, spec.points) / 2 || 1 : 0;
  x0 -= barHalf; x1 += barHalf;
  if (x1 === x0) x1 = x0 + 1;
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const step = niceStep(y1 - y0, 5);
  y0 = Math.floor(y0 / step) * step; y1 = Math.ceil(y1 / step) * step;
  const sx = (x) => PAD.left + (x - x0) / (x1 - x0) * (W - PAD.left - PAD.right);
  const sy = (y) => H - PAD.bottom - (y - y0) / (y1 - y0) * (H - PAD.top - PAD.bottom);

  const axes = svgEl('g', { 'aria-hidden': 'true' });
  const digits = step < 1 ? Math.min(4, Math.ceil(-Math.log10(step))) : 0;
  for (let y = y0; y <= y1 + step / 2; y += step) {
    axes.append(svgEl('line', { class: Math.abs(y) < step / 1e6 ? 'zero' : 'grid', x1: PAD.left, x2: W - PAD.right, y1: sy(y), y2: sy(y) }));
    axes.append(svgEl('text', { x: PAD.left - 6, y: sy(y) + 4, 'text-anchor': 'end' }, y.toFixed(digits)));
  }
  const ticks = spec.ticks(x0 + barHalf, x1 - barHalf, Math.max(2, Math.floor((W - PAD.left) / 70)));
  for (const t of ticks) {
    axes.append(svgEl('text', { x: sx(t.x), y: H - 8, 'text-anchor': 'middle' }, t.label));
  }
  axes.append(svgEl('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom }));
  if (spec.unit) axes.append(svgEl('text', { x: 6, y: 14 }, spec.unit));
  svg.append(axes);

  for (const l of spec.layers) {
    const g = svgEl('g', { class: l.cls || '' });
    if (l.type === 'band' && l.data.length) {
      const top = l.data.map((d) => `${sx(d.x)},${sy(d.hi)}`);
      const bottom = l.data.slice().reverse().map((d) => `${sx(d.x)},${sy(d.lo)}`);
      g.append(svgEl('polygon', { points: top.concat(bottom).join(' ') }));
    }
    if (l.type === 'line') {
      let path = '';
      let pen = 'M';
      for (const d of l.data) {
        if (d.y === null) { pen = 'M'; continue; }
        path += `${pen}${sx(d.x).toFixed(1)},${sy(d.y).toFixed(1)}`;
        pen = 'L';
      }
      g.append(svgEl('path', { class: 'line ' + l.cls, d: path }));
    }
    if (l.type === 'strip') {
      for (const d of l.data) {
        g.append(svgEl('line', { class: 'strip', x1: sx(d.x0), x2: sx(d.x1), y1: sy(d.y), y2: sy(d.y) }));
      }
    }
    if (l.type === 'stack') {
      const bw = Math.max(1, (sx(x0 + 2 * barHalf) - sx(x0)) * 0.8);
      for (const d of l.data) {
        let up = 0, down = 0;
        d.parts.forEach((p) => {
          const from = p.v >= 0 ? up : down;
          const to = from + p.v;
          if (p.v >= 0) up = to; else down = to;
          g.append(svgEl('rect', {
            class: l.colour ? l.colour(p, d) : 'p' + p.i,
            x: sx(d.x) - bw / 2, width: bw,
            y: Math.min(sy(from), sy(to)), height: Math.max(0.5, Math.abs(sy(from) - sy(to))),
          }));
        });
      }
    }
    svg.append(g);
  }
  legend(svg, spec.legend || [], W);
  cursor(svg, spec, sx, H);
}

function legend(svg, items, W) {
  const g = svgEl('g', { class: 'legend' });
  svg.append(g);
  let x = W - PAD.right;
  for (const item of items.slice().reverse()) {
    const t = svgEl('text', { x, y: 16, 'text-anchor': 'end' }, item.name);
    g.append(t);
    x -= (t.getComputedTextLength() || item.name.length * 7) + 4;
    g.append(svgEl('rect', { class: item.swatch, x: x - 10, y: 7, width: 10, height: 10 }));
    x -= 24;
  }
}

// cursor lets the pointer and the arrow keys pick an x and read every
// named layer's value there.
function cursor(svg, spec, sx, H) {
  const stops = [...new Set(spec.layers.flatMap((l) => l.data.map((d) => d.x)).filter((x) => x !== undefined))].sort((a, b) => a - b);
  if (!stops.length) return;
  const g = svgEl('g', { 'aria-hidden': 'true' });
  svg.append(g);
  let at = -1;
  const show = (i) => {
    at = Math.max(0, Math.min(stops.length - 1, i));
    const x = stops[at];
    const lines = [spec.label(x)];
    for (const l of spec.layers) {
      if (!l.name) continue;
      const d = l.data.find((p) => p.x === x);
      if (!d) continue;
      if (l.type === 'stack') d.parts.forEach((p) => lines.push(`${p.name}: ${num(p.v)}`));
      else lines.push(`${l.name}: ${num(l.type === 'band' ? d.lo : d.y)}${l.type === 'band' ? ' – ' + num(d.hi) : ''}`);
    }
    g.replaceChildren(svgEl('line', { class: 'cursor', x1: sx(x), x2: sx(x), y1: PAD.top, y2: H - PAD.bottom }));
    const left = sx(x) > svg.viewBox.baseVal.width / 2;
    const texts = lines.map((s, i) => svgEl('text', { class: 'tip', y: PAD.top + 30 + i * 15 }, s));
    const box = svgEl('rect', { class: 'tip-bg', y: PAD.top + 14, height: lines.length * 15 + 8, rx: 3 });
    g.append(box, ...texts);
    const w = Math.max(...texts.map((t) => t.getComputedTextLength())) + 12;
    const tx = left ? sx(x) - w - 8 : sx(x) + 8;
    box.setAttribute('x', tx);
    box.setAttribute('width', w);
    texts.forEach((t) => t.setAttribute('x', tx + 6));
    svg.setAttribute('aria-description', lines.join(', '));
  };
  svg.onpointermove = (ev) => {
    const box = svg.getBoundingClientRect();
    const px = (ev.clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
    let best = 0;
    stops.forEach((x, i) => { if (Math.abs(sx(x) - px) < Math.abs(sx(stops[best]) - px)) best = i; });
    show(best);
  };
  svg.onpointerleave = () => g.replaceChildren();
  svg.onkeydown = (ev) => {
    const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: stops.length - 1 };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    show(at < 0 && ev.key === 'ArrowLeft' ? stops.length - 1 : moves[ev.key]);
  };
  svg.onblur = () => g.replaceChildren();
}

function monthTicks(x0, x1, count) {
  const months = Math.round((x1 - x0) / (30.44 * 864e5)) + 1;
  const every = [1, 2, 3, 6, 12, 24, 60].find((n) => months / n <= count) || 120;
  const out = [];
  for (let t = monthStart(ymd(x0)); t <= x1; t = addMonths(t, 1)) {
    const m = new Date(t).getUTCMonth() + new Date(t).getUTCFullYear() * 12;
    if (m % every === 0) out.push({ x: t, label: monthLabel(t) });
  }
  return out;
}

function yearTicks(x0, x1, count) {
  const y0 = new Date(x0).getUTCFullYear(), y1 = new Date(x1).getUTCFullYear();
  const every = [1, 2, 5, 10, 20, 50].find((n) => (y1 - y0) / n <= count) || 100;
  const out = [];
  for (let y = Math.ceil(y0 / every) * every; y <= y1; y += every) out.push({ x: Date.UTC(y, 0, 1), label: String(y) });
  return out;
}

// ------------------------------------------------------------ csv, table

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function download(name, header, records) {
  const text = [header, ...records].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function fillTable(table, header, records) {
  const head = el('tr', {}, ...header.map((h) => el('th', { scope: 'col' }, h)));
  const body = records.map((r) => el('tr', {}, ...r.map((v) => el('td', {}, typeof v === 'number' ? num(v) : v ?? ''))));
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
}

function options(select, items, keep) {
  const previous = keep ? select.value : '';
  select.replaceChildren(...items.map((it) => el('option', { value: it.value }, it.label)));
  if (items.some((it) => it.value === previous)) select.value = previous;
}

// --------------------------------------------------------------- curves

const curves = { seq: 0, shown: null, ready: false, want: null };
const DIMENSIONS = [['c-asset', 'asset_class'], ['c-iso', 'iso'], ['c-location', 'location'], ['c-block', 'block']];

function dimensionFilter(upTo) {
  const f = {};
  for (const [id, dim] of DIMENSIONS.slice(0, upTo)) if ($(id).value) f[dim] = $(id).value;
  return f;
}

// fillDimension fills select i with the values its dimension takes among
// the curves that filter selects (GET /v1/metadata/dimensions), choosing
// `choice` when it is one of them or '' (any), else the first value.
async function fillDimension(i, filter, choice) {
  const [id, dim] = DIMENSIONS[i];
  const values = await rows('v1/metadata/dimensions', Object.assign({ dimension: dim, limit: 500 }, filter), 4);
  const items = values.map((v) => ({ value: v.value, label: v.value }));
  options($(id), [{ value: '', label: 'Any' }].concat(items));
  const keep = choice === '' || items.some((it) => it.value === choice);
  $(id).value = keep ? choice : items.length ? items[0].value : '';
}

// loadDimensions refills the selects after the one at index `changed`,
// each narrowed by the choices before it.
async function loadDimensions(changed) {
  for (let i = changed + 1; i < DIMENSIONS.length; i++) await fillDimension(i, dimensionFilter(i), $(DIMENSIONS[i][0]).value);
}

function seriesKey(r) {
  return r.curve_key + '|' + r.price_type;
}

function curveLabel(r) {
  return [r.iso, r.location, r.block, r.market, r.product, r.price_type].filter(Boolean).join(' · ');
}

// loadCurves draws the curves the selects choose, or those of filter.
async function loadCurves(filter) {
  const seq = ++curves.seq;
  const status = $('curve-status');
  status.textContent = 'Loading…';
  try {
    filter = Object.assign(filter || dimensionFilter(DIMENSIONS.length), { tenor_type: 'MONTHLY', limit: 500 });
    const asof = $('c-asof').value;
    let data = await rows('v1/curves', Object.assign({ asof }, filter), 10);
    if (seq !== curves.seq) return;
    if (!asof && data.length) {
      // The latest point of every curve and tenor: show the latest day's.
      const latest = data.reduce((m, r) => (r.asof_date > m ? r.asof_date : m), '');
      data = data.filter((r) => r.asof_date === latest);
      $('c-asof').value = latest;
    }
    const series = new Map();
    for (const r of data) {
      if (!series.has(seriesKey(r))) series.set(seriesKey(r), []);
      series.get(seriesKey(r)).push(r);
    }
    const select = $('c-curve');
    options(select, [...series.values()].map((rs) => ({ value: seriesKey(rs[0]), label: curveLabel(rs[0]) })), true);
    if (curves.want && series.has(curves.want)) select.value = curves.want;
    curves.want = null;
    const points = series.get(select.value) || [];
    const extra = await overlays(points[0], seq);
    if (seq !== curves.seq) return;
    curves.shown = { points, ...extra };
    drawCurves();
    status.textContent = points.length
      ? `${curveLabel(points[0])}, ${points.length} months as of ${$('c-asof').value}` + (series.size > 1 ? ` (${series.size} curves match)` : '')
      : 'No curve matches these choices on this date.';
    showError('');
    writeCurvesLink();
    if (!curves.ready) {
      curves.ready = true;
      performance.mark('aurum:curves-drawn');
    }
  } catch (err) {
    status.textContent = '';
    report(err);
  }
}

// overlays fetches what is drawn over the curve: the comparison date's
// curve and the differences (GET /v1/curves/diff), and the chosen strips
// (GET /v1/curves/strips).
async function overlays(first, seq) {
  const out = { diff: [], strips: [] };
  if (!first) return out;
  const one = { curve_key: first.curve_key, price_type: first.price_type };
  const compare = $('c-compare').value;
  const jobs = [];
  if (compare && compare !== first.asof_date) {
    jobs.push(rows('v1/curves/diff', Object.assign({ asof_a: compare, asof_b: first.asof_date, tenor_type: 'MONTHLY', limit: 500 }, one), 4)
      .then((d) => { out.diff = d; }));
  }
  for (const box of document.querySelectorAll('input[name="strip"]:checked')) {
    jobs.push(rows('v1/curves/strips', Object.assign({ type: box.value, asof: first.asof_date, limit: 500 }, one), 4)
      .then((d) => { out.strips.push(...d); }));
  }
  await Promise.all(jobs);
  if (seq === curves.seq) out.strips.sort((a, b) => a.tenor_label.localeCompare(b.tenor_label));
  return out;
}

function drawCurves() {
  const { points, diff, strips } = curves.shown;
  const value = (r) => r.value ?? r.mid;
  const first = points[0];
  const unit = first ? `${first.currency || ''}/${first.per_unit || ''}` : '';
  const asof = $('c-asof').value;
  const compare = $('c-compare').value;
  const layers = [];
  const banded = points.filter((r) => r.bid !== null && r.ask !== null);
  if (banded.length) {
    layers.push({ type: 'band', cls: 'band0', name: 'Bid–ask', data: banded.map((r) => ({ x: monthStart(r.contract_month), lo: r.bid, hi: r.ask })) });
  }
  layers.push({ type: 'line', cls: 's0', name: asof, data: points.map((r) => ({ x: monthStart(r.contract_month), y: value(r) })) });
  const legendItems = [{ name: asof, swatch: 'sw0' }];
  if (diff.length) {
    layers.push({ type: 'line', cls: 's1', name: compare, data: diff.map((r) => ({ x: monthStart(r.contract_month), y: r.mid_a })) });
    legendItems.push({ name: compare, swatch: 'sw1' });
  }
  if (strips.length) {
    layers.push({
      type: 'strip', data: strips.map((s) => ({ x0: monthStart(s.months[0]), x1: addMonths(monthStart(s.months[s.months.length - 1]), 1), y: s.mid })),
    });
    legendItems.push({ name: 'Strips', swatch: 'sw-strip' });
  }
  draw($('curve-chart'), {
    points: points.filter((r) => value(r) !== null).length, layers, unit, legend: legendItems, ticks: monthTicks, label: monthLabel,
    empty: 'No curve matches these choices on this date',
  });

  const diffFigure = $('diff-figure');
  diffFigure.hidden = !diff.length;
  if (diff.length) {
    draw($('diff-chart'), {
      points: diff.length, zero: true, unit, ticks: monthTicks, label: monthLabel,
      layers: [{
        type: 'stack', name: 'Change', colour: (p) => (p.v >= 0 ? 'bar-up' : 'bar-down'),
        data: diff.map((r) => ({ x: monthStart(r.contract_month), parts: [{ name: `${asof} − ${compare}`, v: r.diff_abs, i: 0 }] })),
      }],
    });
  }
  const [header, records] = curveRecords();
  fillTable($('curve-table'), header, records);
}

// curveRecords is what the chart shows, as rows: the monthly points with
// the comparison and the strips.
function curveRecords() {
  const { points, diff, strips } = curves.shown;
  const byMonth = new Map(diff.map((r) => [r.tenor_label, r]));
  const header = ['tenor', 'tenor_type', 'contract_month', 'value', 'bid', 'ask'];
  if (diff.length) header.push('value ' + $('c-compare').value, 'change');
  const records = points.map((r) => {
    const rec = [r.tenor_label, r.tenor_type, r.contract_month, r.value ?? r.mid, r.bid, r.ask];
    const d = byMonth.get(r.tenor_label);
    if (diff.length) rec.push(d ? d.mid_a : null, d ? d.diff_abs : null);
    return rec;
  });
  for (const s of strips) {
    const rec = [s.tenor_label, s.tenor_type, s.months[0] + '-01', s.mid, null, null];
    if (diff.length) rec.push(null, null);
    records.push(rec);
  }
  return [header, records];
}

function exportCurves() {
  if (!curves.shown || !curves.shown.points.length) return;
  const [header, records] = curveRecords();
  const first = curves.shown.points[0];
  download(`${[first.iso, first.location, first.block].filter(Boolean).join('_').replace(/\W+/g, '-')}_${$('c-asof').value}.csv`, header, records);
}

// The curves view's choices live in the address (#curves?iso=PJM&…), so
// that a view can be bookmarked and shared. The as-of date is in it only
// when chosen: a link without one shows the latest.
function writeCurvesLink() {
  if (!['', 'curves'].includes(location.hash.slice(1).split('?')[0])) return; // another view is shown
  const q = new URLSearchParams();
  for (const [id, dim] of DIMENSIONS) if ($(id).value) q.set(dim, $(id).value);
  if ($('c-curve').value) q.set('curve', $('c-curve').value);
  if ($('c-asof').dataset.chosen) q.set('asof', $('c-asof').value);
  if ($('c-compare').value) q.set('compare', $('c-compare').value);
  const strips = [...document.querySelectorAll('input[name="strip"]:checked')].map((b) => b.value);
  if (strips.length) q.set('strips', strips.join(','));
  history.replaceState(null, '', '#curves?' + q);
}

// readCurvesLink applies the choices of the address, if it has any, to
// the inputs, and returns them.
function readCurvesLink() {
  const [view, query] = location.hash.slice(1).split('?');
  if (view !== 'curves' || !query) return null;
  const q = new URLSearchParams(query);
  if (q.get('asof')) {
    $('c-asof').value = q.get('asof');
    $('c-asof').dataset.chosen = '1';
  }
  $('c-compare').value = q.get('compare') || '';
  const strips = (q.get('strips') || '').split(',');
  for (const box of document.querySelectorAll('input[name="strip"]')) box.checked = strips.includes(box.value);
  curves.want = q.get('curve');
  return q;
}

async function initCurves() {
  DIMENSIONS.forEach(([id], i) => $(id).addEventListener('change', () => {
    loadDimensions(i).then(() => loadCurves(), report);
  }));
  $('c-asof').addEventListener('change', () => { $('c-asof').dataset.chosen = $('c-asof').value ? '1' : ''; });
  for (const id of ['c-curve', 'c-asof', 'c-compare']) $(id).addEventListener('change', () => loadCurves());
  for (const box of document.querySelectorAll('input[name="strip"]')) box.addEventListener('change', () => loadCurves());
  $('c-csv').addEventListener('click', exportCurves);
  $('curve-form').addEventListener('submit', (ev) => ev.preventDefault());
  try {
    // The address's curve, else a power curve to start with, if any: its
    // dimensions choose the selects, which fill while its points load.
    const link = readCurvesLink();
    const monthly = { tenor_type: 'MONTHLY', limit: 1 };
    let first = link && Object.fromEntries(DIMENSIONS.map(([, dim]) => [dim, link.get(dim)]));
    if (!first) [first] = await rows('v1/curves', Object.assign({ asset_class: 'power' }, monthly), 1);
    if (!first) [first] = await rows('v1/curves', monthly, 1);
    if (!first) {
      await fillDimension(0, {});
      await loadCurves();
      return;
    }
    const filter = {};
    const fills = DIMENSIONS.map(([, dim], i) => {
      const above = Object.assign({}, filter);
      if (first[dim]) filter[dim] = first[dim];
      return fillDimension(i, above, first[dim] || '');
    });
    await Promise.all([...fills, loadCurves(filter)]);
    writeCurvesLink();
  } catch (err) {
    report(err);
  }
}

// ----------------------------------------------------------------- runs

const runsState = { seq: 0, run: null, stream: null, labels: new Map() };
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

// exampleScenario is what "Create example scenario" posts.
function exampleScenario() {
  const year = new Date().getUTCFullYear() + 1;
  return {
    name: 'Example: gas +$1, carbon $40 from ' + year + ', 30% volatility',
    description: 'Created from the workbench page.',
    curve_filter: { iso: ['PJM'] },
    drivers: [
      { driver_type: 'fuel_price', payload: { fuel: 'natural_gas', delta: 1.0 } },
      { driver_type: 'carbon_policy', payload: { price: 40, start_month: year + '-01' } },
      { driver_type: 'volatility', payload: { annual_vol_pct: 30 } },
    ],
  };
}

async function loadScenarios(select) {
  const list = await rows('v1/scenarios', { limit: 100 }, 1);
  options($('r-scenario'), list.map((s) => ({ value: s.id, label: s.name })), true);
  if (select) $('r-scenario').value = select;
  $('r-example').hidden = list.length > 0;
  $('r-start').disabled = list.length === 0;
  $('run-status').textContent = list.length ? '' : 'This tenant has no scenario yet.';
  await loadRuns();
}

function runRow(r) {
  const view = el('button', { type: 'button', 'aria-label': 'Show run ' + r.id.slice(0, 8) }, 'Show');
  view.addEventListener('click', () => showRun(r));
  const tr = el('tr', { 'data-run': r.id },
    el('td', {}, view),
    el('td', {}, el('code', {}, r.id.slice(0, 8))),
    el('td', { class: 'state-' + r.state }, r.state),
    el('td', {}, r.asof_date),
    el('td', {}, (r.queued_at || '').replace('T', ' ').slice(0, 19)),
    el('td', {}, r.output_count === null ? '' : String(r.output_count)));
  if (runsState.run && runsState.run.id === r.id) tr.setAttribute('aria-current', 'true');
  return tr;
}

async function loadRuns() {
  const id = $('r-scenario').value;
  const table = $('run-table');
  if (!id) {
    table.replaceChildren();
    return;
  }
  const list = await rows(`v1/scenarios/${id}/runs`, { limit: 50 }, 1);
  const head = el('tr', {}, ...['', 'run', 'state', 'as of', 'queued (UTC)', 'outputs'].map((h) => el('th', { scope: 'col' }, h)));
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...list.map(runRow)));
  if (!runsState.run && list.length) showRun(list[0]);
}

function setState(run) {
  const s = $('run-state');
  s.textContent = run.state + (run.error ? ': ' + run.error : '');
  s.dataset.state = run.state;
  s.className = 'state-' + run.state;
  const row = document.querySelector(`#run-table tr[data-run="${run.id}"]`);
  if (row) row.replaceWith(runRow(run));
}

// showRun shows one run: its state, followed live until it ends, then its
// outputs.
async function showRun(run) {
  const seq = ++runsState.seq;
  if (runsState.stream) runsState.stream.abort();
  runsState.run = run;
  $('run-detail').hidden = false;
  $('run-title').textContent = `Run ${run.id.slice(0, 8)} as of ${run.asof_date}`;
  for (const tr of document.querySelectorAll('#run-table tr[data-run]')) {
    tr.setAttribute('aria-current', String(tr.dataset.run === run.id));
  }
  setState(run);
  const ended = TERMINAL.has(run.state) && run.state !== 'SUCCEEDED';
  draw($('run-chart'), { points: 0, layers: [], empty: ended ? `The run ended ${run.state}: no outputs` : 'Waiting for the run to end' });
  draw($('attr-chart'), { points: 0, layers: [], empty: '' });
  if (!TERMINAL.has(run.state)) {
    const stream = new AbortController();
    runsState.stream = stream;
    try {
      await follow(`v1/runs/${run.id}/events`, (ev) => {
        if (seq !== runsState.seq) return true;
        run = Object.assign({}, run, { state: ev.state, attempt: ev.attempt, error: ev.error, output_count: ev.output_count ?? run.output_count });
        runsState.run = run;
        setState(run);
        return TERMINAL.has(ev.state);
      }, stream.signal);
    } catch (err) {
      report(err);
      return;
    }
  }
  if (seq !== runsState.seq) return;
  if (run.state === 'SUCCEEDED') await loadOutputs(run, seq);
  else {
    const why = TERMINAL.has(run.state) ? `The run ended ${run.state}: no outputs` : 'The event stream ended before the run did: show the run again to follow it';
    draw($('run-chart'), { points: 0, layers: [], empty: why });
  }
}

// loadOutputs fetches a run's monthly outputs (GET /v1/runs/{id}/outputs)
// and names their curves (GET /v1/curves?curve_key=…&limit=1).
async function loadOutputs(run, seq) {
  try {
    const outs = await rows(`v1/runs/${run.id}/outputs`, { tenor_type: 'MONTHLY', limit: 500 }, 20);
    if (seq !== runsState.seq) return;
    const byCurve = new Map();
    for (const o of outs) {
      if (!byCurve.has(o.curve_key)) byCurve.set(o.curve_key, []);
      byCurve.get(o.curve_key).push(o);
    }
    const keys = [...byCurve.keys()];
    await Promise.all(keys.slice(0, 50).filter((k) => !runsState.labels.has(k)).map(async (k) => {
      const r = await call('v1/curves' + query({ curve_key: k, limit: 1 }));
      if (r.data.length) runsState.labels.set(k, curveLabel(r.data[0]).replace(/ · [A-Z]+$/, ''));
    }));
    if (seq !== runsState.seq) return;
    const select = $('r-curve');
    options(select, keys.map((k) => ({ value: k, label: runsState.labels.get(k) || k.slice(0, 12) })), true);
    select.onchange = () => drawRun(byCurve.get(select.value) || []);
    drawRun(byCurve.get(select.value) || []);
  } catch (err) {
    report(err);
  }
}

function drawRun(outs) {
  outs = outs.slice().sort((a, b) => a.contract_month.localeCompare(b.contract_month));
  const x = (o) => monthStart(o.contract_month);
  const delta = (o) => o.attribution.reduce((s, a) => s + a.delta, 0);
  const layers = [];
  const banded = outs.filter((o) => o.band_lower !== null && o.band_upper !== null);
  if (banded.length) layers.push({ type: 'band', cls: 'band2', name: 'P5–P95', data: banded.map((o) => ({ x: x(o), lo: o.band_lower, hi: o.band_upper })) });
  layers.push({ type: 'line', cls: 's0', name: 'Base', data: outs.map((o) => ({ x: x(o), y: o.value - delta(o) })) });
  layers.push({ type: 'line', cls: 's2', name: 'Scenario', data: outs.map((o) => ({ x: x(o), y: o.value })) });
  const legendItems = [{ name: 'Base', swatch: 'sw0' }, { name: 'Scenario', swatch: 'sw2' }];
  if (banded.length) legendItems.push({ name: 'P5–P95', swatch: 'sw-band2' });
  draw($('run-chart'), { points: outs.length, layers, legend: legendItems, ticks: monthTicks, label: monthLabel, empty: 'No monthly outputs' });

  const drivers = [...new Set(outs.flatMap((o) => o.attribution.map((a) => a.driver)))];
  draw($('attr-chart'), {
    points: outs.length, zero: true, ticks: monthTicks, label: monthLabel,
    legend: drivers.map((d, i) => ({ name: d, swatch: 'p' + (i % 6) })),
    layers: [{
      type: 'stack', name: 'Drivers',
      data: outs.map((o) => ({ x: x(o), parts: o.attribution.map((a) => ({ name: a.driver, v: a.delta, i: drivers.indexOf(a.driver) % 6 })) })),
    }],
    empty: 'No driver changed a price',
  });
}

async function startRun(ev) {
  ev.preventDefault();
  const id = $('r-scenario').value;
  if (!id) return;
  const button = $('r-start');
  button.disabled = true;
  try {
    const body = $('r-asof').value ? { asof_date: $('r-asof').value } : {};
    const r = await call(`v1/scenarios/${id}/runs`, { method: 'POST', body });
    $('run-status').textContent = r.status === 202 ? 'Run queued.' : 'A run with the same inputs exists; showing it.';
    runsState.run = r.data;
    await loadRuns();
    await showRun(r.data);
  } catch (err) {
    report(err);
  } finally {
    button.disabled = false;
  }
}

async function createExample() {
  try {
    const r = await call('v1/scenarios', { method: 'POST', body: exampleScenario() });
    await loadScenarios(r.data.id);
  } catch (err) {
    report(err);
  }
}

async function initRuns() {
  $('run-form').addEventListener('submit', startRun);
  $('r-example').addEventListener('click', createExample);
  $('r-scenario').addEventListener('change', () => {
    runsState.run = null;
    $('run-detail').hidden = true;
    loadRuns().catch(report);
  });
  await loadScenarios().catch(report);
}

// -------------------------------------------------------------- markets

// ISO_ZONES are the time zones of the ISOs' operating days.
const ISO_ZONES = {
  PJM: 'America/New_York', NYISO: 'America/New_York', ISONE: 'America/New_York', MISO: 'Etc/GMT+5',
  ERCOT: 'America/Chicago', SPP: 'America/Chicago', CAISO: 'America/Los_Angeles', AESO: 'America/Edmonton',
};

function zoneParts(zone, t) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
  return Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
}

function zoneOffset(zone, t) {
  const p = zoneParts(zone, t);
  return Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute) - Math.floor(t / 6e4) * 6e4;
}

// localMidnight is the instant a day (YYYY-MM-DD) begins in zone.
function localMidnight(zone, day) {
  const wall = Date.parse(day + 'T00:00:00Z');
  const guess = wall - zoneOffset(zone, wall);
  return wall - zoneOffset(zone, guess);
}

function localDay(zone, t) {
  const p = zoneParts(zone, t);
  return `${p.year}-${p.month}-${p.day}`;
}

const markets = { seq: 0, rows: [] };

// loadLMPDays picks the ISO's latest operating day with data: the local
// day of the latest hour of the latest UTC day that has any.
async function loadLMPDays() {
  const iso = $('m-iso').value;
  const daily = await rows('v1/iso/lmp', { iso, interval: 'daily', limit: 500 }, 1);
  if (!daily.length) return false;
  const day = daily.reduce((m, r) => (r.bucket > m ? r.bucket : m), '');
  const end = new Date(Date.parse(day) + 864e5).toISOString();
  const hours = await rows('v1/iso/lmp', { iso, interval: 'hourly', start: day, end, limit: 500 }, 1);
  const latest = hours.reduce((m, r) => (r.bucket > m ? r.bucket : m), day);
  $('m-day').value = localDay(ISO_ZONES[iso], Date.parse(latest));
  return true;
}

async function loadLMP() {
  const seq = ++markets.seq;
  const iso = $('m-iso').value;
  const zone = ISO_ZONES[iso];
  const status = $('lmp-status');
  status.textContent = 'Loading…';
  try {
    if (!$('m-day').value && !(await loadLMPDays())) {
      if (seq !== markets.seq) return;
      markets.rows = [];
      options($('m-location'), []);
      drawLMP();
      status.textContent = `No LMPs of ${iso} recorded.`;
      return;
    }
    const start = localMidnight(zone, $('m-day').value);
    const end = localMidnight(zone, ymd(Date.parse($('m-day').value) + 864e5));
    const data = await rows('v1/iso/lmp', { iso, interval: 'hourly', start: new Date(start).toISOString(), end: new Date(end).toISOString(), limit: 500 }, 20);
    if (seq !== markets.seq) return;
    markets.rows = data;
    const locations = [...new Set(data.map((r) => r.location_id))].sort();
    options($('m-location'), locations.map((l) => ({ value: l, label: l })), true);
    drawLMP();
    status.textContent = data.length ? `${locations.length} locations on ${$('m-day').value} (hours ending, ${zone})` : `No LMPs of ${iso} on ${$('m-day').value}.`;
    if (data.more) status.textContent += `: the first ${data.length} hours of the day's prices only`;
    showError('');
  } catch (err) {
    status.textContent = '';
    report(err);
  }
}

function drawLMP() {
  const iso = $('m-iso').value;
  const zone = ISO_ZONES[iso];
  const loc = $('m-location').value;
  const mine = markets.rows.filter((r) => r.location_id === loc);
  const byMarket = new Map();
  for (const r of mine) {
    if (!byMarket.has(r.market)) byMarket.set(r.market, []);
    byMarket.get(r.market).push(r);
  }
  const layers = [];
  const legendItems = [];
  [...byMarket.entries()].forEach(([market, rs], i) => {
    const data = rs.map((r) => ({ x: Date.parse(r.bucket), lo: r.min, hi: r.max, y: r.avg }));
    if (i === 0) layers.push({ type: 'band', cls: 'band0', name: market + ' min–max', data });
    layers.push({ type: 'line', cls: 's' + (i % 3), name: market, data });
    legendItems.push({ name: market, swatch: 'sw' + (i % 3) });
  });
  const hourLabel = (t) => `HE ${String((+zoneParts(zone, t).hour + 1)).padStart(2, '0')}`;
  draw($('lmp-chart'), {
    points: mine.length, layers, legend: legendItems, unit: '$/MWh', label: hourLabel,
    ticks: (x0, x1, count) => {
      const out = [];
      const every = Math.max(1, Math.ceil((x1 - x0) / 36e5 / count));
      for (let t = x0, i = 0; t <= x1; t += 36e5, i++) if (i % every === 0) out.push({ x: t, label: hourLabel(t) });
      return out;
    },
    empty: loc ? 'No prices' : 'No location',
  });
}

async function loadSeriesList() {
  const list = await rows('v1/external/series', { limit: 500 }, 2);
  options($('m-series'), list.map((s) => ({ value: `${s.provider}/${s.series_id}`, label: `${s.provider} ${s.series_id} — ${s.title}` })), true);
  markets.series = new Map(list.map((s) => [`${s.provider}/${s.series_id}`, s]));
  await loadSeries();
}

async function loadSeries() {
  const key = $('m-series').value;
  const status = $('series-status');
  if (!key) {
    draw($('series-chart'), { points: 0, layers: [], empty: 'No external series recorded' });
    return;
  }
  const [provider, id] = key.split('/');
  status.textContent = 'Loading…';
  const obs = await rows(`v1/external/series/${encodeURIComponent(provider)}/${encodeURIComponent(id)}/observations`, { limit: 500 }, 10);
  if ($('m-series').value !== key) return;
  const meta = markets.series.get(key);
  const shown = obs.filter((o) => o.value !== null);
  draw($('series-chart'), {
    points: shown.length, unit: meta.unit || '', ticks: yearTicks, label: (t) => ymd(t),
    layers: [{ type: 'line', cls: 's0', name: id, data: obs.map((o) => ({ x: Date.parse(o.ts), y: o.value })) }],
  });
  status.textContent = `${meta.title}: ${shown.length} observations` + (obs.length > shown.length ? ` (${obs.length - shown.length} without a value)` : '') +
    (obs.more ? `, the first ${obs.length} only` : '');
}

async function initMarkets() {
  $('m-iso').addEventListener('change', () => { $('m-day').value = ''; loadLMP(); });
  $('m-day').addEventListener('change', loadLMP);
  $('m-location').addEventListener('change', drawLMP);
  $('m-series').addEventListener('change', () => loadSeries().catch(report));
  for (const id of ['lmp-form', 'series-form']) $(id).addEventListener('submit', (ev) => ev.preventDefault());
  await Promise.all([loadLMP(), loadSeriesList().catch(report)]);
}

// --------------------------------------------------------------- router

const VIEWS = { curves: initCurves, runs: initRuns, markets: initMarkets };
const started = {};

function route() {
  const view = location.hash.slice(1).split('?')[0];
  const name = view in VIEWS ? view : 'curves';
  for (const v of Object.keys(VIEWS)) {
    $('view-' + v).hidden = v !== name;
    const link = $('nav-' + v);
    if (v === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  showError('');
  if (!started[name]) started[name] = VIEWS[name]();
}

$('auth').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('auth').hidden = true;
  showError('');
  for (const k of Object.keys(started)) delete started[k];
  route();
});
if (identity.authMode === 'oidc' && !sessionStorage.getItem(TOKEN_KEY)) $('auth').hidden = false;
window.addEventListener('hashchange', route);
route();
