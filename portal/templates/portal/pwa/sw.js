{% autoescape off %}// The portal's service worker (portal/pwa.py writes CONFIG).  It keeps the shell (the
// offline page and the static files every page loads) under a cache named by the
// deploy's version, and drops other versions' caches when it takes over.
//   - pages (navigations): always the network; if it fails, the offline page.  No page is
//     ever stored: a signed-in page is personal.
//   - static files: from the cache, fetched and kept on first use; a name without a
//     content hash (development) is refreshed in the background each time.
//   - anything else (POST, JSON, media, other origins): untouched.
"use strict";
const CONFIG = {{ config }};
const SHELL = "shell-" + CONFIG.version;
const STATIC = "static-" + CONFIG.version;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL)
      .then(function (cache) {
        return cache.addAll(CONFIG.shell.map(function (url) {
          return new Request(url, { credentials: "omit", cache: "reload" });
        }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name !== SHELL && name !== STATIC;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function keep(request, response) {
  if (response && response.ok && response.type === "basic") {
    const copy = response.clone();
    caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

function fromStatic(event) {
  const request = event.request;
  function fetchAndKeep() {
    return fetch(request).then(function (response) { return keep(request, response); });
  }
  return caches.match(request).then(function (hit) {
    if (!hit) return fetchAndKeep();
    if (!CONFIG.hashed) event.waitUntil(fetchAndKeep().catch(function () {}));
    return hit;
  });
}

function page(request) {
  return fetch(request).catch(function () {
    return caches.match(CONFIG.offline).then(function (offline) {
      return offline || Response.error();
    });
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(fromStatic(event));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});
{% endautoescape %}
