// Kiosk page of one screen (/k/<token>): draws the state the server renders into the page,
// then follows pushes on the /screens Socket.IO namespace. A screen never goes blank by
// accident: the last state is kept in localStorage and drawn before any network; while
// offline it keeps what it shows and reconnects with backoff and jitter; a push older than
// what is shown is dropped. The next scene is built off-screen and swapped in once its images
// and fonts are ready; the version drawn is reported back with `rendered`.
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  var canvas = document.getElementById("kiosk-canvas");
  var served = JSON.parse(document.getElementById("kiosk-state").textContent);
  var labels = JSON.parse(document.getElementById("kiosk-labels").textContent);
  var token = root.dataset.token;
  var storageKey = "kiosk-state:" + served.screen_id;
  var state = null;
  var offset = 0; // server time minus local time, in ms
  var shownKey = null;
  var layer = null;
  var flashLayer = document.getElementById("kiosk-flash");
  var timer = null;
  var socket = null;

  function now() { return new Date(Date.now() + offset); }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "null"); }
    catch (e) { return null; }
  }

  function save(value) {
    try { window.localStorage.setItem(storageKey, JSON.stringify(value)); } catch (e) { /* full */ }
  }

  function fit() {
    if (state) {
      window.Scenes.fit(canvas, state.width, state.height, window.innerWidth, window.innerHeight);
    }
  }

  function ready(node) {
    var waits = Array.prototype.map.call(node.querySelectorAll("img"), function (img) {
      return img.decode ? img.decode().catch(function () {}) : Promise.resolve();
    });
    if (document.fonts && document.fonts.ready) { waits.push(document.fonts.ready); }
    return Promise.all(waits);
  }

  function context() {
    return { labels: labels, timezone: state.congress.timezone, congress: state.congress,
             lang: document.documentElement.lang || "vi", step: state.step, now: now };
  }

  function draw() {
    clearTimeout(timer);
    var shown = window.Scenes.shown(state, now().getTime());
    if (shown.until !== null) { timer = setTimeout(draw, Math.max(200, shown.until + 50)); }
    drawFlash();
    var key = JSON.stringify([state.mode, shown.scene, shown.index, state.step, state.width,
                              state.height]);
    var version = state.version;
    if (key === shownKey) { report(version); return; }
    shownKey = key;
    var next = document.createElement("div");
    next.className = "layer preparing";
    canvas.appendChild(next);
    window.Scenes.render(next, shown.scene, context());
    ready(next).then(function () {
      if (shownKey !== key) { next.remove(); return; } // overtaken by a newer state
      window.Scenes.refit(next); // a photo's width or a late font changes what fits
      next.classList.remove("preparing");
      if (layer) { layer.remove(); }
      layer = next;
      report(version);
    });
  }

  function drawFlash() {
    var flash = state.flash;
    var left = flash ? Date.parse(flash.expires_at) - now().getTime() : 0;
    flashLayer.hidden = !(left > 0); // shown first: the flash is fitted to what it covers
    window.Scenes.flash(flashLayer, left > 0 ? flash.text : "");
    if (left > 0) { setTimeout(drawFlash, left + 50); }
  }

  // The answer waits a random moment up to REPORT_SPREAD ms: a hall of screens answering one
  // push at the same instant would queue in front of the push still going out to the others.
  var REPORT_SPREAD = 1000;

  function report(version) {
    root.dataset.rendered = String(version);
    setTimeout(function () {
      if (socket && socket.connected) { socket.emit("rendered", { version: version }); }
    }, Math.random() * REPORT_SPREAD);
  }

  function apply(next, fresh) {
    if (state && next.version < state.version) { return; } // an older push: drop it
    if (fresh) { offset = Date.parse(next.server_time) - Date.now(); }
    state = next;
    save(state);
    fit();
    draw();
  }

  var stored = load();
  // A newer stored state means this page came from a cache (no network): its server time is
  // old, so the local clock is the best there is.
  if (stored && stored.version > served.version) { apply(stored, false); } else { apply(served, true); }
  window.addEventListener("resize", fit);
  setInterval(function () { if (layer) { window.Scenes.tick(layer, context()); } }, 1000);

  // Where the browser allows it (HTTPS, or localhost), keep the page for a reboot offline.
  if ("serviceWorker" in navigator && root.dataset.worker) {
    navigator.serviceWorker.register(root.dataset.worker, { scope: "/k/" }).then(function () {
      // Keep this page and its files now, not only from the next load on.
      var urls = [window.location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (node) {
        urls.push(node.getAttribute("src") || node.getAttribute("href"));
      });
      return window.caches && window.caches.open("kiosk-v1").then(function (cache) {
        return cache.addAll(urls);
      });
    }).then(function () { root.dataset.cached = "1"; }).catch(function () {});
  }

  if (typeof io === "undefined") { return; }
  socket = io("/screens", { auth: { token: token }, reconnectionDelay: 1000,
                            reconnectionDelayMax: 3000, randomizationFactor: 0.5 });
  socket.on("screen_state", function (next) {
    if (next.app_version !== root.dataset.appVersion) { window.location.reload(); return; }
    apply(next, true);
  });
  socket.on("connect", function () { root.dataset.online = "1"; });
  socket.on("disconnect", function () { root.dataset.online = "0"; });
  socket.on("revoked", function () {
    socket.disconnect();
    try { window.localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
    root.dataset.revoked = "1";
  });
  // The screen's own network is back: try at once rather than when the backoff says.
  window.addEventListener("online", function () {
    if (!socket.connected && root.dataset.revoked !== "1") { socket.disconnect().connect(); }
  });
  setInterval(function () { if (socket.connected) { socket.emit("heartbeat"); } }, 15000);
})();
