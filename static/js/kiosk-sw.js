// Kiosk service worker (scope /k/): keeps the kiosk page and its files so a screen whose
// computer reboots without network still opens its page, which then draws the last state from
// local storage. Network first: online, every load is fresh (and the copy is renewed);
// offline, the last copy answers. Socket.IO traffic is never touched.
"use strict";
var CACHE = "kiosk-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function kept(url) {
  return url.origin === self.location.origin && (
    /^\/k\/[A-Za-z0-9_-]+$/.test(url.pathname) || url.pathname.indexOf("/static/") === 0 ||
    url.pathname.indexOf("/screen-images/") === 0);
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || !kept(url)) { return; }
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(event.request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(event.request, { ignoreSearch: false }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
