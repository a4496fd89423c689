// Screens console, shaped like a vision mixer: the scene picked is drawn in "preview" by the
// kiosk's renderer (scenes.js), each screen's tile shows what it shows now ("program", live
// over /screens), the ticked screens and the picked scene stay in the address so a reload or
// an action keeps them, and an action on every screen asks first. Keys for clickers and
// Stream Decks: → / PageDown next, ← / PageUp previous, B blackout, on the ticked screens.
// Without this script the page still works: every button is a plain form post.
(function () {
  "use strict";
  var labelsNode = document.getElementById("scene-labels");
  if (!labelsNode || !window.Scenes) { return; }
  var labels = JSON.parse(labelsNode.textContent);
  var lang = document.documentElement.lang || "vi";
  var offset = 0; // server time minus local time, ms
  var states = {};

  function now() { return new Date(Date.now() + offset); }

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

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
  var editorPreview = document.getElementById("scene-preview");
  if (editorPreview) {
    draw(editorPreview, { congress: data("preview-congress") }, data("preview-scene"));
  }

  var form = document.getElementById("screens-control");
  var live = document.getElementById("screens-live");
  if (!form || !live) { return; }
  form.classList.add("drawing");
  var types = data("scene-types");
  var previews = data("scene-previews");
  var congress = data("preview-congress");

  function set(card, field, text) {
    var node = card.querySelector('[data-field="' + field + '"]');
    if (node && node.textContent !== String(text)) { node.textContent = String(text); }
  }

  // What a screen shows, by name (views.program_label says the same on the first paint).
  function programLabel(state, shown) {
    if (state.mode === "scene" && state.scene) {
      return state.scene_name || types[state.scene.type] || "";
    }
    if (state.mode === "playlist" && shown.index >= 0) {
      return state.playlist.name + " · " + state.playlist.entries[shown.index].name;
    }
    return state.mode === "blackout" ? live.dataset.blackout : live.dataset.nothing;
  }

  function show(state) {
    var card = live.querySelector('[data-screen="' + state.screen_id + '"]');
    if (!card) { return; }
    var known = states[state.screen_id];
    if (known && state.version < known.version) { return; }
    states[state.screen_id] = state;
    var shown = window.Scenes.shown(state, now().getTime());
    draw(card.querySelector(".screen-preview"), state, shown.scene);
    set(card, "program", programLabel(state, shown));
    var flashNode = card.querySelector('[data-field="flash"]');
    var flashing = state.flash && Date.parse(state.flash.expires_at) > now().getTime();
    flashNode.hidden = !flashing;
    if (flashing) { flashNode.textContent = flashNode.dataset.prefix + state.flash.text; }
  }

  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false,
                                              timeZone: live.dataset.timezone || undefined });
  function status(s) {
    var card = live.querySelector('[data-screen="' + s.id + '"]');
    if (!card) { return; }
    offset = Date.parse(s.server_time) - Date.now();
    var badge = card.querySelector('[data-field="online"]');
    badge.dataset.lastSeen = s.last_seen || "";
    badge.dataset.onlineSince = s.online_since || "";
    // Said only when it matters: a connected kiosk that has not drawn the last change.
    card.querySelector('[data-field="drawn"]').hidden = !s.last_seen ||
      s.rendered_version >= s.state_version;
    refreshOnline(card);
  }

  // Connected = seen within 45 s, recomputed here every few seconds without any push.
  function refreshOnline(card) {
    var badge = card.querySelector('[data-field="online"]');
    var seen = Date.parse(badge.dataset.lastSeen || "");
    var online = seen && now().getTime() - seen <= 45000;
    var since = Date.parse(badge.dataset.onlineSince || "") || seen;
    badge.textContent = online ? badge.dataset.online.replace("{time}", clock.format(since))
      : seen ? badge.dataset.offline.replace("{time}", clock.format(seen)) : badge.dataset.never;
    badge.classList.toggle("online", !!online);
    badge.classList.toggle("offline", !online);
  }

  // --- the selection: ticked screens and the scene in preview, kept in the address ---------
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="target"]'));
  var previewBox = document.getElementById("scene-preview-box");
  var previewName = document.getElementById("preview-name");

  function ticked() { return boxes.filter(function (box) { return box.checked; }); }
  function picked() { return form.querySelector('input[name="scene_id"]:checked'); }

  function keepInAddress() {
    var params = new URLSearchParams();
    ticked().forEach(function (box) { params.append("target", box.value); });
    if (picked()) { params.set("scene", picked().value); }
    if (form.elements.playlist_id.value) { params.set("playlist", form.elements.playlist_id.value); }
    history.replaceState(null, "", location.pathname + "?" + params.toString() + location.hash);
  }

  // The picked scene, drawn at the size of the first ticked screen (else full HD).
  function drawPreview() {
    var first = ticked()[0];
    var size = first ? first.parentNode.querySelector(".screen-preview").dataset
      : { width: "1920", height: "1080" };
    previewBox.dataset.width = size.width;
    previewBox.dataset.height = size.height;
    previewBox.style.aspectRatio = size.width + " / " + size.height;
    var scene = picked();
    draw(previewBox, { congress: congress }, scene ? previews[scene.value] : null);
    previewName.textContent = scene ? scene.parentNode.querySelector(".scene-name").textContent
      : previewName.dataset.empty;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "target" || event.target.name === "scene_id") { drawPreview(); }
    if (["target", "scene_id", "playlist_id"].indexOf(event.target.name) >= 0) { keepInAddress(); }
  });

  document.querySelectorAll("[data-select]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var choice = link.dataset.select;
      boxes.forEach(function (box) {
        box.checked = choice === "all" || choice === "group:" + box.dataset.group;
      });
      drawPreview();
      keepInAddress();
    });
  });

  // An action on every screen (of several) asks first; the server asks too without this.
  form.addEventListener("submit", function (event) {
    var count = ticked().length;
    if (count < 2 || count < Number(form.dataset.screens) || form.elements.confirm) { return; }
    var action = event.submitter ? event.submitter.textContent.trim() : "";
    if (!window.confirm(form.dataset.confirmAll.replace("{action}", action)
                        .replace("{count}", count))) {
      event.preventDefault();
      return;
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirm";
    confirmed.value = "all";
    form.appendChild(confirmed);
  });

  live.querySelectorAll(".screen-toggle").forEach(function (card) {
    show(JSON.parse(card.querySelector(".screen-state").textContent));
    refreshOnline(card);
  });
  drawPreview();
  setInterval(function () {
    live.querySelectorAll(".screen-toggle").forEach(function (card) {
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

  // Enter in the announcement's fields flashes it (the form's default button does nothing).
  ["c-text", "c-seconds"].forEach(function (id) {
    document.getElementById(id).addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      document.getElementById("c-flash").click();
    });
  });

  // Keys act on the ticked screens. Arrows keep their own meaning in the scene grid and on
  // the screen toggles (moving between choices); PageUp/PageDown and B act from anywhere
  // but a text field.
  document.addEventListener("keydown", function (event) {
    var node = event.target;
    var tag = (node.tagName || "").toLowerCase();
    var choice = tag === "input" && (node.type === "checkbox" || node.type === "radio");
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey || tag === "textarea" ||
        tag === "select" || (tag === "input" && !choice)) { return; }
    var keys = { PageDown: "next", PageUp: "previous", b: "blackout", B: "blackout" };
    if (!choice) { keys.ArrowRight = "next"; keys.ArrowLeft = "previous"; }
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
