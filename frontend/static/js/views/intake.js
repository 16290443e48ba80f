// views/intake.js: the public intake, no login needed. #/report: anyone reports an incident and
// gets a tracking code; #/track/{code}: the status in words and a dated timeline (the API gives
// no names, so none can show).

import * as api from '../api.js';
import { t, unitName, date } from '../i18n.js';
import { h, field, formError, showErrors, clearErrors, msg, errorText, dl } from '../ui.js';
import { href } from '../router.js';

const day = (d) => (d ? date(d + 'T12:00:00Z') : '');
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
const toLogin = () => h('p', { class: 'public-links' }, h('a', { href: '#/login', id: 'public-login' }, t('intake.to_login')));

let districts = null;

async function renderReport(root, ctx) {
  ctx.setTitle(t('intake.title'));
  root.append(h('h1', null, t('intake.title')), h('p', { class: 'hint' }, t('intake.intro')));
  if (!districts) districts = (await api.get('/public/districts')).items;
  const district = h('select', { id: 'intake-district' }, h('option', { value: '' }, t('common.choose')),
    ...districts.map((d) => h('option', { value: d.code }, unitName(d))));
  const place = h('input', { id: 'intake-place', maxlength: 200 });
  const occurred = h('input', { id: 'intake-date', type: 'date', max: today() });
  const text = h('textarea', { id: 'intake-description', rows: 6, maxlength: 4000 });
  const contact = h('input', { id: 'intake-contact', maxlength: 200, autocomplete: 'tel' });
  // The honeypot: out of sight and out of the tab order; only a robot fills it in.
  const website = h('input', { id: 'intake-website', name: 'website', tabindex: -1, autocomplete: 'off' });
  const error = formError();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'intake-submit' }, t('intake.submit'));
  const form = h('form', { class: 'card form', id: 'intake-form', novalidate: true }, error,
    field('district_code', t('intake.district'), district),
    field('place', t('intake.place'), place),
    field('occurred_on', t('intake.occurred_on'), occurred),
    field('description', t('intake.description'), text),
    field('contact', t('intake.contact'), contact, { hint: t('intake.contact_hint') }),
    h('div', { class: 'hp', 'aria-hidden': 'true' }, h('label', { for: 'intake-website' }, t('intake.website')), website),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!district.value || !place.value.trim() || !occurred.value || !text.value.trim()) {
      error.textContent = t('intake.missing');
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      const res = await api.post('/public/incident-reports', { district_code: district.value, place: place.value, occurred_on: occurred.value,
        description: text.value, contact: contact.value.trim() || undefined, website: website.value || undefined });
      form.replaceWith(h('div', { class: 'card', id: 'intake-result' }, msg(t('intake.done'), 'ok'),
        h('p', { class: 'tracking-code', id: 'intake-code', lang: 'en' }, res.tracking_code),
        h('p', { class: 'hint' }, t('intake.keep_code')),
        h('a', { class: 'btn btn-primary', id: 'intake-track', href: href('track', { code: res.tracking_code }) }, t('intake.track_it'))));
    } catch (err) {
      showErrors(form, err);
      submit.disabled = false;
    }
  });
  root.append(form, toLogin());
}

async function renderTrack(root, ctx) {
  ctx.setTitle(t('track.title'));
  const code = h('input', { id: 'track-code', autocomplete: 'off', autocapitalize: 'characters', maxlength: 20, value: ctx.params.code || '', lang: 'en' });
  const error = formError();
  error.id = 'track-error';
  const form = h('form', { class: 'card form', id: 'track-form', novalidate: true }, error,
    field('tracking_code', t('track.code'), code),
    h('button', { type: 'submit', class: 'btn btn-primary', id: 'track-submit' }, t('track.submit')));
  const result = h('div', { id: 'track-result' });
  root.append(h('h1', null, t('track.title')), form, result,
    h('p', { class: 'public-links' }, h('a', { href: '#/report', id: 'track-report' }, t('intake.title'))), toLogin());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (code.value.trim()) ctx.go(href('track', { code: code.value.trim().toUpperCase() }));
  });
  if (!ctx.params.code) return;
  try {
    const r = await api.get('/public/incident-reports/' + encodeURIComponent(ctx.params.code));
    const word = (s) => t('tracking_status.' + s, null, s);
    result.append(h('div', { class: 'card', id: 'track-card' },
      h('p', { class: 'track-status', id: 'track-status', 'data-status': r.status }, word(r.status)),
      dl([[t('intake.district'), unitName(r.district)], [t('intake.occurred_on'), day(r.occurred_on)]]),
      h('ol', { class: 'item-list', id: 'track-timeline' }, ...r.timeline.map((s) => h('li', { class: 'item track-step', 'data-status': s.status },
        h('span', { class: 'item-title' }, word(s.status)), ' — ', day(s.on))))));
  } catch (err) {
    error.textContent = err.status === 404 ? t('track.not_found') : errorText(err);
    error.hidden = false;
  }
}

// reportView is the public form (#/report); trackView the tracking page (#/track/{code}).
export const reportView = { render: renderReport };
export const trackView = { render: renderTrack };
