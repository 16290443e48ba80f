// views/login.js: the login screen.

import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, formError, clearErrors } from '../ui.js';
import { loginStep } from './twofactor.js';

export function render(root, ctx) {
  ctx.setTitle(t('login.title'));
  const username = h('input', { id: 'login-username', type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const password = h('input', { id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const error = formError();
  error.id = 'login-error';
  const detail = h('p', { class: 'hint', id: 'login-error-detail', lang: 'en', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, t('login.submit'));
  const form = h('form', { class: 'card form', id: 'login-form', novalidate: true },
    h('h1', null, t('login.title')),
    error, detail,
    field('username', t('login.username'), username),
    field('password', t('login.password'), password),
    submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    detail.hidden = true;
    if (!username.value.trim() || !password.value) {
      error.textContent = t('login.missing');
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      const res = await api.login(username.value.trim(), password.value);
      if (res && res.challenge) {
        // Two-step verification: the form gives way to the second step.
        loginStep(form, res, () => ctx.loggedIn());
        return;
      }
      await ctx.loggedIn();
    } catch (err) {
      password.value = '';
      error.textContent = loginError(err);
      error.hidden = false;
      if (err.detail && err.status !== 0) {
        // The server's own words, which name the cause exactly (in English).
        detail.textContent = err.detail;
        detail.hidden = false;
      }
      submit.disabled = false;
      password.focus();
    }
  });
  // The public intake needs no login: a member of the public starts here as often as anywhere.
  const publicLinks = h('div', { class: 'card login-public', id: 'login-public' },
    h('div', { class: 'actions' },
      h('a', { class: 'btn', href: '#/report', id: 'login-report' }, t('login.report_incident')),
      h('a', { class: 'btn', href: '#/track', id: 'login-track' }, t('login.track_report'))));
  root.append(h('div', { class: 'login-wrap' }, form, publicLinks));
  username.focus();
}

function loginError(err) {
  switch (err.status) {
    case 401: return t('login.failed');
    case 429: return t('login.rate_limited', { seconds: err.retryAfter || '?' });
    case 422: return t('login.missing');
    case 0: return t('error.network');
    default: return t('error.generic_detail', { detail: err.detail || err.status });
  }
}
