// errors.js words the server's field errors in the reader's language. Every field error of a
// problem+json answer carries a stable code (services.FieldCodes, listed in the OpenAPI
// document) and the values its message names (params); field_error.<code> in the i18n files
// says it in Hindi and English. A code this UI does not know yet falls back to the server's own
// English words, marked as English (local: false).

import { t, has, num, dateTime, date } from './i18n.js';

// A parameter that names a level, role or position is shown by its translated name.
const named = {
  level: 'level.', parent_level: 'level.', role: 'role.', position: 'position.',
};

function param(key, v) {
  if (typeof v === 'number') return num(v);
  if (Array.isArray(v)) return v.filter((x) => x !== '').map((x) => param(key === 'levels' ? 'level' : '', x)).join(', ');
  if (typeof v === 'string' && named[key]) return t(named[key] + v, null, v);
  if (typeof v === 'string' && key === 'level') return t('level.' + v, null, v);
  if (typeof v === 'string' && key === 'type') return t('field_type.' + v, null, v);
  if (typeof v === 'string' && key === 'starts_at') return v.length === 10 ? date(v) : dateTime(v);
  if (typeof v === 'string' && (key === 'starts_on' || key === 'ends_on')) return date(v);
  if (v === null && key === 'ends_on') return t('prabhari.open_ended');
  return v;
}

// fieldMessage words one field error. screenRow turns a row of a batch request into the row
// on the screen (rows are counted from 1 on screen; empty rows are not sent).
export function fieldMessage(f, screenRow = (i) => i) {
  if (f.code && has('field_error.' + f.code)) {
    const p = {};
    for (const [k, v] of Object.entries(f.params || {})) p[k] = param(k, v);
    if (f.params && typeof f.params.row === 'number') p.row = num(screenRow(f.params.row) + 1);
    return { text: t('field_error.' + f.code, p), local: true };
  }
  return { text: f.message || '', local: false };
}
