// views/twofactor.js: two-step verification (दो-चरणीय सत्यापन). The second step of the login
// (a six-digit code, or a recovery code), enrolment during login for a role that needs it (QR
// code, the secret in groups for typing in, a first code, then the ten recovery codes shown
// once), and the section of the account screen that switches it on and off.

import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, put, msg, field, button, formError, showErrors, clearErrors, errorText } from '../ui.js';

// codeInput is the six-digit code box: digits on a phone's keypad, filled from an SMS-style
// one-time-code suggestion where the phone offers one.
function codeInput(id) {
  return h('input', { id, type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: 6, spellcheck: 'false', class: 'otp-input' });
}

// groups splits a base32 secret into groups of four for typing in.
const groups = (secret) => secret.replace(/(.{4})/g, '$1 ').trim();

// enrolment shows the QR code and the secret of a new enrolment.
function enrolment(e, prefix) {
  return h('div', { class: 'twofa-enrol', id: prefix + '-enrol' },
    h('p', null, t('twofa.scan')),
    h('img', { src: e.qr, alt: t('twofa.qr_alt'), id: prefix + '-qr', class: 'twofa-qr', width: 200, height: 200 }),
    h('p', null, t('twofa.manual')),
    h('p', { class: 'twofa-secret', id: prefix + '-secret', lang: 'en', translate: 'no' }, groups(e.secret)));
}

// recoveryCodes shows the ten codes once, with a button that says they are saved.
export function recoveryCodes(codes, prefix, onSaved) {
  const saved = button(t('twofa.saved'), { class: 'btn btn-primary', id: prefix + '-codes-saved', onclick: onSaved });
  return h('div', { class: 'twofa-codes-wrap', id: prefix + '-codes-wrap' },
    msg(t('twofa.codes_once'), 'warn'),
    h('ol', { class: 'twofa-codes', id: prefix + '-codes', lang: 'en', translate: 'no' }, ...codes.map((c) => h('li', null, c))),
    h('div', { class: 'actions' }, saved));
}

// loginStep puts the second step in place of the login form. ch is api.login's answer
// ({secondFactor, challenge}); done is called once the session is held.
export function loginStep(form, ch, done) {
  const card = h('div', { class: 'card form', id: 'twofa-login' });
  form.replaceWith(card);
  if (ch.secondFactor === 'enrol') enrolStep(card, ch, done);
  else codeStep(card, ch, done, false);
}

// codeStep asks for a code (or, after the link, a recovery code) and finishes the login.
function codeStep(card, ch, done, enrolling, extra) {
  let recovery = false;
  const code = codeInput('login-code');
  const rc = h('input', { id: 'login-recovery', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: 20 });
  const codeField = field('code', t('twofa.code'), code, { hint: t('twofa.code_hint') });
  const rcField = field('recovery_code', t('twofa.recovery_code'), rc);
  rcField.hidden = true;
  const top = formError();
  top.id = 'login-step-error';
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-code-submit' }, enrolling ? t('twofa.confirm') : t('login.submit'));
  const toggle = h('a', { href: '#', id: 'login-use-recovery', class: 'twofa-toggle' }, t('twofa.use_recovery'));
  toggle.addEventListener('click', (e) => {
    e.preventDefault();
    recovery = !recovery;
    codeField.hidden = recovery;
    rcField.hidden = !recovery;
    toggle.textContent = t(recovery ? 'twofa.use_code' : 'twofa.use_recovery');
    (recovery ? rc : code).focus();
  });
  // Back to the password: the login screen afresh (a new challenge comes with the password).
  const back = button(t('common.cancel'), { class: 'btn btn-quiet', id: 'login-code-cancel', onclick: () => window.location.reload() });
  const form = h('form', { novalidate: true, id: 'login-code-form' }, top, codeField, rcField,
    h('div', { class: 'actions' }, submit, back), enrolling ? null : h('p', null, toggle));
  put(card, h('h1', null, t('twofa.title')), extra || null, enrolling ? null : h('p', null, t('twofa.enter_code')), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const answer = recovery ? { recovery_code: rc.value.trim() } : { code: code.value.replace(/\s/g, '') };
    if (!answer.code && !answer.recovery_code) {
      showErrors(form, { status: 422, fields: [{ field: recovery ? 'recovery_code' : 'code', code: 'required' }] });
      return;
    }
    submit.disabled = true;
    try {
      const ses = await api.loginSecondFactor(ch.challenge, answer);
      if (ses.recovery_codes && ses.recovery_codes.length) {
        put(card, h('h1', null, t('twofa.codes_title')), recoveryCodes(ses.recovery_codes, 'login', () => done()));
        card.querySelector('#login-codes-saved').focus();
        return;
      }
      await done();
    } catch (err) {
      submit.disabled = false;
      if (err.status === 401 && err.fields.some((f) => f.code === 'challenge_expired')) {
        showErrors(form, err, t('twofa.expired'));
      } else if (err.status === 429) {
        showErrors(form, err, t('login.rate_limited', { seconds: err.retryAfter || '?' }));
      } else {
        showErrors(form, err, err.status === 401 ? t('twofa.wrong') : undefined);
      }
      code.value = '';
      (recovery ? rc : code).focus();
    }
  });
  code.focus();
}

// enrolStep fetches a new secret, shows it, and asks for the first code.
async function enrolStep(card, ch, done) {
  put(card, h('h1', null, t('twofa.title')), msg(t('common.loading')));
  let e;
  try {
    e = await api.loginEnrol(ch.challenge);
  } catch (err) {
    put(card, h('h1', null, t('twofa.title')), msg(errorText(err), 'error', { id: 'twofa-enrol-error' }));
    return;
  }
  codeStep(card, ch, done, true, h('div', null, msg(t('twofa.enrol_required'), 'warn', { id: 'twofa-enrol-required' }), enrolment(e, 'login')));
}

// accountSection is the account screen's card: the status and what can be done with it.
export function accountSection(ctx) {
  const card = h('section', { class: 'card', id: 'account-twofa' }, h('h2', null, t('twofa.title')));
  const body = h('div', { id: 'account-twofa-body', 'aria-live': 'polite' });
  card.append(body);
  const load = async () => {
    let st;
    try {
      st = await api.get('/me/second-factor');
    } catch (err) {
      put(body, msg(errorText(err), 'error'));
      return;
    }
    show(st);
  };
  const show = (st) => {
    const status = h('p', null, h('span', { id: 'account-twofa-status', class: 'badge ' + (st.enabled ? 'badge-ok' : 'badge-off') }, t(st.enabled ? 'twofa.on' : 'twofa.off')));
    const actions = h('div', { class: 'actions' });
    const lines = [status];
    if (st.required) lines.push(h('p', { class: 'hint', id: 'account-twofa-required' }, t('twofa.required_role')));
    if (st.enabled) {
      lines.push(h('p', { id: 'account-twofa-left' }, t('twofa.codes_left', { count: st.recovery_codes_left })));
      actions.append(button(t('twofa.regenerate'), { class: 'btn', id: 'account-twofa-regenerate', onclick: () => withCode('regenerate') }));
      if (!st.required) actions.append(button(t('twofa.disable'), { class: 'btn btn-danger', id: 'account-twofa-disable', onclick: () => withCode('disable') }));
    } else {
      actions.append(button(t('twofa.enable'), { class: 'btn btn-primary', id: 'account-twofa-enable', onclick: () => start() }));
    }
    put(body, ...lines, actions);
  };
  // start begins an enrolment and asks for its first code.
  const start = async () => {
    let e;
    try {
      e = await api.post('/me/second-factor');
    } catch (err) {
      body.append(msg(errorText(err), 'error'));
      return;
    }
    const code = codeInput('account-twofa-code');
    const form = h('form', { class: 'form', novalidate: true, id: 'account-twofa-confirm-form' }, formError(),
      field('code', t('twofa.code'), code, { hint: t('twofa.code_hint') }),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary', id: 'account-twofa-confirm' }, t('twofa.confirm')),
        button(t('common.cancel'), { class: 'btn btn-quiet', onclick: () => load() })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const r = await api.post('/me/second-factor/confirm', { code: code.value.replace(/\s/g, '') });
        put(body, recoveryCodes(r.recovery_codes, 'account', () => load()));
      } catch (err) {
        showErrors(form, err);
      }
    });
    put(body, enrolment(e, 'account'), form);
    code.focus();
  };
  // withCode asks for a current code (or, to switch off, the password) before acting.
  const withCode = (what) => {
    const code = codeInput('account-twofa-code');
    const pw = h('input', { type: 'password', id: 'account-twofa-password', autocomplete: 'current-password' });
    const form = h('form', { class: 'form', novalidate: true, id: 'account-twofa-' + what + '-form' }, formError(),
      field('code', t('twofa.code'), code, { hint: what === 'disable' ? t('twofa.code_or_password') : t('twofa.code_hint') }),
      what === 'disable' ? field('current_password', t('account.current'), pw) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn ' + (what === 'disable' ? 'btn-danger' : 'btn-primary'), id: 'account-twofa-' + what + '-submit' }, t(what === 'disable' ? 'twofa.disable' : 'twofa.regenerate')),
        button(t('common.cancel'), { class: 'btn btn-quiet', onclick: () => load() })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        if (what === 'disable') {
          const b = code.value.trim() ? { code: code.value.replace(/\s/g, '') } : { current_password: pw.value };
          await api.delWith('/me/second-factor', b);
          await load();
        } else {
          const r = await api.post('/me/second-factor/recovery-codes', { code: code.value.replace(/\s/g, '') });
          put(body, recoveryCodes(r.recovery_codes, 'account', () => load()));
        }
      } catch (err) {
        showErrors(form, err);
      }
    });
    put(body, form);
    code.focus();
  };
  load();
  return card;
}
