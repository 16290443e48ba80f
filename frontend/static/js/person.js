// person.js: what the committee and people screens share about a person: a person's name and
// tags, and the inputs of a new person (whose choices come from enums.js, loaded first).
// Birth year, category, phone, voter ID, caste and religion are absent from answers to readers
// who may not see them, so every reader here treats them as optional.

import { t, tn, unitName, otherName } from './i18n.js';
import { h, field } from './ui.js';
import { categories, genders, religions } from './enums.js';
import { watchScripts } from './wrongscript.js';

const VOTER_ID = /^[A-Z]{3}[0-9]{7}$/;

// name is the person's name in the current script; other the name in the other one ('' if none).
export const name = unitName;
export const other = otherName;

// phoneText spaces a stored +91XXXXXXXXXX number for reading: +91 98765 43210.
export const phoneText = (p) => String(p).replace(/^\+91(\d{5})(\d{5})$/, '+91 $1 $2');

// tags shows category and gender, and the caste when the answer carries it, as small tags.
export function tags(p) {
  return h('span', { class: 'tags' },
    p.category ? h('span', { class: 'tag tag-category', 'data-category': p.category }, t('category_short.' + p.category, null, p.category)) : null,
    p.gender ? h('span', { class: 'tag tag-gender' }, t('gender.' + p.gender, null, p.gender)) : null,
    p.caste ? h('span', { class: 'tag tag-caste' }, p.caste) : null);
}

// nearOf is the unit whose people a picker lists first (near=): a booth, sector or assembly
// committee's own unit; none above those, whose people are everywhere alike.
export const nearOf = (unit) => (['booth', 'sector', 'assembly'].includes(unit.level) ? unit.id : undefined);

// pickFacts is what tells namesakes apart in a person picker: the home unit, the age, the
// phone's last four digits (only when the answer carries the phone, which depends on the
// reader's role), the seats the person holds now and their load as in-charge (प्रभारी), each in
// its own element.
export function pickFacts(p) {
  const year = new Date().getFullYear();
  const seats = (p.current_seats || []).map((s) => t('position.' + s.position, null, s.position) + ' · ' + unitName(s.unit));
  return [
    p.home_unit ? h('span', { class: 'pick-home' }, unitName(p.home_unit)) : null,
    p.birth_year ? h('span', { class: 'pick-age' }, tn('person.age', year - p.birth_year)) : null,
    p.phone ? h('span', { class: 'pick-phone' }, t('person.phone_last4', { digits: String(p.phone).slice(-4) })) : null,
    seats.length ? h('span', { class: 'hint pick-seats' }, t('builder.sits', { seats: seats.join('; ') })) : null,
    p.seats_elsewhere ? h('span', { class: 'hint pick-elsewhere' }, tn('person.seats_elsewhere', p.seats_elsewhere)) : null,
    p.assignments_active ? h('span', { class: 'hint pick-load' }, tn('prabhari.load', p.assignments_active)) : null,
  ];
}

// select is a <select> of values labelled by t(prefix + value); empty adds a first, blank choice.
export function select(id, values, prefix, { empty, selected = '' } = {}) {
  const opts = values.map((v) => h('option', { value: v, selected: v === selected }, t(prefix + v, null, v)));
  if (empty) opts.unshift(h('option', { value: '', selected: selected === '' }, empty));
  return h('select', { id }, ...opts);
}

// phoneOK accepts an Indian mobile number as the server does (98765 43210, +91 98765-43210, …).
function phoneOK(s) {
  let d = s.replace(/[\s\-().]/g, '');
  if (d.startsWith('+91') && d.length === 13) d = d.slice(3);
  else if (d.startsWith('91') && d.length === 12) d = d.slice(2);
  else if (d.startsWith('0') && d.length === 11) d = d.slice(1);
  return /^[6-9][0-9]{9}$/.test(d);
}

// personFields builds the inputs of a person (new, or edited after fill), their ids starting with
// prefix (after enums.load()). read()
// returns {body, errors}: the request body and the form's own (translated) field errors.
export function personFields(prefix) {
  const text = (key, attrs = {}) => h('input', { type: 'text', id: `${prefix}-${key}`, autocomplete: 'off', ...attrs });
  const inputs = {
    name: text('name', { maxlength: 200, autocapitalize: 'words' }),
    name_hi: text('name_hi', { maxlength: 200, lang: 'hi' }),
    gender: select(`${prefix}-gender`, genders(), 'gender.', { empty: t('common.choose') }),
    category: select(`${prefix}-category`, categories(), 'community.', { empty: t('common.choose') }),
    phone: h('input', { type: 'tel', id: `${prefix}-phone`, inputmode: 'tel', autocomplete: 'off', maxlength: 20 }),
    voter_id: text('voter_id', { maxlength: 14, autocapitalize: 'characters', spellcheck: 'false' }),
    birth_year: h('input', { type: 'number', id: `${prefix}-birth_year`, inputmode: 'numeric', min: 1900, max: 2100 }),
    religion: select(`${prefix}-religion`, religions(), 'religion.', { empty: t('person.not_given') }),
    caste: text('caste', { maxlength: 100 }),
  };
  const nodes = [
    field('name', t('person.name'), inputs.name, { hint: t('person.name_hint') }),
    field('name_hi', t('person.name_hi'), inputs.name_hi),
    h('div', { class: 'pair' },
      field('gender', t('person.gender'), inputs.gender),
      field('birth_year', t('person.birth_year'), inputs.birth_year)),
    field('category', t('person.category'), inputs.category),
    field('phone', t('person.phone'), inputs.phone),
    field('voter_id', t('person.voter_id'), inputs.voter_id, { hint: t('person.voter_id_hint') }),
    h('div', { class: 'pair' },
      field('religion', t('person.religion'), inputs.religion),
      field('caste', t('person.caste'), inputs.caste)),
  ];
  const read = () => {
    const v = (k) => inputs[k].value.trim();
    const body = { name: v('name'), gender: v('gender'), category: v('category') };
    for (const k of ['name_hi', 'phone', 'religion', 'caste']) if (v(k)) body[k] = v(k);
    if (v('voter_id')) body.voter_id = v('voter_id').toUpperCase().replace(/\s+/g, '');
    if (v('birth_year')) body.birth_year = Number(v('birth_year'));
    // The server checks all of this too; checking here first lets the messages be in Hindi.
    const errors = [];
    const local = (f, key) => errors.push({ field: f, message: t(key), local: true });
    if (!body.name) local('name', 'person.err_name');
    if (!body.gender) local('gender', 'person.err_choose');
    if (!body.category) local('category', 'person.err_choose');
    if (body.phone && !phoneOK(body.phone)) local('phone', 'person.err_phone');
    if (body.voter_id && !VOTER_ID.test(body.voter_id)) local('voter_id', 'person.err_voter_id');
    if (v('birth_year') && !Number.isInteger(body.birth_year)) local('birth_year', 'person.err_birth_year');
    return { body, errors };
  };
  // A name in the wrong script is flagged under its field as it is typed (wrongscript.js).
  const checkScripts = watchScripts(inputs.name, inputs.name_hi);
  const reset = () => {
    for (const el of Object.values(inputs)) el.value = '';
    checkScripts();
  };
  // fill sets the inputs from a person as the API answers it (the edit form).
  const fill = (p) => {
    for (const [k, el] of Object.entries(inputs)) el.value = p[k] === null || p[k] === undefined ? '' : String(p[k]);
    checkScripts();
  };
  return { nodes, inputs, read, reset, fill, focus: () => inputs.name.focus() };
}
