// errors.js words the server's field errors in the reader's language — by their stable code and
// parameters (field_error.<code> in the translation tables) — and puts them beside their inputs.
// The builder, the person page and the account screen share it, so a code is worded in one place.

import { t, has, num } from './i18n.js';
import { showErrors } from './ui.js';

const positionName = (p) => t('position.' + p, null, p);

// KNOWN maps the server's English field messages to translation keys, for answers that carry
// no code yet; fieldMessage is the one place that words the server's field errors.
const KNOWN = [
  [/^is required/, 'builder.err_required'],
  [/Indian mobile number/, 'person.err_phone'],
  [/three letters and seven digits/, 'person.err_voter_id'],
  [/age between 18 and 120/, 'builder.err_age'],
  [/already has this voter ID/, 'builder.err_voter_taken'],
  [/already held/, 'builder.err_position_taken'],
  [/(is also given in seats|twice|more than one row)/, 'builder.err_twice'],
  [/already sits on this committee/, 'committee.err_seated'],
  [/maximum/, 'committee.full'],
  [/only on (a )?booth/, 'builder.err_booth_only'],
  [/^must be one of/, 'person.err_choose'],
  [/(no such person|not found)/, 'builder.err_person_not_found'],
];

// fieldMessage words one field error of a problem+json answer in the UI's language: by its
// stable code and parameters (field_error.<code>), else by the known English message, else the
// server's own words (local: false, so they are marked as English). screenRow turns a row of
// the request into the row on the screen (empty rows are not sent).
export function fieldMessage(f, screenRow = (i) => i) {
  if (f.code && has('field_error.' + f.code)) {
    const p = { ...(f.params || {}) };
    if (typeof p.row === 'number') p.row = num(screenRow(p.row) + 1); // rows are counted from 1 on screen
    if (p.position) p.position = positionName(p.position);
    for (const k of ['min', 'max']) if (typeof p[k] === 'number') p[k] = num(p[k]);
    return { text: t('field_error.' + f.code, p), local: true };
  }
  for (const [re, key] of KNOWN) {
    if (re.test(f.message || '')) return { text: t(key), local: true };
  }
  return { text: f.message || '', local: false };
}

// showFieldErrors is ui.showErrors with every field error worded by fieldMessage: each next to
// its input in the reader's language, the form's own (already translated) checks as they are.
export function showFieldErrors(form, err, fallback) {
  const fields = ((err && err.fields) || []).map((f) => {
    if (f.local) return f;
    const { text, local } = fieldMessage(f);
    return { ...f, message: text, local };
  });
  showErrors(form, err ? { status: err.status, detail: err.detail, retryAfter: err.retryAfter, fields } : err, fallback);
}
