// views/committee.js: a unit's committee (कमेटी), mounted by the unit screen into a section of
// its own: seats grouped by position, completeness against the level's norm (पूर्ण कमेटी),
// composition, and — for roles that may write — adding a person (found by name in either
// script, or new) to a position and ending a seat after a confirmation. History (इतिहास) loads
// when opened. The unit screen learns of changes only through onChange.

import * as api from '../api.js';
import { t, num, date, tn } from '../i18n.js';
import { canManagePeople } from '../roles.js';
import { h, put, msg, field, formError, showErrors, clearErrors, button, moreButton, errorText, enterSearches } from '../ui.js';
import { name, other, tags, personFields, phoneText, pickFacts, nearOf } from '../person.js';
import * as enums from '../enums.js';
import * as builderView from './builder.js';
import { day } from './terms.js';

const HISTORY_PAGE = 20;

const positionName = (p) => t('position.' + p, null, p);

// searchUnder is where to look for people to seat: the unit's district (people of a booth
// usually live in its district), or the unit itself above the district level.
function searchUnder(unit) {
  if (unit.level === 'district') return unit.id;
  const d = (unit.ancestors || []).find((a) => a.level === 'district');
  return d ? d.id : unit.id;
}

// mount returns the committee section of unit and loads it; onChange runs after every seat
// added or ended, with the committee as the API now answers it.
export function mount(unit, ctx, { onChange } = {}) {
  const base = `/units/${encodeURIComponent(unit.id)}/committee`;
  const writable = canManagePeople(ctx.user.role);
  const body = h('div', { class: 'committee-body', id: 'committee-body' }, msg(t('common.loading')));
  const section = h('section', { class: 'card committee', id: 'committee', 'aria-labelledby': 'committee-title' },
    h('h2', { id: 'committee-title' }, t('committee.title')), body);
  let committee = null;
  let adder = null;
  let builder = null;
  const history = historySection(base);

  const reload = async () => {
    try {
      [committee] = await Promise.all([api.get(base), enums.load()]);
    } catch (e) {
      put(body, msg(errorText(e), 'error', { id: 'committee-error' }));
      return false;
    }
    put(body, ...summary(committee), seatList(committee, writable ? endSeat : null));
    if (writable && !adder) {
      // Built once the lists of positions and the person's choices are known.
      adder = addSection(unit, base, changed);
      history.el.before(adder.el);
      // The builder enters many seats at once, the form above one at a time.
      builder = builderView.mount(unit, base, { searchUnder, onSaved: changed });
      adder.el.before(builder.el);
    }
    if (adder) adder.update(committee);
    if (builder) builder.update(committee);
    return true;
  };
  const changed = async () => {
    await reload();
    history.stale();
    if (onChange && committee) onChange(committee);
  };
  async function endSeat(seat) {
    await api.del(`${base}/seats/${encodeURIComponent(seat.id)}`);
    await changed();
  }
  section.append(history.el);
  reload();
  return section;
}

// summary shows completeness (with what is missing) and the composition.
function summary(c) {
  const n = c.seats.length;
  const { min_seats: min, max_seats: max } = c.norm;
  const held = new Set(c.seats.map((s) => s.position));
  const missing = (c.norm.required_positions || []).filter((p) => !held.has(p));
  const gaps = [];
  if (!c.complete) {
    if (n < min) gaps.push(h('li', { 'data-gap': 'seats' }, tn('committee.need_more', min - n)));
    if (n > max) gaps.push(h('li', { 'data-gap': 'seats' }, tn('committee.too_many', n - max)));
    if (missing.length) gaps.push(h('li', { 'data-gap': 'positions' }, t('committee.missing', { positions: missing.map(positionName).join(', ') })));
  }
  const comp = c.composition || {};
  const cat = comp.by_category || {};
  const stat = (key, value, label) => h('div', { class: 'stat', 'data-stat': key },
    h('span', { class: 'stat-value' }, num(value || 0)), h('span', { class: 'stat-label' }, label));
  return [
    h('div', { class: 'committee-status' },
      h('p', { class: 'status ' + (c.complete ? 'status-ok' : 'status-warn'), id: 'committee-status', 'data-complete': String(!!c.complete) },
        t(c.complete ? 'committee.complete' : 'committee.incomplete')),
      h('p', { class: 'committee-size', id: 'committee-size' }, tn('committee.size', n, { min: num(min), max: num(max) })),
      termLine(c.term)),
    gaps.length ? h('ul', { class: 'gaps', id: 'committee-gaps' }, gaps) : null,
    n ? h('div', { class: 'stats', id: 'committee-composition', role: 'group', 'aria-label': t('committee.composition') },
      ...enums.categories().map((k) => stat(k, cat[k], t('category_short.' + k))),
      stat('women', (comp.by_gender || {}).female, t('committee.women')),
      stat('minority', comp.minority, t('community.minority'))) : null,
  ];
}

// termLine shows the committee's term (कार्यकाल): started, ends, and whether it has run out.
function termLine(term) {
  if (!term || !term.started_on) return null;
  const ended = term.days_left < 0;
  return h('p', { class: 'committee-term' + (ended ? ' status status-warn' : ''), id: 'committee-term', 'data-started-on': term.started_on,
    'data-ends-on': term.ends_on, 'data-past-term': String(!!term.past_term) },
  t(ended ? 'committee.term_ended' : 'committee.term_runs', { start: day(term.started_on), end: day(term.ends_on) }),
  term.past_term ? ' · ' + t('committee.term_past_grace') : '');
}

// seatList groups the current seats by position; onEnd (for roles that may write) ends a seat.
function seatList(c, onEnd) {
  if (!c.seats.length) return msg(t('committee.empty'), '', { id: 'committee-empty' });
  const list = h('ul', { class: 'seat-groups', id: 'committee-seats' });
  for (const pos of enums.positions()) {
    const seats = c.seats.filter((s) => s.position === pos);
    if (!seats.length) continue;
    list.append(h('li', { class: 'seat-group', 'data-position': pos },
      h('h3', { class: 'seat-group-title' }, positionName(pos), seats.length > 1 ? h('span', { class: 'count' }, num(seats.length)) : null),
      h('ul', { class: 'seats' }, seats.map((s) => seatItem(s, onEnd)))));
  }
  return list;
}

function seatItem(seat, onEnd) {
  const p = seat.person || {};
  const li = h('li', { class: 'seat', 'data-seat-id': seat.id, 'data-position': seat.position, 'data-person-id': p.id });
  const actions = h('div', { class: 'seat-actions' },
    p.phone ? h('a', { class: 'btn btn-quiet seat-phone', href: 'tel:' + p.phone, lang: 'en' }, phoneText(p.phone)) : null,
    onEnd ? button(t('committee.end'), { class: 'btn btn-quiet btn-danger-quiet seat-end', onclick: () => confirm() }) : null);
  const confirm = () => {
    const box = h('div', { class: 'confirm seat-confirm', role: 'alertdialog', 'aria-label': t('committee.end') },
      h('p', null, t('committee.confirm_end', { name: name(p), position: positionName(seat.position) })),
      h('div', { class: 'actions' },
        button(t('committee.end_yes'), { class: 'btn btn-danger seat-end-yes', onclick: async (e) => {
          const yes = e.currentTarget;
          yes.disabled = true;
          try {
            await onEnd(seat);
          } catch (err) {
            box.append(msg(errorText(err), 'error'));
            yes.disabled = false;
          }
        } }),
        button(t('common.cancel'), { class: 'btn btn-quiet seat-end-no', onclick: () => box.replaceWith(actions) })));
    actions.replaceWith(box);
    box.querySelector('.seat-end-no').focus();
  };
  const o = other(p);
  put(li,
    h('div', { class: 'seat-who' },
      h('span', { class: 'seat-name' }, name(p)),
      o ? h('span', { class: 'seat-other' }, o) : null,
      tags(p),
      h('span', { class: 'seat-since' }, t('committee.since', { date: date(seat.since) }))),
    actions.children.length ? actions : null);
  return li;
}

// historySection is the collapsible history: loaded when first opened, again after a change.
function historySection(base) {
  const list = h('ul', { class: 'item-list', id: 'committee-history-list' });
  const status = h('div', { class: 'list-status' });
  const el = h('details', { class: 'history', id: 'committee-history' }, h('summary', { id: 'committee-history-toggle' }, t('committee.history')), list, status);
  let loaded = false;
  const load = async (cursor) => {
    let page;
    try {
      page = await api.get(base + '/history', { limit: HISTORY_PAGE, cursor });
    } catch (e) {
      put(status, msg(errorText(e), 'error'));
      return;
    }
    for (const s of page.items) list.append(historyItem(s));
    if (!list.children.length) list.append(h('li', { class: 'msg', id: 'committee-history-empty' }, t('committee.history_none')));
    put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'committee-history-more' }) : '');
  };
  const refresh = () => {
    loaded = true;
    put(list);
    put(status, msg(t('common.loading')));
    return load('');
  };
  el.addEventListener('toggle', () => {
    if (el.open && !loaded) refresh();
  });
  return {
    el,
    stale: () => {
      loaded = false;
      if (el.open) refresh();
    },
  };
}

function historyItem(s) {
  const p = s.person || {};
  const ended = !!s.ended_at;
  return h('li', { class: 'history-item' + (ended ? ' ended' : ''), 'data-seat-id': s.id, 'data-position': s.position },
    h('div', { class: 'item-head' },
      h('span', { class: 'item-title' }, name(p)),
      h('span', { class: 'badge ' + (ended ? 'badge-off' : 'badge-ok') }, t(ended ? 'committee.ended' : 'committee.current'))),
    h('p', { class: 'item-meta' }, positionName(s.position), ' · ',
      h('span', { class: 'history-dates' }, ended
        ? t('committee.term', { since: date(s.since), until: date(s.ended_at) })
        : t('committee.since', { date: date(s.since) }))));
}

// addSection is "add to committee": a position, then a person found by name or entered new.
function addSection(unit, base, changed) {
  let committee = null;
  let chosen = null;
  let mode = 'search';
  const posSelect = h('select', { id: 'seat-position' });
  const seats = () => (committee ? committee.seats : []);
  const fillPositions = () => {
    const held = new Set(seats().map((s) => s.position));
    const keep = posSelect.value;
    // A single-holder position already held cannot be chosen: it shows, greyed, as taken.
    put(posSelect, ...enums.positions().filter((p) => p !== 'booth_agent' || unit.level === 'booth').map((p) => {
      const taken = enums.singleHolder().includes(p) && held.has(p);
      const o = h('option', { value: p }, positionName(p) + (taken ? ' — ' + t('committee.taken') : ''));
      o.disabled = taken;
      return o;
    }));
    posSelect.value = keep && !posSelect.querySelector(`option[value="${keep}"]`)?.disabled ? keep : nextPosition();
  };
  // nextPosition suggests the first required position still empty, else a member.
  const nextPosition = () => {
    const held = new Set(seats().map((s) => s.position));
    return (committee && (committee.norm.required_positions || []).find((p) => !held.has(p))) || 'member';
  };

  // Finding a person.
  const q = h('input', { type: 'search', id: 'seat-person-q', autocomplete: 'off', enterkeyhint: 'search', maxlength: 100, placeholder: t('committee.search_placeholder') });
  const results = h('ul', { class: 'picker-results', id: 'seat-person-results', 'aria-live': 'polite' });
  const chosenEl = h('div', { class: 'picker-chosen', id: 'seat-person-chosen', hidden: true });
  const searchRow = h('div', { class: 'search' }, q, button(t('search.submit'), { class: 'btn', id: 'seat-person-search', onclick: () => find() }));
  let seq = 0;
  const find = async () => {
    const text = q.value.trim();
    const mine = ++seq;
    if (!text) {
      put(results);
      return;
    }
    put(results, h('li', { class: 'msg' }, t('common.loading')));
    let page;
    try {
      page = await api.get('/people', { q: text, under: searchUnder(unit), near: nearOf(unit), limit: 10 });
    } catch (e) {
      if (mine === seq) put(results, h('li', { class: 'msg msg-error' }, errorText(e)));
      return;
    }
    if (mine !== seq) return;
    const seated = new Set(seats().map((s) => String(s.person && s.person.id)));
    put(results, page.items.length ? page.items.map((p) => {
      const here = seated.has(String(p.id));
      const o = other(p);
      return h('li', null, button([h('span', { class: 'pick-name' }, name(p), o ? h('span', { class: 'seat-other' }, ' · ' + o) : null),
        ...pickFacts(p), tags(p), here ? h('span', { class: 'hint' }, t('committee.already_here')) : null],
      { class: 'btn btn-pick person-pick', 'data-person-id': p.id, disabled: here, onclick: () => pick(p) }));
    }) : h('li', { class: 'msg', id: 'seat-person-none' }, t('committee.search_none')));
  };
  let timer;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(find, 300);
  });
  // Enter searches; it must not send the form.
  enterSearches(q, () => {
    clearTimeout(timer);
    find();
  });
  const pick = (p) => {
    chosen = p;
    put(results);
    if (p) {
      const o = other(p);
      put(chosenEl, h('span', null, h('span', { class: 'pick-name', id: 'seat-person-name' }, name(p)), o ? ' · ' + o : '', ' ', tags(p)),
        button(t('common.change'), { class: 'btn btn-link', id: 'seat-person-change', onclick: () => { pick(null); q.focus(); } }));
    }
    chosenEl.hidden = !p;
    searchRow.hidden = !!p;
    q.value = '';
  };
  const findBlock = h('div', { class: 'person-find', id: 'seat-find' },
    field('person_id', t('committee.person'), q, { control: h('div', { class: 'picker' }, searchRow, chosenEl, results), hint: t('committee.search_hint') }));

  // Entering a new person.
  const pf = personFields('seat-p');
  const newBlock = h('fieldset', { class: 'person-new', id: 'seat-new', hidden: true },
    h('legend', null, t('committee.new_person')), ...pf.nodes);

  const modeSearch = button(t('committee.mode_search'), { class: 'btn seg', id: 'seat-mode-search', 'aria-pressed': 'true', onclick: () => setMode('search') });
  const modeNew = button(t('committee.mode_new'), { class: 'btn seg', id: 'seat-mode-new', 'aria-pressed': 'false', onclick: () => setMode('new') });
  const setMode = (m) => {
    mode = m;
    modeSearch.setAttribute('aria-pressed', String(m === 'search'));
    modeNew.setAttribute('aria-pressed', String(m === 'new'));
    findBlock.hidden = m !== 'search';
    newBlock.hidden = m !== 'new';
    if (m === 'new') pf.focus();
    else if (!chosen) q.focus();
  };

  const done = h('p', { class: 'msg msg-ok', id: 'committee-added', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'committee-add-submit' }, t('committee.add_submit'));
  const form = h('form', { class: 'form committee-form', id: 'committee-add-form', novalidate: true, hidden: true },
    formError(),
    field('position', t('committee.position'), posSelect),
    h('div', { class: 'segmented', role: 'group', 'aria-label': t('committee.person') }, modeSearch, modeNew),
    findBlock, newBlock,
    h('div', { class: 'actions' }, submit,
      button(t('common.close'), { class: 'btn btn-quiet', id: 'committee-add-close', onclick: () => { form.hidden = true; open.hidden = false; } })));
  const open = button(t('committee.add'), { class: 'btn btn-primary', id: 'committee-add-open', onclick: () => {
    form.hidden = false;
    open.hidden = true;
    done.hidden = true;
    posSelect.value = nextPosition();
    posSelect.focus();
  } });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    done.hidden = true;
    const position = posSelect.value;
    submit.disabled = true;
    try {
      let person = chosen;
      if (mode === 'new') {
        const { body, errors } = pf.read();
        if (errors.length) {
          showErrors(form, { status: 422, fields: errors });
          return;
        }
        // The new person and their seat go in one request (a batch of one row): a refused seat
        // saves no one, and every error of the two comes back at once.
        try {
          await api.post(base + '/batch', { seats: [{ person: body, position }] });
        } catch (err) {
          showErrors(form, oneRow(err), err.status === 409 || err.status === 422 ? t('committee.err_not_added') : '');
          return;
        }
        pf.reset();
        setMode('search');
        done.textContent = t('committee.added', { name: name(body), position: positionName(position) });
        done.hidden = false;
        await changed();
        posSelect.value = enums.singleHolder().includes(position) ? nextPosition() : position;
        return;
      } else if (!person) {
        showErrors(form, { status: 422, fields: [{ field: 'person_id', message: t('committee.err_pick'), local: true }] });
        return;
      }
      try {
        await api.post(base + '/seats', { person_id: person.id, position });
      } catch (err) {
        showErrors(form, err, err.status === 409 || err.status === 422 ? t('committee.err_not_added') : '');
        return;
      }
      pick(null);
      done.textContent = t('committee.added', { name: name(person), position: positionName(position) });
      done.hidden = false;
      await changed();
      posSelect.value = enums.singleHolder().includes(position) ? nextPosition() : position;
    } finally {
      submit.disabled = false;
    }
  });

  const fullNote = h('p', { class: 'hint', id: 'committee-full', hidden: true }, t('committee.full'));
  const el = h('div', { class: 'committee-add', id: 'committee-add' }, done, open, fullNote, form);
  return {
    el,
    update: (c) => {
      committee = c;
      fillPositions();
      // A full committee takes no one more: say so rather than offer a form the server refuses.
      const full = c.seats.length >= c.norm.max_seats;
      open.disabled = full;
      fullNote.hidden = !full;
      if (full) form.hidden = true;
      open.hidden = !form.hidden;
    },
  };
}

// oneRow turns the errors of a one-row batch (seats[0].person.phone) into the form's fields.
function oneRow(err) {
  if (!err.fields) return err;
  return { ...err, fields: err.fields.map((f) => ({ ...f, field: f.field.replace(/^seats\[0\]\.(person\.)?/, '') })) };
}
