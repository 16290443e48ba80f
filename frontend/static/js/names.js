// names.js: a unit's name as shown. In Hindi a unit without a Hindi name shows the server's
// Devanagari transliteration of its Latin name (name_hi_transliterated), marked with a dotted
// underline and a title, since it is approximate and was not entered by anyone.

import { t, current, unitName as plainName } from './i18n.js';
import { h } from './ui.js';

// unitName is the unit's name in the reader's script: a string, or a marked element when the
// name is a transliteration.
export function unitName(u) {
  if (u && current() === 'hi' && !u.name_hi && u.name_hi_transliterated) {
    return h('span', { class: 'translit', title: t('names.transliterated'), lang: 'hi' }, u.name_hi_transliterated);
  }
  return plainName(u);
}
