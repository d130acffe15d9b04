// Service worker: keeps the room screen usable without the network, including after a reload.
// Static files: the kept copy, refreshed behind. The room page and the room's state: network first, the last good
// answer when offline. Writes never pass through here: they wait in the outbox (IndexedDB).
// A changed list is a changed worker: the browser installs it, and its install fetches every
// file below again (static files are served no-cache), new ones included. So the name stays,
// and with it the room page and state kept for reopening the room offline.
const CACHE = "proctor-v1";
const SHELL = [
  "/static/css/app.css",
  "/static/js/lib/dom.js",
  "/static/js/lib/api.js",
  "/static/js/floor.js",
  "/static/js/outbox.js",
  "/static/js/live.js",
  "/static/js/logout.js",
  "/static/js/floor/common.js",
  "/static/js/floor/sync.js",
  "/static/js/floor/view.js",
  "/static/js/floor/grid.js",
  "/static/js/floor/card.js",
  "/static/js/floor/incident.js",
  "/static/js/floor/detail.js",
  "/static/js/floor/movements.js",
  "/static/js/floor/flags.js",
  "/static/js/floor/identity.js",
  "/vendor/idb/index.js",
  "/vendor/socket.io/socket.io.esm.min.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map((url) => cache.add(url).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

function isStatic(url) {
  return url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/");
}

// Only what the server marks as safe to keep on a shared tablet (masked ID numbers).
function mayKeep(response) {
  return response.ok && response.headers.get("X-Offline-Cache") === "allow";
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (mayKeep(response)) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

// Static files: the kept copy at once, refreshed in the background for the next load.
async function staleWhileRevalidate(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    fresh.catch(() => null);
    return kept;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/socket.io/")) return;
  if (isStatic(url)) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (request.mode === "navigate" || url.pathname.startsWith("/floor/")
             || url.pathname.startsWith("/api/v1/")) {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.delete(CACHE));
});
