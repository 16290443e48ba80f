// views/dashboard.js: the representation dashboard (प्रतिनिधित्व), the first screen after login.
// #/dashboard/{id} shows a unit's booth coverage, each group's share of the committee seats
// against its target and its census share (chart.js), a map of the assembly constituencies
// coloured by coverage or by a share (map.js), the breakdown of the units below with the cells
// under target marked, the committees furthest below target and what each lacks, and — for the
// administrator and the state office — the targets editor. #/dashboard starts at the user's
// scope. The figures come first; the map's shapes load once they are on screen.

import * as api from '../api.js';
import { t, num, pct, unitName, tn } from '../i18n.js';
import { h, put, msg, button, coverage, moreButton, errorText, field, formError, showErrors, clearErrors } from '../ui.js';
import { shareChart, censusShares, below, points } from '../chart.js';
import * as enums from '../enums.js';
import * as map from '../map.js';

const LEVELS = ['national', 'state', 'district', 'parliamentary', 'assembly', 'sector', 'booth'];
// Pages are short: a phone on a slow network gets the first screen first (a state's 75 districts
// come in three pages).
const TABLE_PAGE = 25;
const GAPS_PAGE = 10;

// BY names the units a level's breakdown lists by default, and the others it may list.
const BY = {
  national: ['state'],
  state: ['district', 'parliamentary', 'assembly'],
  district: ['assembly'],
  parliamentary: ['assembly'], // its assemblies point at it: see pcAssemblies
  assembly: ['sector'],
};

// The choices outlive one drawing of the screen, so switching the language keeps them.
const state = { level: '', by: '', sort: 'name', colour: 'coverage' };

// reset forgets the choices (at logout: the next user has another scope).
export function reset() {
  Object.assign(state, { level: '', by: '', sort: 'name', colour: 'coverage' });
}

const canSetTargets = (role) => role === 'admin' || role === 'state_office';

const unitLabel = (u) => (u.level === 'assembly' && u.number !== null && u.number !== undefined ? num(u.number) + ' · ' : '') + unitName(u);

export async function render(root, ctx) {
  ctx.setTitle(t('dash.title'));
  let id = ctx.params.id;
  if (id === undefined) id = ctx.user.scope_unit_id;
  if (id === undefined || id === null) {
    // An administrator without a scope starts at the (first) state.
    let page = await api.get('/units', { level: 'state', limit: 1 });
    if (!page.items.length) page = await api.get('/units', { level: 'national', limit: 1 });
    if (!page.items.length) {
      root.append(h('h1', null, t('dash.title')), msg(t('units.none'), '', { id: 'dash-empty' }));
      return;
    }
    id = page.items[0].id;
  }
  const loading = msg(t('common.loading'), '', { id: 'dash-loading' });
  root.append(loading);
  let unit;
  let rep;
  try {
    unit = await api.get('/units/' + encodeURIComponent(id));
    if (!levelChoices(unit).includes(state.level)) state.level = '';
    [rep] = await Promise.all([figures(unit.id), enums.load()]);
  } catch (e) {
    put(root, ...notFoundOr(e));
    return;
  }
  ctx.setTitle(t('dash.title') + ' · ' + unitName(unit));
  const byChoices = BY[unit.level] || [];
  if (!byChoices.includes(state.by)) state.by = byChoices[0] || '';

  const summary = h('section', { class: 'card dash-summary', id: 'dash-summary', 'aria-labelledby': 'dash-summary-title' });
  const mapCard = mapUnit(unit) ? h('section', { class: 'card dash-map', id: 'dash-map', 'aria-labelledby': 'dash-map-title' }) : null;
  const table = byChoices.length ? h('section', { class: 'card dash-breakdown', id: 'dash-breakdown', 'aria-labelledby': 'dash-breakdown-title' }) : null;
  const gaps = h('section', { class: 'card dash-gaps', id: 'dash-gaps', 'aria-labelledby': 'dash-gaps-title' });
  // The groups a target may be set for, from the API's own description (enums.js).
  const groups = enums.targetGroups();
  let census = Object.keys(censusShares(rep));
  const targets = canSetTargets(ctx.user.role) ? targetsEditor(groups, () => census, () => refresh()) : null;

  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    const fresh = () => mine === seq;
    let r = rep;
    rep = null;
    if (!r) {
      try {
        r = await figures(unit.id);
      } catch (e) {
        if (fresh()) put(summary, msg(errorText(e), 'error', { id: 'dash-error' }));
        return;
      }
      if (!fresh()) return;
    }
    if (Object.keys(censusShares(r)).length) census = Object.keys(censusShares(r));
    drawSummary(summary, r, groups);
    const jobs = [loadGaps(gaps, unit, fresh)];
    const tableDone = table ? loadTable(table, unit, byChoices, groups, fresh) : Promise.resolve(null);
    jobs.push(tableDone);
    await Promise.all(jobs);
    // The shapes come after the figures, so that a slow network shows the numbers first.
    if (mapCard && fresh()) await loadMap(mapCard, unit, groups, fresh, r, await tableDone);
  }

  put(root,
    breadcrumb(unit, ctx),
    head(unit),
    controls(unit, () => refresh()),
    h('div', { class: 'dash-grid' },
      h('div', { class: 'dash-col' }, summary, mapCard),
      h('div', { class: 'dash-col' }, table, gaps, targets)));
  await refresh();
}

// figures reads the representation of unit at the chosen committee level.
function figures(id) {
  return api.get(`/units/${encodeURIComponent(id)}/representation`, { level: state.level });
}

function notFoundOr(e) {
  if (e.status === 404 || e.status === 400 || e.status === 422) {
    return [h('div', { class: 'card empty', id: 'dash-not-found' },
      h('h1', null, t('units.not_found_title')),
      h('p', null, t('units.not_found')),
      h('a', { class: 'btn', href: '#/dashboard', id: 'dash-home' }, t('units.back_home')))];
  }
  return [msg(errorText(e), 'error', { id: 'dash-error' }), h('p', null, h('a', { class: 'btn', href: '#/units', id: 'dash-to-units' }, t('nav.units')))];
}

// levelChoices are the committee levels whose figures the unit can show: '' (all), then its own
// level and those below it.
function levelChoices(unit) {
  const i = LEVELS.indexOf(unit.level);
  let below = i < 0 ? [] : LEVELS.slice(i);
  // Lok Sabha seats sit beside districts, not under them.
  if (unit.level !== 'state' && unit.level !== 'national' && unit.level !== 'parliamentary') below = below.filter((l) => l !== 'parliamentary');
  return ['', ...below];
}

function breadcrumb(unit, ctx) {
  let ancestors = unit.ancestors || [];
  const scopeID = ctx.user.scope_unit_id;
  if (scopeID) {
    const i = ancestors.findIndex((a) => String(a.id) === String(scopeID));
    ancestors = i >= 0 ? ancestors.slice(i) : [];
  }
  if (!ancestors.length) return null;
  return h('nav', { class: 'crumbs', id: 'dash-breadcrumb', 'aria-label': t('units.breadcrumb') },
    h('ol', null, ancestors.map((a) => h('li', null, h('a', { href: '#/dashboard/' + encodeURIComponent(a.id), 'data-unit-id': a.id }, unitName(a))))));
}

function head(unit) {
  return h('div', { class: 'unit-head dash-head' },
    h('p', { class: 'eyebrow', id: 'dash-level' }, t('dash.title') + ' · ' + t('level.' + unit.level, null, unit.level)),
    h('h1', { id: 'dash-unit-name', 'data-code': unit.code, 'data-unit-id': unit.id }, unitLabel(unit)),
    h('p', null, h('a', { class: 'btn', href: '#/units/' + encodeURIComponent(unit.id), id: 'dash-open-unit' }, t('dash.open_unit'))));
}

function controls(unit, onChange) {
  const choices = levelChoices(unit);
  if (choices.length <= 2) return null; // a booth: "all" and its own level are the same
  const select = h('select', { id: 'dash-level-select', onchange: () => {
    state.level = select.value;
    onChange();
  } }, choices.map((l) => h('option', { value: l, selected: l === state.level }, l ? t('dash.level_committees', { level: t('level.' + l) }) : t('dash.level_all'))));
  return h('form', { class: 'card form dash-controls', id: 'dash-controls', onsubmit: (e) => e.preventDefault() },
    field('level', t('dash.level'), select, { hint: t('dash.level_hint') }));
}

function drawSummary(el, rep, groups) {
  const facts = h('div', { class: 'stats dash-stats' },
    h('div', { class: 'stat', id: 'dash-seats', 'data-value': rep.seats },
      h('span', { class: 'stat-value' }, num(rep.seats)), h('span', { class: 'stat-label' }, t('dash.seats'))),
    h('div', { class: 'stat', id: 'dash-coverage-share', 'data-value': rep.coverage ? rep.coverage.share : '' },
      h('span', { class: 'stat-value' }, rep.coverage && rep.coverage.booths ? pct(rep.coverage.share) : '—'), h('span', { class: 'stat-label' }, t('coverage.title'))),
    h('div', { class: 'stat', id: 'dash-women', 'data-value': (rep.shares || {}).women },
      h('span', { class: 'stat-value' }, pct((rep.shares || {}).women)), h('span', { class: 'stat-label' }, t('group.women'))));
  const notes = [];
  if (rep.religion_unknown > 0) notes.push(tn('dash.religion_unknown', rep.religion_unknown));
  if (rep.population && rep.population.unit_name && String(rep.population.unit_id) !== String(rep.unit.id)) {
    notes.push(t('dash.census_from', { name: rep.population.unit_name }));
  }
  put(el,
    h('h2', { id: 'dash-summary-title' }, t('dash.summary')),
    facts,
    coverage(rep.coverage, { id: 'dash-coverage', booth: rep.unit.level === 'booth' }),
    h('h3', null, t('dash.chart_title')),
    rep.seats > 0 ? shareChart(rep, groups, { id: 'dash-chart' }) : msg(t('dash.no_seats'), '', { id: 'dash-no-seats' }),
    notes.length ? h('p', { class: 'hint', id: 'dash-notes' }, notes.join(' ')) : null);
}

// ---- the breakdown table ----

// loadTable draws the breakdown; it resolves with {by, items, complete} once the first page is in.
function loadTable(el, unit, byChoices, groups, fresh) {
  const title = h('h2', { id: 'dash-breakdown-title' }, unit.level === 'parliamentary' ? t('dash.breakdown_title_pc')
    : t('dash.breakdown_title', { level: t('level_plural.' + state.by, null, state.by) }));
  const byField = byChoices.length > 1 ? field('by', t('dash.by'), h('select', { id: 'dash-by', onchange: (e) => {
    state.by = e.target.value;
    loadTable(el, unit, byChoices, groups, fresh);
  } }, byChoices.map((b) => h('option', { value: b, selected: b === state.by }, t('level_plural.' + b, null, b))))) : null;
  const sorts = ['name', 'coverage', ...groups.map((g) => 'gap.' + g), '-seats'];
  const sortField = field('sort', t('dash.sort'), h('select', { id: 'dash-sort', onchange: (e) => {
    state.sort = e.target.value;
    loadTable(el, unit, byChoices, groups, fresh);
  } }, sorts.map((v) => h('option', { value: v, selected: v === state.sort }, sortLabel(v)))));
  const body = h('tbody');
  const tableEl = h('table', { class: 'rep-table', id: 'dash-table' },
    h('caption', { class: 'visually-hidden' }, t('dash.breakdown_caption')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('level.' + state.by, null, state.by)),
      h('th', { scope: 'col', class: 'num' }, t('dash.seats')),
      h('th', { scope: 'col', class: 'num' }, t('dash.coverage_short')),
      groups.map((g) => h('th', { scope: 'col', class: 'num', 'data-col': g }, t('group_short.' + g, null, g))))),
    body);
  const status = h('div', { class: 'list-status' });
  put(el, title,
    h('form', { class: 'form dash-table-controls', onsubmit: (e) => e.preventDefault() }, byField, sortField),
    h('p', { class: 'hint', id: 'dash-below-key' }, t('dash.below_key')),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'dash-breakdown-title' }, tableEl),
    status);
  const by = state.by;
  const load = async (cursor) => {
    let page;
    try {
      page = unit.level === 'parliamentary'
        ? { items: sorted(await pcAssemblies(unit), state.sort), next_cursor: null }
        : await api.get(`/units/${encodeURIComponent(unit.id)}/representation/breakdown`,
          { by, level: state.level, sort: state.sort === 'name' ? '' : state.sort, limit: TABLE_PAGE, cursor });
    } catch (e) {
      if (fresh()) put(status, msg(e.status === 422 ? t('dash.breakdown_unavailable') : errorText(e), e.status === 422 ? 'warn' : 'error', { id: 'dash-breakdown-error' }));
      return null;
    }
    if (!fresh()) return null;
    for (const it of page.items) body.append(tableRow(it, groups));
    if (!body.children.length) put(status, msg(t('dash.breakdown_none'), '', { id: 'dash-breakdown-empty' }));
    else put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'dash-breakdown-more' }) : '');
    return { by, items: page.items, complete: !cursor && !page.next_cursor };
  };
  put(status, msg(t('common.loading')));
  return load('');
}

// sorted orders a Lok Sabha seat's assemblies as the API orders a breakdown: by number, by
// coverage or a gap (lowest first), or by seats (most first).
function sorted(items, sort) {
  const key = (it) => {
    if (sort === 'coverage') return it.coverage ? it.coverage.share : 0;
    if (sort === '-seats') return -it.seats;
    if (sort.startsWith('gap.')) {
      const g = (it.gap || {})[sort.slice(4)];
      return g === undefined || g === null ? Infinity : g;
    }
    return it.unit.number || 0;
  };
  return items.slice().sort((a, b) => key(a) - key(b));
}

function sortLabel(v) {
  if (v === 'name') return t('dash.sort_name');
  if (v === 'coverage') return t('dash.sort_coverage');
  if (v === '-seats') return t('dash.sort_seats');
  return t('dash.sort_gap', { group: t('group.' + v.slice(4)) });
}

function tableRow(it, groups) {
  const u = it.unit;
  const cov = it.coverage;
  const cells = groups.map((g) => {
    const share = (it.shares || {})[g];
    const low = below(it, g);
    return h('td', { class: 'num' + (low ? ' below' : ''), 'data-col': g, 'data-share': share },
      it.seats > 0 ? [low ? h('span', { class: 'below-mark', 'aria-hidden': 'true' }, '▼ ') : null, pct(share),
        low ? h('span', { class: 'visually-hidden' }, ' (' + t('dash.below_target', { points: points(it.targets[g] - share) }) + ')') : null] : '—');
  });
  return h('tr', { 'data-unit-id': u.id, 'data-code': u.code },
    h('th', { scope: 'row' }, h('a', { href: '#/dashboard/' + encodeURIComponent(u.id), 'data-unit-id': u.id }, unitLabel(u))),
    h('td', { class: 'num', 'data-col': 'seats' }, num(it.seats)),
    h('td', { class: 'num', 'data-col': 'coverage', 'data-share': cov ? cov.share : '' }, cov && cov.booths ? pct(cov.share) : '—'),
    cells);
}

// ---- the gaps list ----

function loadGaps(el, unit, fresh) {
  const level = state.level || 'booth';
  const list = h('ul', { class: 'item-list', id: 'dash-gaps-list' });
  const status = h('div', { class: 'list-status' }, msg(t('common.loading')));
  put(el,
    h('h2', { id: 'dash-gaps-title' }, t('dash.gaps_title')),
    h('p', { class: 'hint' }, t('dash.gaps_hint', { level: t('level.' + level) })),
    list, status);
  const load = async (cursor) => {
    let page;
    try {
      page = await api.get(`/units/${encodeURIComponent(unit.id)}/representation/gaps`, { level, limit: GAPS_PAGE, cursor });
    } catch (e) {
      if (fresh()) put(status, msg(errorText(e), 'error', { id: 'dash-gaps-error' }));
      return;
    }
    if (!fresh()) return;
    for (const it of page.items) list.append(gapItem(it));
    if (!list.children.length) put(status, msg(t('dash.gaps_none'), 'ok', { id: 'dash-gaps-empty' }));
    else put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'dash-gaps-more' }) : '');
  };
  return load('');
}

// lacksText words what a committee lacks from the API's lacks array, in the UI's language:
// "2 more women, 1 more SC member" · "2 और महिलाएँ, 1 और SC सदस्य".
export function lacksText(lacks) {
  return (lacks || []).map((l) => t('lack.' + l.group + (l.seats === 1 ? '.one' : '.other'), { n: num(l.seats) },
    t('lack.other_group', { n: num(l.seats), group: l.group }))).join(', ');
}

function gapItem(it) {
  const u = it.unit;
  const meta = [t('level.' + u.level, null, u.level), u.code, t('dash.gap_seats', { seats: num(it.seats), size: num(it.size) })];
  return h('li', { class: 'gap-item', 'data-unit-id': u.id, 'data-code': u.code },
    h('a', { class: 'unit-link', href: '#/units/' + encodeURIComponent(u.id), 'data-unit-id': u.id },
      h('span', { class: 'unit-item-name' }, unitLabel(u)),
      h('span', { class: 'unit-item-meta' }, meta.join(' · '))),
    h('p', { class: 'gap-lacks' },
      h('span', { class: 'gap-shortfall' }, t('dash.shortfall', { n: num(it.shortfall) })), ' ',
      h('span', { class: 'gap-lacks-text' }, lacksText(it.lacks))));
}

// ---- the map ----

// mapUnit is the unit whose assemblies the map shows: the dashboard's unit above the assembly
// level, the assembly's district for an assembly (the assembly drawn among its neighbours).
function mapUnit(unit) {
  if (['national', 'state', 'district', 'parliamentary'].includes(unit.level)) return unit;
  if (unit.level === 'assembly') return (unit.ancestors || []).find((a) => a.level === 'district') || unit;
  return null;
}

// loadMap draws the map; table is what the breakdown table loaded (its assemblies are the
// map's when it lists them all, which saves asking twice).
async function loadMap(el, unit, groups, fresh, rep, table) {
  const colours = ['coverage', ...groups];
  if (!colours.includes(state.colour)) state.colour = 'coverage';
  const colour = h('select', { id: 'dash-map-colour', onchange: () => {
    state.colour = colour.value;
    paint();
  } }, colours.map((c) => h('option', { value: c, selected: c === state.colour }, c === 'coverage' ? t('coverage.title') : t('group.' + c))));
  const box = h('div', { class: 'map-box', id: 'dash-map-box' }, msg(t('map.loading'), '', { id: 'dash-map-loading' }));
  const key = h('div', { class: 'map-key' });
  const info = h('p', { class: 'hint', id: 'dash-map-info', 'aria-live': 'polite' });
  put(el,
    h('h2', { id: 'dash-map-title' }, t('map.title')),
    h('form', { class: 'form', onsubmit: (e) => e.preventDefault() }, field('colour', t('map.colour_by'), colour)),
    box, key, info,
    h('p', { class: 'map-attribution', id: 'map-attribution' }, t('map.attribution')));
  const over = mapUnit(unit);
  let shapes;
  let items;
  try {
    const known = table && table.complete && table.by === 'assembly' && over === unit ? table.items : null;
    [shapes, items] = await Promise.all([map.load(), known || assemblies(over, unit, rep)]);
  } catch (e) {
    if (fresh()) put(box, msg(errorText(e), 'error', { id: 'dash-map-error' }));
    return;
  }
  if (!fresh()) return;
  function paint() {
    const scale = classes(state.colour, items);
    const areas = items.map((it) => {
      const cls = scale.of(it);
      const value = state.colour === 'coverage' ? (it.coverage && it.coverage.booths ? pct(it.coverage.share) : '—') : (it.seats > 0 ? pct((it.shares || {})[state.colour]) : '—');
      const label = `${unitLabel(it.unit)}: ${value}`;
      return { no: it.unit.number, href: '#/dashboard/' + encodeURIComponent(it.unit.id), label, cls, current: String(it.unit.id) === String(unit.id) };
    }).filter((a) => a.no !== null && a.no !== undefined);
    const svg = map.draw(shapes, areas, { id: 'dash-map-svg', 'aria-label': t('map.aria', { what: state.colour === 'coverage' ? t('coverage.title') : t('group.' + state.colour) }) });
    put(box, areas.length ? svg : msg(t('map.none'), '', { id: 'dash-map-none' }));
    put(key, map.legend(scale.legend, { id: 'dash-map-legend' }));
    put(info, svg.missing ? t('map.missing', { n: num(svg.missing) }) : '');
  }
  paint();
}

// assemblies are the representation figures of every assembly under the map's unit (the
// breakdown by assembly, all pages); an assembly whose district is out of reach is drawn alone.
async function assemblies(over, unit, rep) {
  if (over.level === 'assembly') return [rep];
  if (over.level === 'parliamentary') return pcAssemblies(over);
  const out = [];
  let cursor = '';
  try {
    do {
      const page = await api.get(`/units/${encodeURIComponent(over.id)}/representation/breakdown`, { by: 'assembly', level: state.level, limit: 500, cursor });
      out.push(...page.items);
      cursor = page.next_cursor || '';
    } while (cursor);
  } catch (e) {
    if (unit.level === 'assembly' && (e.status === 404 || e.status === 403)) return [rep];
    throw e;
  }
  return out;
}

let pcCache = { key: '', promise: null };

// pcAssemblies are the figures of a Lok Sabha seat's assemblies. They are not below it in the
// tree (they point at it), so the breakdown under the seat is empty: they are picked from the
// state's assemblies by the seat's number, which the map's shapes carry (PC_NO).
function pcAssemblies(pc) {
  const key = `${pc.id}|${state.level}`;
  if (pcCache.key !== key) {
    const st = (pc.ancestors || []).find((a) => a.level === 'state');
    const promise = Promise.all([map.load(), st ? assemblies(st, st, null) : []]).then(([shapes, items]) =>
      items.filter((it) => {
        const shape = shapes.acs.get(Number(it.unit.number));
        return shape && shape.pc === pc.number;
      }));
    promise.catch(() => { pcCache = { key: '', promise: null }; });
    pcCache = { key, promise };
  }
  return pcCache.promise;
}

// classes sorts the areas into five colour classes. Coverage: steps of 20 %. A share with a
// target: how far above or below the target (so that census targets, which differ from one
// district to the next, are judged each on its own). A share without one: fifths of the highest.
function classes(colour, items) {
  const none = { cls: 'none', text: t(colour === 'coverage' ? 'coverage.no_booths' : 'map.no_figure') };
  if (colour === 'coverage') {
    const steps = [0.2, 0.4, 0.6, 0.8];
    return {
      of: (it) => (it.coverage && it.coverage.booths ? bucket(it.coverage.share, steps) : 'none'),
      legend: [...[0, 1, 2, 3, 4].map((i) => ({ cls: i, text: range([0, ...steps, 1], i) })), none],
    };
  }
  const targeted = items.some((it) => it.targets && it.targets[colour] !== undefined && it.targets[colour] !== null);
  if (targeted) {
    const steps = [-0.1, -0.05, 0, 0.1];
    return {
      of: (it) => (it.seats > 0 && it.gap && it.gap[colour] !== undefined && it.gap[colour] !== null ? bucket(it.gap[colour], steps) : 'none'),
      legend: [
        { cls: 0, text: t('map.gap_far_below', { points: points(0.1) }) },
        { cls: 1, text: t('map.gap_below', { from: points(0.05), to: points(0.1) }) },
        { cls: 2, text: t('map.gap_below', { from: points(0), to: points(0.05) }) },
        { cls: 3, text: t('map.gap_met', { points: points(0.1) }) },
        { cls: 4, text: t('map.gap_far_above', { points: points(0.1) }) },
        none],
    };
  }
  const max = Math.max(0.01, ...items.map((it) => (it.seats > 0 ? (it.shares || {})[colour] || 0 : 0)));
  const steps = [0.2, 0.4, 0.6, 0.8].map((f) => f * max);
  return {
    of: (it) => (it.seats > 0 ? bucket((it.shares || {})[colour] || 0, steps) : 'none'),
    legend: [...[0, 1, 2, 3, 4].map((i) => ({ cls: i, text: range([0, ...steps, max], i) })), none],
  };
}

function bucket(v, steps) {
  let i = 0;
  while (i < steps.length && v >= steps[i]) i++;
  return i;
}

function range(bounds, i) {
  return `${pct(bounds[i])} – ${pct(bounds[i + 1])}`;
}

// ---- the targets editor ----

// targetsEditor is the form for the targets of one level at a time. censusGroups() names the
// groups the census counts (those the figures have a population share for); when the figures
// have no census at all, every group is offered "census" and the server judges.
function targetsEditor(groups, censusGroups, onSaved) {
  const body = h('div', { class: 'targets-body' });
  const details = h('details', { class: 'card dash-targets', id: 'dash-targets' },
    h('summary', { id: 'dash-targets-title' }, t('targets.title')), body);
  let loaded = false;
  details.addEventListener('toggle', () => {
    if (details.open && !loaded) {
      loaded = true;
      loadTargets(body, groups, censusGroups, onSaved).catch((e) => {
        loaded = false;
        put(body, msg(errorText(e), 'error', { id: 'targets-error' }));
      });
    }
  });
  return details;
}

async function loadTargets(body, groups, censusGroups, onSaved) {
  put(body, msg(t('common.loading')));
  let doc = await api.get('/representation/targets');
  let level = (doc.levels.find((l) => l.level === 'booth') || doc.levels[0] || {}).level || 'booth';
  const form = h('form', { class: 'form', id: 'targets-form', novalidate: true });
  const rows = h('div', { class: 'targets-rows' });
  const done = h('div', { class: 'targets-done', 'aria-live': 'polite' });
  const levelSelect = h('select', { id: 'targets-level', onchange: () => {
    level = levelSelect.value;
    put(done);
    draw();
  } }, doc.levels.map((l) => h('option', { value: l.level, selected: l.level === level }, t('level.' + l.level, null, l.level))));
  const inputs = {};
  function draw() {
    clearErrors(form);
    const lt = doc.levels.find((l) => l.level === level) || { targets: [] };
    const census = censusGroups();
    put(rows, groups.map((g) => {
      const cur = lt.targets.find((x) => x.group === g);
      const kinds = !census.length || census.includes(g) || (cur && cur.census) ? ['census', 'share'] : ['share'];
      const kind = h('select', { id: `targets-${g}-kind`, 'data-group': g },
        h('option', { value: '', selected: !cur }, t('targets.none')),
        kinds.map((k) => h('option', { value: k, selected: cur && (k === 'census' ? cur.census : !cur.census) }, t('target_kind.' + k))));
      const share = h('input', { type: 'number', id: `targets-${g}-share`, min: 0, max: 100, step: 0.1, inputmode: 'decimal',
        value: cur && !cur.census && cur.min_share !== null ? String(Math.round(cur.min_share * 1000) / 10) : '' });
      const shareField = field(`targets.${g}.min_share`, t('targets.min_share'), share);
      const sync = () => { shareField.hidden = kind.value !== 'share'; };
      kind.addEventListener('change', sync);
      sync();
      inputs[g] = { kind, share, shareField };
      return h('fieldset', { class: 'target-group', 'data-group': g },
        h('legend', null, t('group.' + g)),
        field(`targets.${g}.kind`, t('targets.kind'), kind),
        shareField);
    }));
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    put(done);
    const targets = [];
    const local = [];
    for (const g of groups) {
      const { kind, share } = inputs[g];
      if (kind.value === 'census') targets.push({ group: g, min_share: null, census: true });
      if (kind.value !== 'share') continue;
      const v = Number(share.value);
      if (share.value.trim() === '' || !Number.isFinite(v) || v < 0 || v > 100) {
        local.push({ field: `targets.${g}.min_share`, message: t('targets.err_share'), local: true });
        continue;
      }
      targets.push({ group: g, min_share: Math.round(v * 10) / 1000, census: false });
    }
    if (local.length) {
      showErrors(form, { fields: local });
      return;
    }
    const submit = form.querySelector('#targets-save');
    submit.disabled = true;
    try {
      doc = await api.put('/representation/targets', { levels: [{ level, targets }] });
    } catch (err) {
      // The API names a field by its place in the list sent (levels[0].targets[2].min_share):
      // put its message next to that group's input.
      const fields = (err.fields || []).map((f) => {
        const m = /^levels\[0\]\.targets\[(\d+)\](?:\.(\w+))?$/.exec(f.field);
        const tg = m && targets[Number(m[1])];
        return tg ? { field: `targets.${tg.group}.${m[2] === 'min_share' ? 'min_share' : 'kind'}`, message: f.message } : f;
      });
      err.fields = fields;
      showErrors(form, err);
      return;
    } finally {
      submit.disabled = false;
    }
    draw();
    put(done, msg(t('targets.saved', { level: t('level.' + level, null, level) }), 'ok', { id: 'targets-saved' }));
    onSaved();
  });
  put(form,
    formError(),
    field('level', t('targets.level'), levelSelect, { hint: t('targets.hint') }),
    rows,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'targets-save' }, t('common.save'))),
    done);
  put(body, form);
  draw();
}
