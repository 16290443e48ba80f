// views/account.js: the user's own account (#/account), for every role: who they are, and a form
// to change their own password — the current one, the new one twice. Mistakes are shown beside
// their field in the reader's language, from the error's code (errors.js). A changed password
// ends every login of the account, this one included, so the screen then offers to log in again.

import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, put, msg, dl, field, button, formError, showErrors, clearErrors } from '../ui.js';
import { accountSection as twoFactorSection } from './twofactor.js';

const MIN = 10; // the server's shortest password (services.ValidatePassword)

export async function render(root, ctx) {
  ctx.setTitle(t('account.title'));
  const me = ctx.user;
  const pw = (id, autocomplete) => h('input', { type: 'password', id, autocomplete, maxlength: 72, spellcheck: 'false', autocapitalize: 'off' });
  const current = pw('account-current', 'current-password');
  const next = pw('account-new', 'new-password');
  const repeat = pw('account-repeat', 'new-password');
  const top = formError();
  top.id = 'account-error';
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'account-save' }, t('account.save'));
  const form = h('form', { class: 'form', id: 'account-form', novalidate: true },
    top,
    field('current_password', t('account.current'), current),
    field('password', t('account.new'), next, { hint: t('account.new_hint', { min: MIN }) }),
    field('password_repeat', t('account.repeat'), repeat),
    h('div', { class: 'actions' }, save));
  const done = h('div', { id: 'account-done-wrap', 'aria-live': 'polite' });

  root.append(h('h1', null, t('account.title')),
    h('section', { class: 'card', id: 'account-who' },
      dl([
        [t('login.username'), h('span', { lang: 'en' }, me.username), 'username'],
        [t('account.role'), t('role.' + me.role, null, me.role), 'role'],
      ])),
    h('section', { class: 'card', id: 'account-password' }, h('h2', null, t('account.password_title')), form, done));
  // Two-step verification: its own card (twofactor.js).
  root.append(twoFactorSection(ctx));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    put(done);
    // The form's own checks come first, worded by the same codes as the server's answers.
    const errors = [];
    if (!current.value) errors.push({ field: 'current_password', code: 'required' });
    if (next.value.length < MIN) errors.push({ field: 'password', code: 'too_short', params: { min: MIN } });
    else if (repeat.value !== next.value) errors.push({ field: 'password_repeat', message: t('account.err_repeat'), local: true });
    if (errors.length) {
      showErrors(form, { status: 422, fields: errors });
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    save.disabled = true;
    try {
      await api.patch('/users/' + encodeURIComponent(me.id), { password: next.value, current_password: current.value });
    } catch (err) {
      showErrors(form, err);
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    } finally {
      save.disabled = false;
    }
    form.reset();
    form.hidden = true;
    put(done,
      msg(t('account.changed'), 'ok', { id: 'account-done' }),
      h('p', null, button(t('account.relogin'), { class: 'btn btn-primary', id: 'account-relogin', onclick: () => ctx.logout() })));
  });
}
