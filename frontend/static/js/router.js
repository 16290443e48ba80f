// router.js maps hash routes to views: #/login, #/dashboard, #/dashboard/{id}, #/units, #/units/{id},
// #/people, #/people/{id}, #/account, #/users, #/audit, #/incidents, #/incidents/new,
// #/incidents/summary, #/incidents/{id}, #/programs, #/programs/new[?incident={id}], #/programs/{id},
// #/programs/{id}/edit, #/alliances, #/committees/due, #/prabhari, #/prabhari/new[?unit={id}&purpose=…], and the
// public intake: #/report, #/track, #/track/{code} (no login) and the
// review queue #/incident-reports. A hash may end in a query (#/incidents?status=closed): parse
// gives it as params.query, so that a screen's filters outlive a reload.
// Hash routes keep the server to static files.

const routes = [
  { name: 'login', re: /^#\/login$/ },
  { name: 'dashboard', re: /^#\/dashboard$/ },
  { name: 'dashboard', re: /^#\/dashboard\/([^/?#]+)$/, keys: ['id'] },
  { name: 'units', re: /^#\/units$/ },
  { name: 'units', re: /^#\/units\/([^/?#]+)$/, keys: ['id'] },
  { name: 'people', re: /^#\/people$/ },
  { name: 'person', re: /^#\/people\/([^/?#]+)$/, keys: ['id'] },
  { name: 'account', re: /^#\/account$/ },
  { name: 'users', re: /^#\/users$/ },
  { name: 'audit', re: /^#\/audit$/ },
  { name: 'incidents', re: /^#\/incidents$/ },
  { name: 'incidents', re: /^#\/incidents\/(new|summary)$/, keys: ['page'] },
  { name: 'incidents', re: /^#\/incidents\/([^/?#]+)$/, keys: ['id'] },
  { name: 'report', re: /^#\/report$/ },
  { name: 'track', re: /^#\/track$/ },
  { name: 'track', re: /^#\/track\/([^/?#]+)$/, keys: ['code'] },
  { name: 'incident-reports', re: /^#\/incident-reports$/ },
  { name: 'alliances', re: /^#\/alliances$/ },
  { name: 'terms', re: /^#\/committees\/due$/ },
  { name: 'prabhari', re: /^#\/prabhari$/ },
  { name: 'prabhari', re: /^#\/prabhari\/(new)$/, keys: ['id'] },
  { name: 'programs', re: /^#\/programs$/ },
  { name: 'programs', re: /^#\/programs\/(new)$/, keys: ['id'] },
  { name: 'programs', re: /^#\/programs\/([^/?#]+)\/(edit)$/, keys: ['id', 'edit'] },
  { name: 'programs', re: /^#\/programs\/([^/?#]+)$/, keys: ['id'] },
];

// parse returns {name, params} for a hash; an empty hash is 'home', anything else unknown 'unknown'.
export function parse(hash) {
  const full = hash || '';
  const at = full.indexOf('?');
  const h = at < 0 ? full : full.slice(0, at);
  const query = at < 0 ? {} : Object.fromEntries(new URLSearchParams(full.slice(at + 1)));
  for (const r of routes) {
    const m = h.match(r.re);
    if (m) {
      const params = { query };
      (r.keys || []).forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]);
      });
      return { name: r.name, params, hash: full };
    }
  }
  return { name: h === '' || h === '#' || h === '#/' ? 'home' : 'unknown', params: { query }, hash: full };
}

// href builds the hash of a route.
export function href(name, params = {}) {
  if ((name === 'units' || name === 'dashboard' || name === 'incidents') && params.id !== undefined) return `#/${name}/` + encodeURIComponent(params.id);
  if (name === 'person') return '#/people/' + encodeURIComponent(params.id);
  if (name === 'track' && params.code !== undefined) return '#/track/' + encodeURIComponent(params.code);
  return '#/' + name;
}

// go moves to a hash. replace swaps the history entry (redirects should not make the back
// button bounce).
export function go(hash, { replace = false } = {}) {
  if (window.location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  if (replace) {
    window.location.replace(hash);
  } else {
    window.location.hash = hash;
  }
}

// start calls onRoute now and on every hash change.
export function start(onRoute) {
  window.addEventListener('hashchange', () => onRoute(parse(window.location.hash)));
  onRoute(parse(window.location.hash));
}
