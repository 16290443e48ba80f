// draft.js keeps unsaved form drafts (the committee builder's rows) in localStorage, one entry
// per form and unit, so that a reload or a dropped connection on a phone loses no typing. Only
// what the user typed is kept here — never a token — and a draft is removed once it is saved.

const PREFIX = 'sangathan.draft.';

// load returns the draft stored under key, or null.
export function load(key) {
  try {
    return JSON.parse(window.localStorage.getItem(PREFIX + key) || 'null');
  } catch (e) {
    return null; // storage off (private mode) or a damaged entry: no draft
  }
}

// store keeps value under key; null removes it.
export function store(key, value) {
  try {
    if (value === null || value === undefined) window.localStorage.removeItem(PREFIX + key);
    else window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch (e) {
    // storage off or full: the form still works, the draft just does not outlive the page
  }
}

// clearAll removes every draft: at logout, since a draft holds names and phone numbers of people
// not yet saved, and the next user of the phone is someone else.
export function clearAll() {
  try {
    for (let i = window.localStorage.length - 1; i >= 0; i--) {
      const k = window.localStorage.key(i);
      if (k && k.startsWith(PREFIX)) window.localStorage.removeItem(k);
    }
  } catch (e) {
    // storage off: there is nothing to clear
  }
}
