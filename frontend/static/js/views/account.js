// views/account.js: the user's own account (#/account), for every role: who they are, and a form
// to change their own password — the current one, the new one twice. Mistakes are shown beside
// their field in the reader's language, from the error's code (errors.js). A changed password
// ends every login of the account, this one included, so the screen then offers to log in again.
// Below, the account's active sessions (renderSessions): each login's device and times, a button
// to end any other one, and "log out everywhere".

import * as api from '../api.js';
import { t, dateTime } from '../i18n.js';
import { h, put, msg, dl, field, button, formError, showErrors, clearErrors, errorText } from '../ui.js';
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
  renderSessions(root, ctx);

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

// --- Sessions (issue 13) -------------------------------------------------------------------------

// renderSessions appends the list of the account's open sessions: device, when it started and
// was last used, "this device" for the current one, a button to end each other one, and a
// button that ends them all (this one too, so it then shows the login screen).
function renderSessions(root, ctx) {
  const list = h('ul', { class: 'item-list', id: 'sessions-list' });
  const status = h('div', { class: 'list-status', id: 'sessions-status', 'aria-live': 'polite' });
  const everywhere = button(t('sessions.everywhere'), { class: 'btn btn-danger', id: 'sessions-everywhere' });
  const section = h('section', { class: 'card', id: 'account-sessions' },
    h('h2', null, t('sessions.title')), h('p', { class: 'hint' }, t('sessions.hint')), list, status,
    h('div', { class: 'actions' }, everywhere));
  root.append(section);

  const load = async () => {
    let page;
    try {
      page = await api.get('/me/sessions', { limit: 100 });
    } catch (err) {
      put(status, msg(errorText(err), 'error', { id: 'sessions-error' }));
      return;
    }
    put(list, ...page.items.map(item));
    if (!page.items.length) list.append(h('li', { class: 'empty-item msg', id: 'sessions-empty' }, t('sessions.none')));
  };

  const item = (s) => {
    const end = s.current ? null : button(t('sessions.revoke'), { class: 'btn', 'data-session-id': s.id, onclick: async () => {
      end.disabled = true;
      try {
        await api.del('/me/sessions/' + encodeURIComponent(s.id));
        await load();
        put(status, msg(t('sessions.revoked'), 'ok', { id: 'sessions-revoked' }));
      } catch (err) {
        end.disabled = false;
        put(status, msg(errorText(err), 'error', { id: 'sessions-error' }));
      }
    } });
    return h('li', { class: 'user-item session-item', 'data-session-id': s.id, 'data-current': s.current ? 'true' : 'false' },
      h('div', { class: 'item-head' },
        h('span', { class: 'item-title', lang: s.device ? 'en' : null }, s.device || t('sessions.unknown_device')),
        s.current ? h('span', { class: 'badge badge-ok' }, t('sessions.current')) : null),
      h('div', { class: 'item-meta' }, t('sessions.started', { when: dateTime(s.created_at) })),
      h('div', { class: 'item-meta' }, t('sessions.last_used', { when: dateTime(s.last_used_at) })),
      end ? h('div', { class: 'actions' }, end) : null);
  };

  everywhere.addEventListener('click', async () => {
    everywhere.disabled = true;
    try {
      await api.del('/me/sessions');
    } catch (err) {
      everywhere.disabled = false;
      put(status, msg(errorText(err), 'error', { id: 'sessions-error' }));
      return;
    }
    ctx.logout(); // this session has ended too: the login screen
  });
  load();
}

