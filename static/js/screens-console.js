// Screens console: live previews drawn by scenes.js, each screen's status over /screens
// (online, since, versions), copy buttons, and keys for clickers: → / PageDown next,
// ← / PageUp previous, B blackout. Without this script the page still works: every button
// is a plain form post.
(function () {
  "use strict";
  var labelsNode = document.getElementById("scene-labels");
  if (!labelsNode || !window.Scenes) { return; }
  var labels = JSON.parse(labelsNode.textContent);
  var lang = document.documentElement.lang || "vi";
  var offset = 0; // server time minus local time, ms
  var states = {};

  function now() { return new Date(Date.now() + offset); }

  function draw(box, state, scene) {
    var canvas = box.querySelector(".canvas");
    window.Scenes.fit(canvas, Number(box.dataset.width), Number(box.dataset.height),
                      box.clientWidth, box.clientHeight);
    window.Scenes.render(canvas, scene, { labels: labels, lang: lang, now: now,
      timezone: state.congress.timezone, congress: state.congress, step: state.step || 0 });
    var flash = state.flash && Date.parse(state.flash.expires_at) > now().getTime();
    if (flash) {
      var layer = document.createElement("div");
      layer.className = "flash-layer";
      canvas.appendChild(layer);
      window.Scenes.flash(layer, state.flash.text);
    }
  }

  // The scene editor's preview.
  var preview = document.getElementById("scene-preview");
  if (preview) {
    var congress = JSON.parse(document.getElementById("preview-congress").textContent);
    draw(preview, { congress: congress }, JSON.parse(
      document.getElementById("preview-scene").textContent));
  }

  var live = document.getElementById("screens-live");
  if (!live) { return; }

  function show(state) {
    var card = live.querySelector('[data-screen="' + state.screen_id + '"]');
    if (!card) { return; }
    var known = states[state.screen_id];
    if (known && state.version < known.version) { return; }
    states[state.screen_id] = state;
    draw(card.querySelector(".screen-preview"), state,
         window.Scenes.shown(state, now().getTime()).scene);
  }

  function set(card, field, text) {
    var node = card.querySelector('[data-field="' + field + '"]');
    if (node && node.textContent !== String(text)) { node.textContent = String(text); }
  }

  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false,
                                              timeZone: live.dataset.timezone || undefined });
  function status(s) {
    var card = live.querySelector('[data-screen="' + s.id + '"]');
    if (!card) { return; }
    offset = Date.parse(s.server_time) - Date.now();
    card.querySelector('[data-field="online"]').dataset.lastSeen = s.last_seen || "";
    set(card, "state_version", s.state_version);
    set(card, "rendered_version", s.rendered_version);
    var since = s.online ? s.online_since : s.last_seen;
    set(card, "since", since ? clock.format(new Date(since)) : "–");
    refreshOnline(card);
  }

  // Online = seen within 45 s, recomputed here every few seconds without any push.
  function refreshOnline(card) {
    var badge = card.querySelector('[data-field="online"]');
    var seen = Date.parse(badge.dataset.lastSeen || "");
    var online = seen && now().getTime() - seen <= 45000;
    badge.textContent = online ? badge.dataset.online : badge.dataset.offline;
    badge.classList.toggle("online", !!online);
    badge.classList.toggle("offline", !online);
  }

  live.querySelectorAll(".screen-card").forEach(function (card) {
    show(JSON.parse(card.querySelector(".screen-state").textContent));
  });
  setInterval(function () {
    live.querySelectorAll(".screen-card").forEach(function (card) {
      var state = states[card.dataset.screen];
      if (state) { show(state); }
      refreshOnline(card);
    });
  }, 5000);

  document.querySelectorAll("button.copy").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(document.getElementById(button.dataset.copy).value);
    });
  });

  var form = document.getElementById("screens-control");
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (!form || tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey ||
        event.metaKey || event.altKey) { return; }
    var keys = { ArrowRight: "next", PageDown: "next", ArrowLeft: "previous",
                 PageUp: "previous", b: "blackout", B: "blackout" };
    var action = keys[event.key];
    if (!action) { return; }
    event.preventDefault();
    form.querySelector('[data-key="' + action + '"]').click();
  });

  if (typeof io === "undefined") { return; }
  var liveStatus = document.getElementById("screens-live-status");
  var socket = io("/screens", { auth: { congress_id: Number(live.dataset.congress) } });
  socket.on("connect", function () {
    liveStatus.hidden = false;
    liveStatus.textContent = liveStatus.dataset.online;
  });
  socket.on("disconnect", function () { liveStatus.textContent = liveStatus.dataset.offline; });
  socket.on("screen_state", show);
  socket.on("screen_status", status);
})();
