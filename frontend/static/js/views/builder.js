// views/builder.js: the committee builder (issue 10): a coordinator enters a whole committee on
// one screen — a row per seat, each a new person (name in either script, gender, category,
// optional phone and voter ID) or an existing one found by name — and saves it with one request
// (POST …/committee/batch), all or nothing. Positions come pre-filled in order (the required ones
// still empty, then members); a gender or category chosen on a row carries down to the rows
// below that have none of their own, so a committee of alike members takes few taps. Enter moves
// to the next field, and on from a row's last field to the next row's name. The draft is kept in
// the browser (draft.js) per unit until the committee is saved, so a reload or a lost connection loses
// nothing. The committee screen mounts it and learns of a save through onSaved.

import * as api from '../api.js';
import { t, current, num, tn } from '../i18n.js';
import { h, put, msg, button, errorText } from '../ui.js';
import { name, other, tags, pickFacts, nearOf } from '../person.js';
import * as enums from '../enums.js';
import * as drafts from '../draft.js';
import { fieldMessage } from '../errors.js';

const DEVANAGARI = /[\u0900-\u097F]/;
const draftKey = (unitID) => 'committee-builder.' + unitID;
const positionName = (p) => t('position.' + p, null, p);

function loadDraft(unitID) {
  const d = drafts.load(draftKey(unitID));
  return d && Array.isArray(d.rows) && d.rows.length ? d : null;
}

const storeDraft = (unitID, rows) => drafts.store(draftKey(unitID), rows ? { rows, saved: Date.now() } : null);

// mount returns the builder for unit: a button that opens it, and the form. update(committee)
// tells it the committee as now loaded; onSaved(committee) runs after a successful save.
export function mount(unit, base, { searchUnder, onSaved }) {
  let committee = null;
  let rows = [];
  let nextKey = 0;
  const homeNames = new Map(); // home unit id → a promise of its name

  const list = h('ol', { class: 'builder-rows', id: 'builder-rows' });
  const top = h('p', { class: 'form-error msg msg-error', id: 'builder-error', role: 'alert', hidden: true });
  // Save is a plain button, not a submit one: Enter belongs to moving between fields, and a
  // form without a submit button is never sent by Enter on a phone keyboard.
  const saveBtn = button(t('builder.save'), { class: 'btn btn-primary', id: 'builder-save', onclick: () => save() });
  const addBtn = button(t('builder.add_row'), { class: 'btn', id: 'builder-add-row', onclick: () => {
    addRow();
    rows[rows.length - 1].focus();
    changed();
  } });
  // Discarding takes a second tap: one slip must not lose a whole committee's typing.
  const discardBtn = button(t('builder.discard'), { class: 'btn btn-quiet', id: 'builder-discard', onclick: () => {
    if (discardBtn.dataset.armed) close(true);
    else {
      discardBtn.dataset.armed = 'yes';
      discardBtn.textContent = t('builder.discard_confirm');
      discardBtn.classList.add('btn-danger-quiet');
    }
  } });
  const disarm = () => {
    delete discardBtn.dataset.armed;
    discardBtn.textContent = t('builder.discard');
    discardBtn.classList.remove('btn-danger-quiet');
  };
  let restored = null; // the note that a draft came back
  const form = h('form', { class: 'form builder', id: 'builder-form', novalidate: true, hidden: true, 'aria-labelledby': 'builder-title' },
    h('h3', { id: 'builder-title' }, t('builder.title')),
    h('p', { class: 'hint' }, t('builder.hint')),
    top, list,
    h('div', { class: 'actions' }, addBtn),
    h('div', { class: 'actions builder-actions' }, saveBtn, discardBtn));
  const open = button(t('builder.open'), { class: 'btn btn-primary', id: 'builder-open', onclick: () => start(null) });
  const done = h('p', { class: 'msg msg-ok', id: 'builder-saved', role: 'status', hidden: true });
  const el = h('div', { class: 'builder-wrap', id: 'builder' }, done, open, form);

  const seats = () => (committee ? committee.seats : []);
  const room = () => (committee ? committee.norm.max_seats - committee.seats.length : 0);
  const positions = () => enums.positions().filter((p) => p !== 'booth_agent' || unit.level === 'booth');

  // start opens the builder with a draft's rows, or with the rows the norm still asks for.
  function start(draft) {
    put(list);
    rows = [];
    if (draft) {
      for (const r of draft.rows) addRow(r);
    } else {
      const held = new Set(seats().map((s) => s.position));
      const missing = (committee.norm.required_positions || []).filter((p) => !held.has(p));
      const n = Math.max(1, Math.min(room(), committee.norm.min_seats - seats().length));
      for (let i = 0; i < n; i++) addRow({ position: missing[i] || 'member' });
    }
    form.hidden = false;
    open.hidden = true;
    done.hidden = true;
    disarm();
    clearErrors();
    changed();
    if (!draft) rows[0].focus();
  }

  function close(discard) {
    form.hidden = true;
    open.hidden = false;
    if (restored) restored.remove();
    restored = null;
    disarm();
    if (discard) {
      storeDraft(unit.id, null);
      put(list);
      rows = [];
    }
  }

  // changed brings every row up to date with the others (carried choices, taken positions,
  // numbering) and keeps the draft.
  function changed() {
    const carry = { gender: '', category: '' };
    const taken = new Set(seats().filter((s) => enums.singleHolder().includes(s.position)).map((s) => s.position));
    rows.forEach((r, i) => {
      r.index(i);
      for (const g of ['gender', 'category']) {
        if (r.state[g]) carry[g] = r.state[g];
        r.show(g, r.state[g] || carry[g], !r.state[g]);
      }
    });
    rows.forEach((r) => {
      const others = new Set(rows.filter((o) => o !== r).map((o) => o.state.position).filter((p) => enums.singleHolder().includes(p)));
      r.disablePositions((p) => taken.has(p) || others.has(p));
    });
    addBtn.disabled = rows.length >= room();
    if (!form.hidden) storeDraft(unit.id, rows.map((r) => r.state));
  }

  // addRow appends a row with the given state (a draft's, or a position only).
  function addRow(init = {}) {
    const r = row({ ...blank(), ...init }, nextKey++);
    rows.push(r);
    list.append(r.el);
    return r;
  }
  const blank = () => ({ name: '', gender: '', category: '', phone: '', voter_id: '', position: 'member', person: null });

  // next moves focus on from input (Enter): the next text field of the form, or from the last
  // row's last field to a new row while the committee has room, else to Save.
  function next(input) {
    const fields = [...list.querySelectorAll('input[data-nav]')].filter((e) => e.offsetParent !== null);
    const i = fields.indexOf(input);
    if (i >= 0 && i < fields.length - 1) {
      fields[i + 1].focus();
      return;
    }
    // A row left empty is the end of the list: Save, rather than yet another row.
    const last = rows[rows.length - 1];
    if (rows.length < room() && last && last.seat()) {
      addRow();
      changed();
      rows[rows.length - 1].focus();
      return;
    }
    saveBtn.focus();
  }

  // homeName names a person's home unit: from the answer when it carries home_unit, else read.
  function homeName(id, known) {
    if (known) return Promise.resolve(current() === 'hi' && known.name_hi ? known.name_hi : known.name);
    if (!id) return Promise.resolve('');
    if (!homeNames.has(id)) {
      homeNames.set(id, api.get('/units/' + encodeURIComponent(id)).then((u) => u, () => null));
    }
    return homeNames.get(id).then((u) => (u ? (current() === 'hi' && u.name_hi ? u.name_hi : u.name) : ''));
  }

  // row builds one seat's inputs around state, which it keeps up to date.
  function row(state, key) {
    const id = (f) => `builder-r${key}-${f}`;
    const slot = (f) => h('p', { class: 'field-error', id: id(f) + '-error', 'data-field': f, role: 'alert' });
    const onInput = (f) => (e) => {
      state[f] = e.target.value;
      changed();
    };
    const nav = (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        next(e.target);
      }
    };
    const text = (f, attrs) => h('input', { id: id(f), name: f, 'data-nav': f, autocomplete: 'off', value: state[f] || '',
      'aria-describedby': id(f) + '-error', oninput: onInput(f), onkeydown: nav, ...attrs });

    const no = h('span', { class: 'builder-no' });
    const pos = h('select', { id: id('position'), name: 'position', class: 'builder-position', 'aria-label': t('committee.position'),
      'aria-describedby': id('position') + '-error',
      onchange: (e) => {
        state.position = e.target.value;
        changed();
      } }, positions().map((p) => h('option', { value: p }, positionName(p))));
    pos.value = state.position;
    const remove = button('✕', { class: 'btn btn-quiet builder-remove', 'aria-label': t('builder.remove_row'), title: t('builder.remove_row'), onclick: () => {
      rows = rows.filter((o) => o !== api_);
      li.remove();
      changed();
    } });

    // A new person.
    const nameIn = text('name', { type: 'text', maxlength: 200, autocapitalize: 'words', enterkeyhint: 'next', placeholder: t('builder.name_placeholder') });
    const group = (f, values, label) => {
      const g = h('div', { class: 'segmented builder-seg builder-' + f, role: 'group', 'aria-label': label, id: id(f), 'data-group': f },
        values.map((v) => button(t((f === 'gender' ? 'gender.' : 'category_short.') + v, null, v),
          { class: 'btn seg', 'data-value': v, 'aria-pressed': 'false',
            // A tap leaves the focus (and a phone's keyboard) in the field being typed in.
            onmousedown: (e) => e.preventDefault(),
            onclick: () => {
            state[f] = state[f] === v ? '' : v;
            changed();
          } })));
      return g;
    };
    const genderG = group('gender', enums.genders(), t('person.gender'));
    const categoryG = group('category', enums.categories(), t('person.category'));
    const phoneIn = text('phone', { type: 'tel', inputmode: 'numeric', maxlength: 20, enterkeyhint: 'next', placeholder: t('builder.phone_placeholder') });
    const voterIn = text('voter_id', { type: 'text', maxlength: 14, autocapitalize: 'characters', spellcheck: 'false', enterkeyhint: 'next', placeholder: t('builder.voter_placeholder') });
    const findBtn = button(t('builder.pick_existing'), { class: 'btn btn-link builder-find', onclick: () => mode('find') });
    const label = (f, l) => h('label', { for: id(f), class: 'builder-label' }, l);
    const fresh = h('div', { class: 'builder-new' },
      h('div', { class: 'builder-field' }, label('name', t('builder.name')), nameIn, slot('name')),
      h('div', { class: 'builder-field' }, genderG, slot('gender')),
      h('div', { class: 'builder-field' }, categoryG, slot('category')),
      h('div', { class: 'pair' },
        h('div', { class: 'builder-field' }, label('phone', t('person.phone')), phoneIn, slot('phone')),
        h('div', { class: 'builder-field' }, label('voter_id', t('builder.voter_id')), voterIn, slot('voter_id'))),
      findBtn);

    // An existing person, found by name.
    const q = h('input', { type: 'search', id: id('q'), autocomplete: 'off', enterkeyhint: 'search', maxlength: 100,
      placeholder: t('committee.search_placeholder'), 'aria-label': t('committee.person') });
    const results = h('ul', { class: 'picker-results builder-results' });
    let seq = 0;
    const find = async () => {
      const text_ = q.value.trim();
      const mine = ++seq;
      if (!text_) {
        put(results);
        return;
      }
      put(results, h('li', { class: 'msg' }, t('common.loading')));
      let page;
      try {
        page = await api.get('/people', { q: text_, under: searchUnder(unit), near: nearOf(unit), limit: 10 });
      } catch (e) {
        if (mine === seq) put(results, h('li', { class: 'msg msg-error' }, errorText(e)));
        return;
      }
      if (mine !== seq) return;
      const seated = new Set(seats().map((s) => String(s.person && s.person.id)));
      const inRows = new Set(rows.filter((o) => o !== api_ && o.state.person).map((o) => String(o.state.person.id)));
      put(results, page.items.length ? page.items.map((p) => {
        const here = seated.has(String(p.id));
        const twice = inRows.has(String(p.id));
        const o = other(p);
        return h('li', null, button([h('span', { class: 'pick-name' }, name(p), o ? h('span', { class: 'seat-other' }, ' · ' + o) : null),
          ...pickFacts(p), tags(p),
          here ? h('span', { class: 'hint' }, t('committee.already_here')) : null,
          twice ? h('span', { class: 'hint' }, t('builder.in_other_row')) : null],
        { class: 'btn btn-pick person-pick', 'data-person-id': p.id, disabled: here || twice, onclick: () => pick(p) }));
      }) : h('li', { class: 'msg' }, t('builder.search_none')));
    };
    let timer;
    q.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(find, 300);
    });
    q.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        clearTimeout(timer);
        find();
      }
    });
    const finder = h('div', { class: 'builder-finder', hidden: true },
      h('div', { class: 'search' }, q, button(t('search.submit'), { class: 'btn builder-search', onclick: () => find() })),
      results,
      button(t('builder.new_instead'), { class: 'btn btn-link builder-new-instead', onclick: () => mode('new') }));

    const chosen = h('div', { class: 'picker-chosen builder-chosen', hidden: true });
    const pick = (p) => {
      state.person = p ? { id: String(p.id), name: p.name, name_hi: p.name_hi, gender: p.gender, category: p.category, caste: p.caste, home_unit_id: p.home_unit_id, home_unit: p.home_unit || null } : null;
      showChosen();
      mode(p ? 'chosen' : 'new');
      changed();
    };
    const showChosen = () => {
      const p = state.person;
      if (!p) return;
      const home = h('span', { class: 'pick-home' });
      homeName(p.home_unit_id, p.home_unit).then((n) => { home.textContent = n; });
      const o = other(p);
      put(chosen, h('span', null, h('span', { class: 'pick-name' }, name(p)), o ? ' · ' + o : '', ' ', home, ' ', tags(p)),
        button(t('common.change'), { class: 'btn btn-link builder-unpick', onclick: () => { pick(null); mode('find'); q.focus(); } }));
    };
    const personSlot = slot('person_id');
    const mode = (m) => {
      fresh.hidden = m !== 'new';
      finder.hidden = m !== 'find';
      chosen.hidden = m !== 'chosen';
      if (m === 'find') {
        q.value = state.name || '';
        q.focus();
        if (q.value) find();
      }
    };

    const rowErr = slot('row');
    const li = h('li', { class: 'builder-row', 'data-key': key },
      h('div', { class: 'builder-row-head' }, no, pos, remove),
      slot('position'), fresh, finder, chosen, personSlot, rowErr);

    const api_ = {
      el: li,
      state,
      focus: () => (state.person ? pos.focus() : nameIn.focus()),
      index: (i) => {
        li.dataset.index = String(i);
        li.id = 'builder-row-' + i;
        no.textContent = String(i + 1);
      },
      // show marks value pressed in a group; carried values (from a row above) look lighter.
      show: (f, value, carried) => {
        for (const b of li.querySelectorAll(`[data-group="${f}"] .seg`)) {
          const on = b.dataset.value === value;
          b.setAttribute('aria-pressed', String(on));
          b.classList.toggle('carried', on && carried);
        }
      },
      disablePositions: (taken) => {
        for (const o of pos.options) {
          const off = o.value !== state.position && taken(o.value);
          o.disabled = off;
          o.textContent = positionName(o.value) + (off ? ' — ' + t('committee.taken') : '');
        }
      },
      // seat is the row's part of the request, with the values carried down filled in; null
      // for a row left empty.
      seat: () => {
        if (state.person) return { person_id: state.person.id, position: state.position };
        const typed = state.name.trim();
        if (!typed && !state.phone.trim() && !state.voter_id.trim()) return null;
        const person = { name: typed, gender: effective('gender'), category: effective('category') };
        // The API wants a name; one typed only in Devanagari serves as both.
        if (DEVANAGARI.test(typed)) person.name_hi = typed;
        if (state.phone.trim()) person.phone = state.phone.trim();
        if (state.voter_id.trim()) person.voter_id = state.voter_id.trim().toUpperCase().replace(/\s+/g, '');
        return { person, position: state.position };
      },
      error: (f, text, local) => {
        const target = ['name', 'name_hi', 'gender', 'category', 'phone', 'voter_id', 'position'].includes(f) ? f
          : f === 'person_id' ? (state.person ? 'person_id' : 'name') : 'row';
        const s = li.querySelector(`.field-error[data-field="${target}"]:not(:empty)`) || li.querySelector(`.field-error[data-field="${target}"]`);
        if (!s || s.closest('[hidden]')) {
          rowErr.textContent = rowErr.textContent ? rowErr.textContent + '; ' + text : text;
          return;
        }
        s.lang = local ? current() : 'en';
        s.textContent = s.textContent ? s.textContent + '; ' + text : text;
        const input = document.getElementById(s.id.replace(/-error$/, ''));
        if (input) input.setAttribute('aria-invalid', 'true');
      },
    };
    const effective = (f) => {
      const i = rows.indexOf(api_);
      for (let j = i; j >= 0; j--) if (rows[j].state[f]) return rows[j].state[f];
      return '';
    };
    if (state.person) {
      showChosen();
      mode('chosen');
    }
    return api_;
  }

  function clearErrors() {
    for (const s of form.querySelectorAll('.field-error')) s.textContent = '';
    for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
    top.hidden = true;
    top.textContent = '';
  }

  form.addEventListener('submit', (e) => e.preventDefault());
  async function save() {
    clearErrors();
    const body = [];
    const at = []; // the request's row i is rows[at[i]]
    rows.forEach((r, i) => {
      const s = r.seat();
      if (s) {
        body.push(s);
        at.push(i);
      }
    });
    // What the form can tell by itself is said before anything is sent, in the UI's language.
    let bad = false;
    body.forEach((s, i) => {
      if (!s.person) return;
      const r = rows[at[i]];
      if (!s.person.name) { r.error('name', t('person.err_name'), true); bad = true; }
      if (!s.person.gender) { r.error('gender', t('person.err_choose'), true); bad = true; }
      if (!s.person.category) { r.error('category', t('person.err_choose'), true); bad = true; }
    });
    if (!body.length) {
      top.textContent = t('builder.err_empty');
      top.hidden = false;
      return;
    }
    if (bad) {
      top.textContent = t('builder.err_rows');
      top.hidden = false;
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    saveBtn.disabled = true;
    saveBtn.textContent = t('builder.saving');
    let saved;
    try {
      saved = await api.post(base + '/batch', { seats: body });
    } catch (err) {
      const rest = [];
      for (const f of err.fields || []) {
        const m = /^seats\[(\d+)\](?:\.(?:person\.)?(.+))?$/.exec(f.field || '');
        const { text, local } = fieldMessage(f, (i) => (at[i] === undefined ? i : at[i]));
        if (m && at[Number(m[1])] !== undefined) rows[at[Number(m[1])]].error(m[2] || 'row', text, local);
        else rest.push(text);
      }
      top.textContent = [err.status === 422 ? t('builder.err_rows') : errorText(err), ...rest].join(' · ');
      top.hidden = false;
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    } finally {
      saveBtn.disabled = false;
      saveBtn.textContent = t('builder.save');
    }
    storeDraft(unit.id, null);
    close(true);
    done.textContent = tn('builder.saved', body.length);
    done.hidden = false;
    if (onSaved) onSaved(saved);
  }

  return {
    el,
    // update takes the committee as loaded; the first time, an unsaved draft reopens.
    update: (c) => {
      const first = !committee;
      committee = c;
      const full = room() <= 0;
      open.disabled = full;
      el.hidden = full && form.hidden;
      if (first) {
        const draft = loadDraft(unit.id);
        if (draft && !full) {
          start(draft);
          restored = msg(t('builder.draft_restored'), 'ok', { id: 'builder-restored' });
          form.prepend(restored);
          return;
        }
      }
      if (!form.hidden) changed();
    },
  };
}
