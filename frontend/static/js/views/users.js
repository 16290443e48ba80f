// views/users.js: user accounts inside the user's scope: list, create, change role or scope,
// reset password, deactivate and re-activate.

import * as api from '../api.js';
import { t, unitName, dateTime } from '../i18n.js';
import { rolesBelow, scopeLevel } from '../roles.js';
import { h, put, msg, field, formError, showErrors, clearErrors, button, moreButton, errorText, unitPicker } from '../ui.js';

const PAGE = 50;
const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

export async function render(root, ctx) {
  ctx.setTitle(t('users.title'));
  const list = h('ul', { class: 'item-list', id: 'users-list' });
  const status = h('div', { class: 'list-status' });
  root.append(h('h1', null, t('users.title')));

  let page;
  try {
    page = await api.get('/users', { limit: PAGE });
  } catch (e) {
    root.append(e.status === 404 ? msg(t('common.unavailable'), 'warn', { id: 'users-unavailable' }) : msg(errorText(e), 'error'));
    return;
  }
  const creatable = rolesBelow(ctx.user.role);
  const add = (u, first) => {
    const item = userItem(u, ctx, creatable);
    if (first) list.prepend(item);
    else list.append(item);
  };
  if (creatable.length) root.append(createSection(ctx, creatable, (u) => {
    list.querySelector('.empty-item')?.remove();
    add(u, true);
  }));
  root.append(h('section', { class: 'card', id: 'users' }, h('h2', null, t('users.list')), list, status));

  const show = (p) => {
    for (const u of p.items) add(u, false);
    if (!list.children.length) list.append(h('li', { class: 'empty-item msg', id: 'users-empty' }, t('users.none')));
    put(status, p.next_cursor ? moreButton(async () => {
      try {
        show(await api.get('/users', { limit: PAGE, cursor: p.next_cursor }));
      } catch (e) {
        put(status, msg(errorText(e), 'error'));
      }
    }, { id: 'users-more' }) : '');
  };
  show(page);
}

function scopeLabel(u) {
  return u.scope ? `${unitName(u.scope)} (${t('level.' + u.scope.level, null, u.scope.level)})` : u.scope_unit_id ? '#' + u.scope_unit_id : t('scope.everywhere');
}

function roleSelect(id, roles, selected) {
  return h('select', { id }, ...roles.map((r) => h('option', { value: r, selected: r === selected }, t('role.' + r))));
}

// scopeField is a unit picker limited to the level the chosen role's scope must have.
function scopeField(id, getRole, onPick) {
  const picker = unitPicker({
    id,
    placeholder: t('users.scope_placeholder'),
    search: async (q) => (await api.get('/units', { q, level: scopeLevel(getRole()), limit: 10 })).items,
    label: (u) => `${unitName(u)} · ${t('level.' + u.level, null, u.level)} · ${u.code}`,
    onPick,
  });
  return { picker, node: field('scope_unit_id', t('users.scope'), picker.input, { control: picker.el, hint: t('users.scope_hint') }) };
}

function createSection(ctx, roles, onCreated) {
  let scope = null;
  const username = h('input', { type: 'text', id: 'user-username', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'user-password', autocomplete: 'new-password' });
  const role = roleSelect('user-role', roles, roles[0]);
  const sc = scopeField('user-scope', () => role.value, (u) => { scope = u; });
  role.addEventListener('change', () => {
    if (scope && scopeLevel(role.value) && scope.level !== scopeLevel(role.value)) sc.picker.pick(null);
  });
  const done = h('p', { class: 'msg msg-ok', id: 'user-created', role: 'status', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'user-create-submit' }, t('users.create'));
  const form = h('form', { class: 'form', id: 'user-create-form', novalidate: true, hidden: true },
    formError(),
    field('username', t('login.username'), username, { hint: t('users.username_hint') }),
    field('password', t('login.password'), password, { hint: t('users.password_hint') }),
    field('role', t('users.role'), role),
    sc.node,
    h('div', { class: 'actions' }, submit,
      button(t('common.cancel'), { class: 'btn btn-quiet', onclick: () => { form.hidden = true; toggle.hidden = false; } })));
  const toggle = button(t('users.new'), { class: 'btn btn-primary', id: 'user-new', onclick: () => {
    form.hidden = false;
    toggle.hidden = true;
    done.hidden = true;
    username.focus();
  } });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const name = username.value.trim().toLowerCase();
    // The server checks all of this too; checking here first lets the messages be in Hindi.
    const local = [];
    if (!USERNAME.test(name)) local.push({ field: 'username', message: t('users.err_username'), local: true });
    if (new TextEncoder().encode(password.value).length < 10) local.push({ field: 'password', message: t('users.err_password'), local: true });
    if (!scope && role.value !== 'admin') local.push({ field: 'scope_unit_id', message: t('users.err_scope'), local: true });
    if (local.length) {
      showErrors(form, { status: 422, fields: local });
      return;
    }
    submit.disabled = true;
    try {
      const body = { username: name, password: password.value, role: role.value, scope_unit_id: scope ? scope.id : null };
      const u = await api.post('/users', body);
      if (!u.scope && scope) u.scope = scope;
      onCreated(u);
      username.value = '';
      password.value = '';
      sc.picker.pick(null);
      form.hidden = true;
      toggle.hidden = false;
      done.textContent = t('users.created', { username: u.username });
      done.hidden = false;
    } catch (err) {
      showErrors(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'card', id: 'user-create' }, h('h2', null, t('users.new_title')), done, toggle, form);
}

function userItem(u, ctx, creatable) {
  const li = h('li', { class: 'user-item', 'data-username': u.username, 'data-user-id': u.id });
  const draw = (user) => {
    u = user;
    li.classList.toggle('inactive', !u.active);
    // Only accounts below one's own role can be changed, and never one's own.
    const mine = String(u.id) === String(ctx.user.id);
    const manageable = !mine && creatable.includes(u.role);
    const actions = h('div', { class: 'actions' });
    if (manageable) {
      actions.append(button(t('common.edit'), { class: 'btn user-edit', onclick: () => edit() }));
      if (u.active) actions.append(button(t('users.deactivate'), { class: 'btn btn-danger user-deactivate', onclick: () => confirmDeactivate() }));
      else actions.append(button(t('users.reactivate'), { class: 'btn user-reactivate', onclick: () => save({ active: true }, actions) }));
    }
    // An administrator resets anyone else's two-step verification (a lost phone); the other
    // managers those they may change.
    if (!mine && (manageable || ctx.user.role === 'admin')) {
      actions.append(button(t('twofa.reset'), { class: 'btn user-twofa-reset', onclick: () => confirmReset() }));
    }
    put(li, 
      h('div', { class: 'item-head' },
        h('span', { class: 'item-title user-name' }, u.username),
        h('span', { class: 'badge ' + (u.active ? 'badge-ok' : 'badge-off') + ' user-status' }, t(u.active ? 'users.active' : 'users.inactive'))),
      h('p', { class: 'item-meta' }, h('span', { class: 'user-role' }, t('role.' + u.role, null, u.role)), ' · ', h('span', { class: 'user-scope' }, scopeLabel(u))),
      u.created_at ? h('p', { class: 'item-meta' }, t('users.since', { date: dateTime(u.created_at) })) : null,
      actions);
  };
  // stale shows the account as it now is, after someone else changed it since this screen
  // loaded it (412), and says so: the user looks again before repeating the change.
  const stale = async () => {
    try {
      draw({ ...u, ...(await api.get('/users/' + encodeURIComponent(u.id))) });
    } catch (e) {
      draw(u);
    }
    li.append(msg(t('error.stale'), 'warn', { class: 'msg msg-warn user-stale' }));
  };
  const save = async (body, where) => {
    try {
      const nu = await api.patch('/users/' + encodeURIComponent(u.id), body, u.version);
      draw({ ...u, ...nu });
      return null;
    } catch (e) {
      if (e.status === 412) await stale();
      else if (where) where.append(msg(errorText(e), 'error'));
      return e;
    }
  };
  const confirmDeactivate = () => {
    const box = h('div', { class: 'confirm user-confirm', role: 'alertdialog', 'aria-label': t('users.deactivate') },
      h('p', null, t('users.confirm_deactivate', { username: u.username })),
      h('div', { class: 'actions' },
        button(t('users.deactivate'), { class: 'btn btn-danger user-confirm-yes', onclick: async () => {
          try {
            await api.del('/users/' + encodeURIComponent(u.id), u.version);
            // The deactivation applied to the version sent, and every write adds one.
            draw({ ...u, active: false, version: u.version + 1 });
          } catch (e) {
            if (e.status === 412) await stale();
            else box.append(msg(errorText(e), 'error'));
          }
        } }),
        button(t('common.cancel'), { class: 'btn btn-quiet user-confirm-no', onclick: () => draw(u) })));
    li.querySelector('.actions').replaceWith(box);
    box.querySelector('.user-confirm-no').focus();
  };
  const confirmReset = () => {
    const box = h('div', { class: 'confirm user-confirm', role: 'alertdialog', 'aria-label': t('twofa.reset') },
      h('p', null, t('twofa.confirm_reset', { username: u.username })),
      h('div', { class: 'actions' },
        button(t('twofa.reset'), { class: 'btn btn-danger user-twofa-reset-yes', onclick: async () => {
          try {
            await api.del('/users/' + encodeURIComponent(u.id) + '/second-factor');
            draw(u);
            li.append(msg(t('twofa.reset_done', { username: u.username }), 'ok', { class: 'msg msg-ok user-twofa-reset-done' }));
          } catch (e) {
            box.append(msg(errorText(e), 'error'));
          }
        } }),
        button(t('common.cancel'), { class: 'btn btn-quiet user-confirm-no', onclick: () => draw(u) })));
    li.querySelector('.actions').replaceWith(box);
    box.querySelector('.user-confirm-no').focus();
  };
  const edit = () => {
    let scope = null;
    const role = roleSelect('user-edit-role-' + u.id, creatable, u.role);
    const sc = scopeField('user-edit-scope-' + u.id, () => role.value, (x) => { scope = x; });
    const password = h('input', { type: 'password', id: 'user-edit-password-' + u.id, autocomplete: 'new-password' });
    const form = h('form', { class: 'form user-edit-form', novalidate: true },
      formError(),
      field('role', t('users.role'), role),
      sc.node,
      field('password', t('users.new_password'), password, { hint: t('users.new_password_hint') }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary user-save' }, t('common.save')),
        button(t('common.cancel'), { class: 'btn btn-quiet', onclick: () => draw(u) })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = {};
      if (role.value !== u.role) body.role = role.value;
      if (scope) body.scope_unit_id = scope.id;
      if (password.value) body.password = password.value;
      if (!Object.keys(body).length) {
        draw(u);
        return;
      }
      try {
        const nu = await api.patch('/users/' + encodeURIComponent(u.id), body, u.version);
        if (!nu.scope && scope) nu.scope = scope;
        draw({ ...u, ...nu });
      } catch (err) {
        if (err.status === 412) await stale();
        else showErrors(form, err);
      }
    });
    li.querySelector('.actions').replaceWith(form);
    role.focus();
  };
  draw(u);
  return li;
}
