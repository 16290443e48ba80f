// api.js is the only module that calls fetch. It keeps the access token in memory only: the
// refresh token lives in the HttpOnly cookie the server sets, so no script can read it, and
// the refresh_token in JSON answers is deliberately dropped.

const BASE = '/api/v1';

let accessToken = null;
let refreshing = null; // the one refresh in flight, shared by every caller that got a 401
const lostListeners = new Set();

// ApiError is a failed call: status (0 when the server was not reached), detail from the
// problem+json answer, fields [{field, message}] for validation errors, and retryAfter in
// seconds for 429.
export class ApiError extends Error {
  constructor(status, detail, fields = [], retryAfter = 0, type = '') {
    super(detail || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail || '';
    this.fields = fields;
    this.retryAfter = retryAfter;
    this.type = type;
  }
}

// onSessionLost registers fn, called when a call fails with 401 and refreshing cannot help.
export function onSessionLost(fn) {
  lostListeners.add(fn);
}

function sessionLost() {
  accessToken = null;
  for (const fn of lostListeners) fn();
}

function url(path, query) {
  const u = new URL(BASE + path, window.location.origin);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    }
  }
  return u.pathname + u.search;
}

async function send(method, path, { query, body, text, type, accept = 'application/json', auth = true, version } = {}) {
  const headers = { Accept: accept };
  // The version the caller read: the server refuses the change (412) when someone else's came first.
  if (version !== undefined && version !== null) headers['If-Match'] = `"v${version}"`;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (text !== undefined) {
    headers['Content-Type'] = type;
    init.body = text;
  }
  if (auth && accessToken) headers.Authorization = 'Bearer ' + accessToken;
  let res;
  try {
    res = await fetch(url(path, query), init);
  } catch (e) {
    throw new ApiError(0, 'network');
  }
  return res;
}

async function decode(res) {
  if (res.status === 204) {
    // Read the empty body all the same: an answer left unread is cancelled when it is collected,
    // and the browser then reports the request as aborted.
    await res.text().catch(() => '');
    return null;
  }
  const ct = res.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await res.json().catch(() => null) : null;
  if (res.ok) return data;
  const p = data || {};
  throw new ApiError(res.status, p.detail || p.title || res.statusText, Array.isArray(p.errors) ? p.errors : [],
    parseInt(res.headers.get('Retry-After') || '0', 10) || 0, p.type || '');
}

// call makes an authenticated request; on 401 it refreshes once and retries, and when that
// fails the session is lost (listeners send the user to the login screen).
async function call(method, path, opts = {}) {
  let res = await send(method, path, opts);
  if (res.status === 401) {
    if (await refresh()) {
      res = await send(method, path, opts);
    }
    if (res.status === 401) {
      sessionLost();
    }
  }
  if (opts.blob && res.ok) {
    // A stream the server cuts short (a failed export) fails here, not with a status.
    return res.blob().catch(() => {
      throw new ApiError(0, 'network');
    });
  }
  return decode(res);
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body) => call('POST', path, { body });
// postIf is post with If-Match: the version of the record the user acted on (a workflow step).
export const postIf = (path, body, version) => call('POST', path, { body, version });
// patch and del take the version the caller loaded (the answer's `version`), when it has one.
export const patch = (path, body, version) => call('PATCH', path, { body, version });
// put replaces a whole document (the representation targets).
export const put = (path, body, version) => call('PUT', path, { body, version });
export const del = (path, version) => call('DELETE', path, { version });
// delWith is a DELETE that carries a JSON body (a proof such as the current password).
export const delWith = (path, body) => call('DELETE', path, { body });

// postCSV sends a CSV file's text as the body (imports).
export const postCSV = (path, csv, query) => call('POST', path, { query, text: csv, type: 'text/csv; charset=utf-8' });

// file downloads a file with the bearer token and returns it as a Blob: a plain link cannot
// carry the token, and the token must never go into a URL.
export const file = (path, query) => call('GET', path, { query, blob: true, accept: 'text/csv, application/problem+json' });

// SESSION_MARKER is the cookie the server sets beside the HttpOnly refresh cookie, with the
// same lifetime: scripts cannot see the refresh cookie, but can see this one.
const SESSION_MARKER = 'sangathan_session';

const mayHaveSession = () => document.cookie.split(';').some((c) => c.trim() === `${SESSION_MARKER}=1`);

// refresh trades the refresh cookie for a new access token. It sends no body: the browser
// attaches the cookie. Concurrent callers share one request, because the server rotates the
// refresh token on every use.
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const res = await send('POST', '/auth/refresh', { auth: false });
        if (!res.ok) {
          accessToken = null;
          // A refused token (revoked, expired, rotated away) will be refused again: drop the
          // marker so that the next visit does not ask. A network failure keeps it.
          if (res.status === 401) document.cookie = `${SESSION_MARKER}=; Path=/; Max-Age=0; SameSite=Strict`;
          return false;
        }
        const data = await res.json();
        accessToken = data.access_token;
        return true;
      } catch (e) {
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

// restore tries to resume a session from the refresh cookie; true when it did. Without the
// marker no refresh cookie can exist, so it does not send a request that is sure to fail.
export async function restore() {
  return mayHaveSession() ? refresh() : false;
}

// login checks the password; on success the access token is kept in memory.
export async function login(username, password) {
  const res = await send('POST', '/auth/login', { body: { username, password }, auth: false });
  const data = await decode(res);
  // An account with two-step verification answers a challenge and no token (twofactor.js).
  if (data.second_factor) return { secondFactor: data.second_factor, challenge: data.challenge, user: data.user };
  accessToken = data.access_token;
  return data.user;
}

// loginEnrol starts enrolment in two-step verification during a login whose challenge says so.
export async function loginEnrol(challenge) {
  return decode(await send('POST', '/auth/login/enrol', { body: { challenge }, auth: false }));
}

// loginSecondFactor finishes a login with a code ({code} or {recovery_code}); the answer is the
// session, with recovery_codes when it finished an enrolment.
export async function loginSecondFactor(challenge, answer) {
  const data = await decode(await send('POST', '/auth/login/second-factor', { body: { challenge, ...answer }, auth: false }));
  accessToken = data.access_token;
  return data;
}

// logout ends the login on the server (the cookie names it) and forgets the access token.
export async function logout() {
  try {
    const res = await send('POST', '/auth/logout', { auth: false });
    await decode(res);
  } finally {
    accessToken = null;
  }
}

// hasSession reports whether an access token is held.
export const hasSession = () => accessToken !== null;

// openapi reads the API's own schemas (public, no token; part=schemas leaves out the rest of
// the document and all its prose): enums.js and the screens take the lists of allowed values
// from them.
export async function openapi() {
  return decode(await send('GET', '/openapi.json?part=schemas', { auth: false }));
}

// ASSETS maps the UI's own JSON files to their fingerprinted URLs, which a browser keeps for
// good: the server fills it in when it bundles the modules (frontend.go); unbundled, each file
// is fetched by its own path.
const ASSETS = typeof __ASSETS__ === 'undefined' ? {} : __ASSETS__;

// staticJSON loads one of the UI's own JSON files (the translation tables).
export async function staticJSON(path) {
  let res;
  try {
    res = await fetch(ASSETS[path] || path, { credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network');
  }
  if (!res.ok) throw new ApiError(res.status, res.statusText);
  return res.json();
}
