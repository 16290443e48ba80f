// app.js starts the UI: it loads the language, resumes the session from the refresh cookie,
// draws the header and hands each route to its view.

import * as api from './api.js';
import * as draft from './draft.js';
import * as i18n from './i18n.js';
import { t, unitName } from './i18n.js';
import * as router from './router.js';
import { canManageUsers, canManagePeople, canReadIncidents, canReviewReports } from './roles.js';
import { h, put, button, msg, errorText } from './ui.js';
import * as loginView from './views/login.js';
import * as dashboardView from './views/dashboard.js';
import * as unitsView from './views/units.js';
import * as usersView from './views/users.js';
import * as auditView from './views/audit.js';
import * as peopleView from './views/people.js';
import * as personView from './views/person_page.js';
import * as accountView from './views/account.js';
import * as incidentsView from './views/incidents.js';
import { reportView, trackView } from './views/intake.js';
import * as reviewView from './views/review.js';
import * as programsView from './views/programs.js';
import * as alliancesView from './views/alliances.js';
import * as termsView from './views/terms.js';
import * as prabhariView from './views/prabhari.js';

// HOME is the first screen after login, for every role: the representation dashboard of the
// user's area.
const HOME = '#/dashboard';

const views = { login: loginView, dashboard: dashboardView, units: unitsView, people: peopleView, users: usersView, audit: auditView, person: personView, account: accountView, incidents: incidentsView,
  report: reportView, track: trackView, 'incident-reports': reviewView,
  programs: programsView, alliances: alliancesView, terms: termsView, prabhari: prabhariView };

// PUBLIC are the routes that need no login: the public intake of incidents.
const PUBLIC = new Set(['report', 'track']);

// session is {user, scope}: user from /me, scope the scope unit (null for an unscoped admin).
let session = null;
let nextHash = ''; // where to go after logging in
let renderSeq = 0;
let currentRoute = null;

const header = document.getElementById('app-header');
const main = document.getElementById('app-main');

async function loadSession() {
  const user = await api.get('/me');
  let scope = user.scope !== undefined ? user.scope : null;
  if (user.scope === undefined && user.scope_unit_id) {
    try {
      scope = await api.get('/units/' + encodeURIComponent(user.scope_unit_id));
    } catch (e) {
      scope = null;
    }
  }
  return { user, scope };
}

function renderHeader(route) {
  const lang = i18n.current();
  const langs = h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('lang.label') },
    ...i18n.LANGS.map((l) => button(t('lang.' + l), {
      id: 'lang-' + l,
      class: 'btn btn-lang',
      lang: l,
      'aria-pressed': String(l === lang),
      onclick: () => {
        if (l !== i18n.current()) i18n.setLang(l);
      },
    })));
  const top = h('div', { class: 'hdr-row' },
    h('a', { class: 'brand', id: 'brand', href: HOME }, t('app.name')),
    langs);
  if (!session) {
    put(header, top);
    return;
  }
  const u = session.user;
  const who = h('div', { class: 'who', id: 'header-user' },
    h('span', { class: 'who-name', id: 'header-username' }, u.username),
    h('span', { class: 'who-role', id: 'header-role' }, t('role.' + u.role)),
    h('span', { class: 'who-scope', id: 'header-scope' }, session.scope ? unitName(session.scope) : t('scope.everywhere')));
  const userBar = h('div', { class: 'hdr-row user-bar' }, who,
    h('a', { href: '#/account', id: 'header-account', class: 'btn btn-quiet' }, t('header.account')),
    button(t('header.logout'), { id: 'logout', class: 'btn btn-quiet', onclick: logout }));
  // The daily work first, the office's own screens last. On a phone the bar scrolls sideways, and
  // the current screen's tab is scrolled into view.
  const items = [['dashboard', 'nav.dashboard'], ['units', 'nav.units']];
  if (canManagePeople(u.role)) items.push(['people', 'nav.people']);
  if (canReadIncidents(u.role)) items.push(['incidents', 'nav.incidents']);
  items.push(['programs', 'nav.programs']); // every role reads the programs of its area
  if (u.role !== 'booth_worker') items.push(['prabhari', 'nav.prabhari']); // in-charges: every role but the booth worker reads
  if (canManagePeople(u.role)) items.push(['committees/due', 'nav.terms', 'terms']);
  items.push(['alliances', 'nav.alliances']); // every role reads the seat sharing
  if (canReviewReports(u.role)) items.push(['incident-reports', 'nav.incident_reports']);
  if (canManageUsers(u.role)) items.push(['users', 'nav.users'], ['audit', 'nav.audit']);
  const nav = h('nav', { class: 'nav', id: 'app-nav', 'aria-label': t('nav.label') },
    ...items.map(([name, key, routeName = name]) => h('a', {
      href: '#/' + name,
      id: 'nav-' + routeName,
      'aria-current': route && route.name === routeName ? 'page' : null,
    }, t(key))));
  requestAnimationFrame(() => {
    const here = nav.querySelector('[aria-current="page"]');
    if (!here) return;
    const left = here.getBoundingClientRect().left - nav.getBoundingClientRect().left + nav.scrollLeft;
    nav.scrollLeft = Math.max(0, left - (nav.clientWidth - here.offsetWidth) / 2);
  });
  put(header, top, userBar, nav);
}

async function logout() {
  try {
    await api.logout();
  } catch (e) {
    // the server may already have ended it; the browser forgets it all the same
  }
  session = null;
  nextHash = '';
  draft.clearAll(); // unsaved names and phones stay with the user who typed them
  for (const v of Object.values(views)) if (v.reset) v.reset();
  router.go('#/login', { replace: true });
}

function ctxFor(route, seq) {
  return {
    params: route.params,
    user: session && session.user,
    // go navigates only while this drawing is current, so a late answer cannot move a user
    // who has gone elsewhere.
    go: (hash, opts) => {
      if (seq === renderSeq) router.go(hash, opts);
    },
    setTitle: (title) => {
      document.title = title ? `${title} · ${t('app.name')}` : t('app.name');
    },
    loggedIn,
    logout,
  };
}

async function loggedIn() {
  session = await loadSession();
  const to = nextHash && nextHash !== '#/login' ? nextHash : HOME;
  nextHash = '';
  router.go(to, { replace: true });
}

function onRoute(route) {
  currentRoute = route;
  const seq = ++renderSeq;
  if (!session && route.name !== 'login' && !PUBLIC.has(route.name)) {
    nextHash = route.name === 'home' || route.name === 'unknown' ? '' : route.hash;
    router.go('#/login', { replace: true });
    return;
  }
  if (session && (route.name === 'login' || route.name === 'home' || route.name === 'unknown')) {
    router.go(HOME, { replace: true });
    return;
  }
  renderHeader(route);
  const root = h('section', { class: 'view view-' + route.name, id: 'view-' + route.name });
  put(main, root);
  const allowed = { users: canManageUsers, audit: canManageUsers, people: canManagePeople, incidents: canReadIncidents,
    'incident-reports': canReviewReports, terms: canManagePeople, prabhari: (r) => r !== 'booth_worker' }[route.name];
  if (allowed && !allowed(session.user.role)) {
    root.append(msg(t('error.forbidden'), 'error', { id: 'forbidden' }), backHome());
    return;
  }
  const view = views[route.name];
  Promise.resolve(view.render(root, ctxFor(route, seq))).catch((e) => {
    if (seq !== renderSeq) return;
    root.append(msg(errorText(e), 'error', { id: 'view-error' }), backHome());
  });
}

// backHome is the way back from a page that shows only an error: to the user's first screen.
function backHome() {
  return h('p', null, h('a', { class: 'btn', href: HOME, id: 'back-home' }, t('units.back_home')));
}

async function boot() {
  try {
    await i18n.init();
  } catch (e) {
    put(main, msg('Sangathan could not load its language files. · भाषा फ़ाइलें लोड नहीं हो सकीं।', 'error'));
    return;
  }
  api.onSessionLost(() => {
    if (!session) return;
    session = null;
    nextHash = window.location.hash;
    router.go('#/login', { replace: true });
  });
  i18n.onChange(() => {
    if (currentRoute) onRoute(currentRoute);
  });
  if (await api.restore()) {
    try {
      session = await loadSession();
    } catch (e) {
      session = null;
    }
  }
  router.start(onRoute);
}

boot();

// The service worker (sw.js) keeps the UI on the phone for the next visit and makes the app
// installable; it is registered once the page has loaded, so that it does not compete with the
// first screen for a slow network.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // no offline start then; the app works the same
    });
  });
}
