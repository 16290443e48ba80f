// sw.js is the service worker: it keeps the UI's shell (index.html and the fingerprinted
// bundle, CSS, translation tables and icons) so that a repeat visit starts from the phone
// itself, without waiting on a slow network, and so that the app can be installed.
//
// It never keeps an API answer: those hold personal data, and every /api/ request goes to the
// network untouched. A new release comes with a new sw.js (the server writes the release's
// fingerprints into the line below): the browser installs it beside the old one, it fetches
// the new shell into a cache of its own, takes over, and deletes the old caches.

const RELEASE = { name: 'dev', shell: [] }; // filled in by the server (frontend.go)

const PREFIX = 'sangathan-';
const CACHE = PREFIX + RELEASE.name;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // index.html is revalidated; the fingerprinted files come from the HTTP cache when the
    // page has just loaded them.
    await cache.addAll(RELEASE.shell.map((u) => new Request(u, { cache: u === '/' ? 'no-cache' : 'default' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return; // never kept
  if (req.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html')) {
    event.respondWith(fromCache('/', req));
  } else if (RELEASE.shell.includes(url.pathname)) {
    event.respondWith(fromCache(url.pathname, req));
  }
  // Anything else (the map's shapes, which only the dashboard loads, with the API's figures)
  // goes to the network as it is; fingerprinted, it stays in the browser's HTTP cache.
});

// fromCache answers from this release's cache, else (a cache the browser has cleared) from the
// network.
async function fromCache(key, req) {
  const hit = await caches.match(key, { cacheName: CACHE });
  return hit || fetch(req);
}
