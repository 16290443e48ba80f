// views/alliances.js: the alliance (गठबंधन) and its seat sharing (सीट बंटवारा). The parties —
// the state office and admin add and edit them —, an election chooser, the counts per party of
// that election, and the seat table: every Lok Sabha and assembly seat with the party that
// contests it, unallotted seats marked, filterable by district. The state office and admin allot
// or change a seat with a select; everyone else reads the same table (public party
// information). Exported as CSV through a blob download with the bearer token. Every text of a
// record is set with textContent (h does), never as markup.

import * as api from '../api.js';
import { t, unitName, num } from '../i18n.js';
import { h, put, msg, field, errorText, button, formError, showErrors, clearErrors } from '../ui.js';

const DEFAULT_ELECTION = 'Lok Sabha 2029';
const SUGGESTED = ['Lok Sabha 2029', 'UP Vidhan Sabha 2027'];

// state outlives one drawing of the screen, so switching the language keeps it.
const state = { election: DEFAULT_ELECTION, district: '' };

// reset forgets the choices (at logout).
export function reset() {
  Object.assign(state, { election: DEFAULT_ELECTION, district: '' });
}

// Who may change the alliance; the server enforces the same.
const mayManage = (role) => role === 'admin' || role === 'state_office';

const partyName = (p) => unitName(p) || p.short_name;

export async function render(root, ctx) {
  ctx.setTitle(t('alliances.title'));
  const role = ctx.user && ctx.user.role;
  const manager = mayManage(role);
  root.append(h('h1', null, t('alliances.title')));
  if (!manager) root.append(msg(t('alliances.read_only'), '', { id: 'alliances-read-only' }));

  let parties = [];
  const partyList = h('ul', { class: 'item-list', id: 'party-list' });
  const partyStatus = h('div', { class: 'list-status' });
  const partyCard = h('section', { class: 'card', id: 'parties' }, h('h2', null, t('alliances.parties')), partyList, partyStatus);
  root.append(partyCard);
  if (manager) partyCard.append(partyForm(null, async () => { await loadParties(); await loadSeats(); }));

  // The election chooser.
  const election = h('input', { type: 'text', id: 'alliance-election', value: state.election, list: 'alliance-elections', maxlength: '100', autocomplete: 'off' });
  const known = h('datalist', { id: 'alliance-elections' }, ...SUGGESTED.map((e) => h('option', { value: e })));
  const district = h('select', { id: 'alliance-district' }, h('option', { value: '' }, t('alliances.all_districts')));
  const chooser = h('form', { class: 'form filters', id: 'alliance-chooser' },
    field('election', t('alliances.election'), election, { hint: t('alliances.election_hint') }), known,
    field('district_id', t('alliances.district'), district),
    formError(),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'alliance-show' }, t('alliances.show'))));
  root.append(h('section', { class: 'card' }, chooser));

  const counts = h('div', { class: 'chip-row', id: 'alliance-counts', 'aria-live': 'polite' });
  const seatList = h('ul', { class: 'item-list', id: 'seat-list' });
  const seatStatus = h('div', { class: 'list-status', id: 'seat-status' });
  const exportStatus = h('div', { class: 'list-status', id: 'alliance-export-status', 'aria-live': 'polite' });
  const exportBtn = button(t('export.download'), { class: 'btn', id: 'alliance-export', onclick: async () => {
    exportBtn.disabled = true;
    put(exportStatus, msg(t('common.loading')));
    try {
      await download('/exports/seat-shares.csv', { election: state.election }, `seat-shares-${new Date().toISOString().slice(0, 10)}.csv`);
      put(exportStatus, msg(t('export.done'), 'ok', { id: 'alliance-export-ok' }));
    } catch (err) {
      put(exportStatus, msg(errorText(err), 'error'));
    } finally {
      exportBtn.disabled = false;
    }
  } });
  root.append(h('section', { class: 'card', id: 'alliance-summary' }, h('h2', null, t('alliances.counts')), counts),
    h('section', { class: 'card', id: 'alliance-seats' }, h('h2', null, t('alliances.seats')), seatList, seatStatus,
      h('div', { class: 'actions' }, exportBtn), h('p', { class: 'hint' }, t('alliances.export_hint')), exportStatus));

  async function loadParties() {
    try {
      parties = (await api.get('/parties')).items;
    } catch (e) {
      put(partyStatus, msg(errorText(e), 'error'));
      return;
    }
    put(partyStatus);
    put(partyList, ...parties.map((p) => partyItem(p)));
    if (!parties.length) partyList.append(h('li', { class: 'msg', id: 'party-none' }, t('alliances.no_parties')));
  }

  function partyItem(p) {
    const li = h('li', { class: 'user-item party-item', 'data-short': p.short_name },
      h('div', { class: 'item-head' },
        h('span', { class: 'item-title' }, `${p.short_name} · ${partyName(p)}`),
        p.is_own ? h('span', { class: 'badge badge-ok' }, t('alliances.own')) : null),
      p.symbol ? h('div', { class: 'item-meta' }, t('alliances.symbol_is', { symbol: p.symbol })) : null);
    if (manager) {
      const edit = button(t('common.edit'), { class: 'btn btn-quiet party-edit', onclick: () => {
        edit.hidden = true;
        li.append(partyForm(p, async () => { await loadParties(); await loadSeats(); }, () => { edit.hidden = false; }));
      } });
      li.append(h('div', { class: 'actions' }, edit));
    }
    return li;
  }

  // partyForm adds a party (p null) or edits p; done runs after a save, cancel when given.
  function partyForm(p, done, cancel) {
    const inputs = {
      name: h('input', { type: 'text', maxlength: '100', value: p ? p.name : '' }),
      name_hi: h('input', { type: 'text', maxlength: '100', value: p ? p.name_hi : '', lang: 'hi' }),
      short_name: h('input', { type: 'text', maxlength: '20', value: p ? p.short_name : '' }),
      symbol: h('input', { type: 'text', maxlength: '100', value: p ? p.symbol : '' }),
    };
    const pre = p ? 'party-' + p.id + '-' : 'party-new-';
    for (const [k, el] of Object.entries(inputs)) el.id = pre + k;
    const form = h('form', { class: 'form', id: p ? 'party-form-' + p.id : 'party-form' },
      field('name', t('alliances.f_name'), inputs.name),
      field('name_hi', t('alliances.f_name_hi'), inputs.name_hi),
      field('short_name', t('alliances.f_short_name'), inputs.short_name),
      field('symbol', t('alliances.f_symbol'), inputs.symbol),
      formError(),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary', id: pre + 'save' }, p ? t('common.save') : t('alliances.party_add')),
        cancel ? button(t('common.cancel'), { class: 'btn btn-quiet', onclick: () => { form.remove(); cancel(); } }) : null));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = {};
      for (const [k, el] of Object.entries(inputs)) body[k] = el.value.trim();
      try {
        if (p) await api.patch('/parties/' + p.id, body, p.version);
        else await api.post('/parties', body);
      } catch (err) {
        showErrors(form, err);
        return;
      }
      if (!p) for (const el of Object.values(inputs)) el.value = '';
      await done();
    });
    if (p) return form;
    return h('details', { class: 'party-add', id: 'party-add' }, h('summary', null, t('alliances.party_add')), form);
  }

  // The summary: counts per party over the chosen district (or all), and the district choices.
  async function loadSummary() {
    let rows;
    try {
      rows = (await api.get('/seat-shares/summary', { election: state.election })).items;
    } catch (e) {
      put(counts, msg(errorText(e), 'error'));
      return false;
    }
    const districts = new Map();
    for (const r of rows) if (r.district) districts.set(r.district.id, r.district);
    const chosen = state.district;
    put(district, h('option', { value: '' }, t('alliances.all_districts')),
      ...[...districts.values()].sort((a, b) => unitName(a).localeCompare(unitName(b))).map((d) => h('option', { value: d.id }, unitName(d))));
    district.value = districts.has(chosen) ? chosen : '';
    state.district = district.value;
    const by = new Map();
    let unallotted = 0, total = 0;
    for (const r of rows) {
      if (state.district && (!r.district || r.district.id !== state.district)) continue;
      for (const p of r.by_party) by.set(p.short_name, (by.get(p.short_name) || 0) + p.seats);
      unallotted += r.unallotted;
      total += r.total;
    }
    const chips = [...by.entries()].sort((a, b) => b[1] - a[1]).map(([short, n]) =>
      h('span', { class: 'badge badge-plan party-count', 'data-party': short, 'data-seats': String(n) }, `${short}: ${num(n)}`));
    chips.push(h('span', { class: 'badge badge-off party-count', id: 'count-unallotted', 'data-seats': String(unallotted) }, `${t('alliances.unallotted')}: ${num(unallotted)}`));
    chips.push(h('span', { class: 'badge party-count', id: 'count-total', 'data-seats': String(total) }, `${t('alliances.total')}: ${num(total)}`));
    put(counts, ...chips);
    return true;
  }

  let seq = 0;
  async function loadSeats() {
    const mine = ++seq;
    put(seatStatus, msg(t('common.loading')));
    if (!(await loadSummary()) || mine !== seq) {
      put(seatStatus);
      return;
    }
    const items = [];
    let cursor = '';
    try {
      do {
        const page = await api.get('/seat-shares/seats', { election: state.election, district_id: state.district, limit: 500, cursor });
        items.push(...page.items);
        cursor = page.next_cursor || '';
      } while (cursor && mine === seq);
    } catch (e) {
      if (mine === seq) put(seatStatus, msg(errorText(e), 'error'));
      return;
    }
    if (mine !== seq) return;
    // Lok Sabha seats first, then the assemblies, by district and number.
    const key = (s) => [s.unit.level === 'parliamentary' ? 0 : 1, s.district ? unitName(s.district) : '', s.unit.number || 0];
    items.sort((a, b) => {
      const x = key(a), y = key(b);
      return x[0] - y[0] || x[1].localeCompare(y[1]) || x[2] - y[2];
    });
    put(seatList, ...items.map(seatItem));
    put(seatStatus, items.length ? '' : msg(t('alliances.no_seats'), '', { id: 'seat-none' }));
  }

  function seatItem(s) {
    const u = s.unit;
    const title = u.number ? `${num(u.number)} · ${unitName(u)}` : unitName(u);
    const meta = [t('level.' + u.level, null, u.level), s.district ? unitName(s.district) : t('alliances.no_district')].join(' · ');
    const li = h('li', { class: 'user-item seat-item' + (s.share ? '' : ' unallotted'), 'data-code': u.code, 'data-party': s.share ? s.share.party.short_name : '' },
      h('div', { class: 'item-head' }, h('span', { class: 'item-title' }, title),
        s.share ? h('span', { class: 'badge badge-plan seat-party' }, s.share.party.short_name)
          : h('span', { class: 'badge badge-off seat-party seat-unallotted' }, t('alliances.unallotted'))),
      h('div', { class: 'item-meta' }, meta));
    if (!manager) return li;
    const sel = h('select', { class: 'seat-select', id: 'seat-' + u.id, 'aria-label': t('alliances.allot_to', { seat: unitName(u) }) },
      h('option', { value: '' }, t('alliances.unallotted')),
      ...parties.map((p) => h('option', { value: p.id }, `${p.short_name} · ${partyName(p)}`)));
    sel.value = s.share ? s.share.party_id : '';
    const status = h('div', { class: 'list-status', 'aria-live': 'polite' });
    sel.addEventListener('change', async () => {
      sel.disabled = true;
      put(status);
      try {
        if (!s.share && sel.value) await api.post('/seat-shares', { election: state.election, unit_id: u.id, party_id: sel.value });
        else if (s.share && sel.value) await api.patch('/seat-shares/' + s.share.id, { party_id: sel.value }, s.share.version);
        else if (s.share) await api.del('/seat-shares/' + s.share.id, s.share.version);
      } catch (err) {
        sel.disabled = false;
        sel.value = s.share ? s.share.party_id : '';
        const f = err.fields && err.fields.find((x) => x.code === 'seat_taken');
        put(status, msg(f ? t('field_error.seat_taken', f.params) : errorText(err), 'error'));
        return;
      }
      await loadSeats();
    });
    li.append(h('div', { class: 'seat-allot' }, sel), status);
    return li;
  }

  chooser.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(chooser);
    const v = election.value.trim().replace(/\s+/g, ' ');
    if (!v) {
      showErrors(chooser, { fields: [{ field: 'election', message: t('field_error.required'), local: true }] });
      return;
    }
    state.election = v;
    state.district = district.value;
    await loadSeats();
  });
  district.addEventListener('change', () => {
    state.district = district.value;
    loadSeats();
  });

  await loadParties();
  await loadSeats();
}

// download fetches a CSV with the bearer token (never a token in a URL) and saves it from a blob.
async function download(path, query, name) {
  // A byte-order mark lets Excel read the Devanagari as UTF-8.
  const blob = new Blob(['\ufeff', await api.file(path, query)], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
