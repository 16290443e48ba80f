// views/units.js: the hierarchy browser. #/units/{id} shows a unit, its breadcrumb, its booth
// coverage, its committee (mounted from committee.js), its children and a search over its
// subtree; #/units starts at the user's scope (or, for an admin without one, at the top-level
// units).

import * as api from '../api.js';
import { t, num, pct, unitName, otherName, tn } from '../i18n.js';
import { href } from '../router.js';
import { h, put, msg, dl, coverage, moreButton, errorText, button } from '../ui.js';
import { unitName as shownName } from '../names.js';
import * as committeeView from './committee.js';

const PAGE = 50;
// MORE is the step of "show more" in a list of children: an assembly's 361 booths are three
// pages, not eight, and a booth is reached faster still by its number (search).
const MORE = 200;

// A search of only digits (Latin or Devanagari) is a booth or constituency number.
const NUMBER = /^[0-9\u0966-\u096F]{1,7}$/;
const toNumber = (q) => Number(q.replace(/[\u0966-\u096F]/g, (d) => String(d.charCodeAt(0) - 0x0966)));

// reveal scrolls to the first of the items just added and puts the focus on its link, so a
// phone's reader sees where the new rows begin.
function reveal(item) {
  if (!item) return;
  item.scrollIntoView({ block: 'start' });
  item.querySelector('a')?.focus({ preventScroll: true });
}

export async function render(root, ctx) {
  if (ctx.params.id === undefined) {
    if (ctx.user.scope_unit_id) {
      ctx.go(href('units', { id: ctx.user.scope_unit_id }), { replace: true });
      return;
    }
    await renderTop(root, ctx);
    return;
  }
  root.append(msg(t('common.loading'), '', { id: 'unit-loading' }));
  let unit;
  try {
    unit = await api.get('/units/' + encodeURIComponent(ctx.params.id));
  } catch (e) {
    put(root, ...notFoundOr(e));
    ctx.setTitle(t('units.title'));
    return;
  }
  ctx.setTitle(unitName(unit));
  const booth = unit.level === 'booth';
  const facts = details(unit);
  // A seat added or ended can complete a booth (or undo it): show the coverage as the
  // rollups now say.
  const onChange = async () => {
    try {
      const fresh = await api.get('/units/' + encodeURIComponent(unit.id));
      facts.querySelector('#unit-coverage').replaceWith(coverage(fresh.coverage, { id: 'unit-coverage', booth }));
    } catch (e) {
      // the old figure stays; the next visit shows the new one
    }
  };
  const committee = committeeView.mount(unit, ctx, { onChange });
  put(root,
    breadcrumb(unit, ctx),
    head(unit),
    h('div', { class: 'columns' },
      h('div', { class: 'col' }, facts, booth ? null : committee),
      h('div', { class: 'col' },
        booth ? committee : null,
        unit.children_count > 0 ? search(unit) : null,
        booth ? null : children(unit))));
}

// notFoundOr explains a failed load: 404 (and a malformed id) mean "not found or not in your
// area", which is all the API reveals about units outside the user's scope.
function notFoundOr(e) {
  if (e.status === 404 || e.status === 400 || e.status === 422) {
    return [h('div', { class: 'card empty', id: 'unit-not-found' },
      h('h1', null, t('units.not_found_title')),
      h('p', null, t('units.not_found')),
      h('a', { class: 'btn', href: '#/units', id: 'unit-home' }, t('units.back_home')))];
  }
  return [msg(errorText(e), 'error', { id: 'unit-error' })];
}

async function renderTop(root, ctx) {
  ctx.setTitle(t('units.top'));
  root.append(h('h1', null, t('units.top')));
  const list = h('ul', { class: 'unit-list', id: 'unit-top' });
  const card = h('section', { class: 'card' }, list);
  root.append(card);
  let page = await api.get('/units', { level: 'national', limit: PAGE });
  if (!page.items.length) page = await api.get('/units', { level: 'state', limit: PAGE });
  if (!page.items.length) {
    card.append(msg(t('units.none'), '', { id: 'unit-top-empty' }));
    return;
  }
  for (const u of page.items) list.append(unitItem(u));
}

function breadcrumb(unit, ctx) {
  let ancestors = unit.ancestors || [];
  const scopeID = ctx.user.scope_unit_id;
  if (scopeID) {
    // Units above the scope answer 404 to this user: start the trail at the scope unit.
    const i = ancestors.findIndex((a) => String(a.id) === String(scopeID));
    ancestors = i >= 0 ? ancestors.slice(i) : [];
  }
  const items = ancestors.map((a) => h('li', null, h('a', { href: href('units', { id: a.id }), 'data-unit-id': a.id }, shownName(a))));
  if (!scopeID) items.unshift(h('li', null, h('a', { href: '#/units' }, t('units.top'))));
  if (!items.length) return null;
  // The unit itself is the heading right below, so the trail stops above it.
  return h('nav', { class: 'crumbs', id: 'breadcrumb', 'aria-label': t('units.breadcrumb') }, h('ol', null, items));
}

function head(unit) {
  const other = otherName(unit);
  return h('div', { class: 'unit-head' },
    h('p', { class: 'eyebrow', id: 'unit-level' }, t('level.' + unit.level, null, unit.level)),
    h('h1', { id: 'unit-name', 'data-code': unit.code }, shownName(unit)),
    other ? h('p', { class: 'other-name', id: 'unit-other-name' }, other) : null,
    h('p', null, h('a', { class: 'btn', href: href('dashboard', { id: unit.id }), id: 'unit-dashboard' }, t('units.open_dashboard'))));
}

function details(unit) {
  const facts = [
    [t('unit.code'), unit.code, 'code'],
    [unit.level === 'booth' ? t('unit.part_number') : t('unit.number'), unit.number === null || unit.number === undefined ? '' : num(unit.number), 'number'],
    [t('unit.reserved'), unit.reserved ? t('reserved.' + unit.reserved, null, unit.reserved) : '', 'reserved'],
    [t('unit.electors'), unit.electors === null || unit.electors === undefined ? '' : num(unit.electors), 'electors'],
    [t('unit.children'), unit.children_count > 0 ? num(unit.children_count) : '', 'children'],
  ];
  const card = h('section', { class: 'card', id: 'unit-details', 'aria-labelledby': 'unit-coverage-title' },
    h('h2', { id: 'unit-coverage-title' }, t('coverage.title')),
    coverage(unit.coverage, { id: 'unit-coverage', booth: unit.level === 'booth' }),
    unit.level === 'booth' ? null : h('p', { class: 'hint' }, t('coverage.explain')),
    dl(facts, { id: 'unit-facts' }));
  const p = unit.population;
  if (p && p.total) {
    const share = (n) => (n === null || n === undefined ? '' : pct(n / p.total));
    card.append(
      h('h3', null, t('population.title')),
      dl([
        [t('population.total'), num(p.total), 'population-total'],
        [t('community.SC'), share(p.sc), 'population-sc'],
        [t('community.ST'), share(p.st), 'population-st'],
        [t('religion.muslim'), share(p.muslim), 'population-muslim'],
      ], { id: 'unit-population' }));
  }
  return card;
}

// unitItem is one unit in a list: a link with its number, name and level, and a coverage bar
// when the answer carries coverage (children do; search results do not).
function unitItem(u) {
  const name = [u.number !== null && u.number !== undefined ? num(u.number) + ' · ' : '', shownName(u)];
  const meta = [t('level.' + u.level, null, u.level), u.code];
  if (u.electors) meta.push(tn('unit.electors_n', u.electors));
  return h('li', { class: 'unit-item', 'data-code': u.code },
    h('a', { class: 'unit-link', href: href('units', { id: u.id }), 'data-unit-id': u.id },
      h('span', { class: 'unit-item-name' }, name),
      h('span', { class: 'unit-item-meta' }, meta.join(' · '))),
    u.coverage ? coverage(u.coverage, { booth: u.level === 'booth' }) : null);
}

function children(unit) {
  const list = h('ul', { class: 'unit-list', id: 'unit-children-list' });
  const section = h('section', { class: 'card', id: 'unit-children' },
    h('h2', null, t('units.children', { n: num(unit.children_count) })), list);
  if (!unit.children_count) {
    section.append(msg(t('units.no_children'), '', { id: 'unit-children-empty' }));
    return section;
  }
  const status = h('div', { class: 'list-status' });
  section.append(status);
  const load = async (cursor) => {
    let page;
    try {
      page = await api.get(`/units/${encodeURIComponent(unit.id)}/children`, { limit: cursor ? MORE : PAGE, cursor });
    } catch (e) {
      put(status, msg(errorText(e), 'error'));
      return;
    }
    const first = list.children.length;
    for (const c of page.items) list.append(unitItem(c));
    put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'unit-children-more' }) : '');
    if (cursor) reveal(list.children[first]);
  };
  load('');
  return section;
}

function search(unit) {
  const input = h('input', { type: 'search', id: 'unit-search-q', name: 'q', autocomplete: 'off', enterkeyhint: 'search', placeholder: t('units.search_or_number'), maxlength: 100 });
  const results = h('ul', { class: 'unit-list', id: 'unit-search-results', 'aria-live': 'polite' });
  const status = h('div', { class: 'list-status' });
  const form = h('form', { class: 'search', id: 'unit-search-form', role: 'search' },
    input,
    h('button', { type: 'submit', class: 'btn btn-primary', id: 'unit-search-submit' }, t('search.submit')));
  let seq = 0;
  const run = async (q, cursor) => {
    const mine = cursor ? seq : ++seq;
    if (!cursor) {
      put(results);
      put(status, msg(t('common.loading')));
    }
    let page;
    const byNumber = NUMBER.test(q);
    try {
      page = await api.get('/units', byNumber ? { under: unit.id, number: toNumber(q), limit: 20, cursor } : { under: unit.id, q, limit: 20, cursor });
    } catch (e) {
      if (mine === seq) put(status, msg(errorText(e), 'error'));
      return;
    }
    if (mine !== seq) return;
    const found = page.items.filter((u) => String(u.id) !== String(unit.id));
    // One unit of that number (booth 361 of this assembly): go straight to it.
    if (byNumber && !cursor && found.length === 1 && !page.next_cursor) {
      location.hash = href('units', { id: found[0].id });
      return;
    }
    const first = results.children.length;
    for (const u of found) results.append(unitItem(u));
    put(status,
      !results.children.length ? msg(t('search.none'), '', { id: 'unit-search-none' }) : '',
      page.next_cursor ? moreButton(() => run(q, page.next_cursor), { id: 'unit-search-more' }) : '',
      results.children.length ? button(t('search.clear'), { class: 'btn btn-link', onclick: () => {
        seq++;
        input.value = '';
        put(results);
        put(status);
      } }) : '');
    reveal(results.children[first]);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (q) run(q, '');
  });
  return h('section', { class: 'card', id: 'unit-search' },
    h('h2', null, h('label', { for: 'unit-search-q' }, t('units.search_label'))), form, results, status);
}
