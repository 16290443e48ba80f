// wrongscript.js notices a name typed in the wrong script before it is saved: Devanagari in the
// Latin-letter name, or Latin letters in the Hindi (Devanagari) one. Both names are searched and
// shown by script, so a swapped pair reads wrongly everywhere. It only warns: the user may still
// save (a name may mix scripts on purpose), or swap the two fields with one tap.

import { t } from './i18n.js';
import { h, button } from './ui.js';

const DEVANAGARI = /[\u0900-\u097F]/;
const LATIN = /[A-Za-z]/;

// wrongScript reports whether text holds letters of the other script than the field's: for the
// 'latin' name any Devanagari, for the 'hi' name any Latin letter.
export const wrongScript = (text, script) => (script === 'latin' ? DEVANAGARI : LATIN).test(text || '');

// watchScripts puts a warning under each of the two name inputs (both already inside their
// field) while it holds the other script, with a button that swaps the two names. It returns
// check(), to call after filling the inputs from code.
export function watchScripts(latin, hindi) {
  const warning = (input, key) => {
    const swap = button(t('person.script_swap'), { class: 'btn btn-link', id: input.id + '-swap', onclick: () => {
      [latin.value, hindi.value] = [hindi.value, latin.value];
      check();
      latin.focus();
    } });
    const el = h('p', { class: 'msg msg-warn field-warn', id: input.id + '-script', role: 'status', hidden: true },
      h('span', null, t(key)), ' ', swap);
    input.after(el);
    return el;
  };
  const onLatin = warning(latin, 'person.script_latin');
  const onHindi = warning(hindi, 'person.script_hi');
  function check() {
    onLatin.hidden = !wrongScript(latin.value, 'latin');
    onHindi.hidden = !wrongScript(hindi.value, 'hi');
  }
  latin.addEventListener('input', check);
  hindi.addEventListener('input', check);
  return check;
}
