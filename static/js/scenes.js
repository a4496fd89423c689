// Scene renderer shared by the kiosk page and the console's previews:
// Scenes.render(container, scene, ctx) draws one scene into `container` (a canvas of the
// screen's native size). Every text goes in with textContent, never as HTML, so an
// announcement holding "<script>" shows those characters. ctx: {labels, timezone, lang, step,
// congress, now()}; clocks and countdowns tick from ctx.now (server time).
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function add(parent, tag, cls, text) {
    var node = el(tag, cls, text);
    parent.appendChild(node);
    return node;
  }

  function timeFormat(ctx, options) {
    options.timeZone = ctx.timezone || undefined;
    options.hour12 = false;
    return new Intl.DateTimeFormat(ctx.lang || "vi", options);
  }

  function hhmm(ctx, iso) {
    return iso ? timeFormat(ctx, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso)) : "";
  }

  function frame(container, ctx, heading) {
    var scene = add(container, "div", "scene");
    var head = add(scene, "header", "scene-head");
    add(head, "span", "scene-congress", ctx.congress ? ctx.congress.name : "");
    if (heading) { add(scene, "h1", "scene-heading", heading); }
    return add(scene, "div", "scene-body");
  }

  function qrImage(parent, src, alt) {
    if (!src) { return null; }
    var img = add(parent, "img", "qr");
    img.alt = alt || "";
    img.src = src;
    return img;
  }

  var draw = {
    announcement: function (body, scene) {
      body.classList.add("announcement");
      add(body, "div", "big-title", scene.title);
      if (scene.body) { add(body, "div", "body-text", scene.body); }
    },
    current_item: function (body, scene, ctx) {
      body.classList.add("current-item");
      if (!scene.item) { add(body, "div", "big-title", ctx.labels.no_item); return; }
      if (scene.session) { add(body, "div", "session-title", scene.session.title); }
      add(body, "div", "big-title", scene.item.title);
      if (scene.item.presenter) { add(body, "div", "presenter", scene.item.presenter); }
    },
    agenda: function (body, scene, ctx) {
      body.classList.add("agenda");
      (scene.sessions || []).forEach(function (session) {
        var block = add(body, "section", "agenda-session");
        add(block, "h2", "", hhmm(ctx, session.starts_at) + " · " + session.title);
        var list = add(block, "ol", "");
        session.items.forEach(function (item) {
          var row = add(list, "li", item.id === scene.current_item_id ? "current" : "");
          add(row, "span", "time", hhmm(ctx, item.starts_at));
          add(row, "span", "title", item.title);
        });
      });
    },
    attendance: function (body, scene, ctx) {
      body.classList.add("attendance");
      var q = scene.quorum || {};
      var numbers = add(body, "div", "numbers");
      var present = add(numbers, "div", "figure");
      add(present, "div", "value", q.present);
      add(present, "div", "label", ctx.labels.present);
      var expected = add(numbers, "div", "figure");
      add(expected, "div", "value", q.expected);
      add(expected, "div", "label", ctx.labels.expected);
      var required = add(numbers, "div", "figure");
      add(required, "div", "value", q.required);
      add(required, "div", "label", ctx.labels.required);
      add(body, "div", "quorum " + (q.met ? "met" : "not-met"),
          q.met ? ctx.labels.quorum_met : ctx.labels.quorum_not_met);
      if (scene.not_counted && scene.not_counted.present) {
        add(body, "div", "guests", ctx.labels.guests + ": " + scene.not_counted.present);
      }
    },
    stream: function (body, scene, ctx) {
      body.classList.add("with-qr");
      var text = add(body, "div", "text");
      if (!scene.stream) { add(text, "div", "big-title", ctx.labels.no_stream); return; }
      var status = scene.stream.display;
      add(text, "div", "status status-" + status, ctx.labels[status] || status);
      add(text, "div", "big-title", scene.stream.title || scene.caption);
      add(text, "div", "caption", scene.caption || ctx.labels.scan);
      qrImage(body, scene.qr, scene.stream.url);
    },
    qr: function (body, scene, ctx) {
      body.classList.add("with-qr");
      var text = add(body, "div", "text");
      add(text, "div", "big-title", scene.caption || ctx.labels.scan);
      add(text, "div", "target", scene.target || "");
      qrImage(body, scene.qr, scene.target);
    },
    image: function (body, scene) {
      body.classList.add("image");
      var img = add(body, "img", "picture");
      img.alt = scene.caption || "";
      img.src = scene.image_url;
      if (scene.caption) { add(body, "div", "caption", scene.caption); }
    },
    figures: function (body, scene) {
      body.classList.add("figures");
      var grid = add(body, "div", "numbers");
      (scene.figures || []).forEach(function (figure) {
        var box = add(grid, "div", "figure");
        add(box, "div", "value", figure.value);
        add(box, "div", "label", figure.label);
      });
    },
    clock: function (body, scene, ctx) {
      body.classList.add("clock");
      if (scene.label) { add(body, "div", "session-title", scene.label); }
      var face = add(body, "div", "clock-face");
      face.dataset.countdown = scene.countdown_to || "";
      add(body, "div", "clock-date");
      tick(body, ctx);
    },
    awards: function (body, scene, ctx) {
      body.classList.add("awards");
      var entries = scene.entries || [];
      var entry = entries[Math.min(ctx.step || 0, entries.length - 1)];
      if (!entry) { return; }
      if (entry.photo_url) {
        var img = add(body, "img", "photo");
        img.alt = entry.name;
        img.src = entry.photo_url;
      }
      var text = add(body, "div", "text");
      add(text, "div", "big-title", entry.name);
      if (entry.citation) { add(text, "div", "body-text", entry.citation); }
      add(text, "div", "counter", ((ctx.step || 0) + 1) + " / " + entries.length);
    }
  };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick(root, ctx) {
    var now = ctx.now ? ctx.now() : new Date();
    root.querySelectorAll(".clock-face").forEach(function (face) {
      var target = face.dataset.countdown;
      if (target) {
        var left = Math.max(0, Math.floor((Date.parse(target) - now.getTime()) / 1000));
        var d = Math.floor(left / 86400), h = Math.floor(left / 3600) % 24;
        var m = Math.floor(left / 60) % 60, s = left % 60;
        face.textContent = !left ? ctx.labels.started : (d ? d + " " + ctx.labels.days + " " : "") +
          (d || h ? pad(h) + ":" : "") + pad(m) + ":" + pad(s);
      } else {
        face.textContent = timeFormat(ctx, { hour: "2-digit", minute: "2-digit",
                                             second: "2-digit" }).format(now);
      }
    });
    root.querySelectorAll(".clock-date").forEach(function (day) {
      day.textContent = timeFormat(ctx, { weekday: "long", day: "2-digit", month: "2-digit",
                                          year: "numeric" }).format(now);
    });
  }

  function render(container, scene, ctx) {
    container.textContent = "";
    if (!scene) { return; }
    // An announcement's title is its big text; figures and awards head with theirs.
    var heading = scene.type === "announcement" ? "" :
      scene.type === "figures" || scene.type === "awards" ? scene.title :
      scene.heading || ctx.labels["heading_" + scene.type];
    var body = frame(container, ctx, heading);
    (draw[scene.type] || function () {})(body, scene, ctx);
  }

  function flash(container, text) {
    container.textContent = "";
    if (text) { add(container, "div", "flash-text", text); }
  }

  // What a screen's state shows at `nowMs` (server time): the scene taken, or the playlist's
  // entry at that moment, computed from the server's clock so every screen of a group shows
  // the same entry; `until`: ms until the next entry (null for a scene).
  function shown(state, nowMs) {
    if (state.mode === "scene") { return { scene: state.scene, until: null, index: -1 }; }
    if (state.mode !== "playlist" || !state.playlist || !state.playlist.entries.length) {
      return { scene: null, until: null, index: -1 };
    }
    var entries = state.playlist.entries;
    var total = entries.reduce(function (sum, e) { return sum + e.duration; }, 0) * 1000;
    var elapsed = (nowMs - Date.parse(state.playlist.started_at)) % total;
    if (elapsed < 0) { elapsed += total; }
    var index = state.playlist.start_index % entries.length;
    while (elapsed >= entries[index].duration * 1000) {
      elapsed -= entries[index].duration * 1000;
      index = (index + 1) % entries.length;
    }
    return { scene: entries[index].scene, index: index,
             until: entries[index].duration * 1000 - elapsed };
  }

  // Size a canvas of the screen's native pixels to fit `box` (width, height) and centre it.
  function fit(canvas, width, height, boxWidth, boxHeight) {
    var scale = Math.min(boxWidth / width, boxHeight / height);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.style.setProperty("--u", (height / 100) + "px");
    canvas.style.transform = "translate(" + (boxWidth - width * scale) / 2 + "px," +
      (boxHeight - height * scale) / 2 + "px) scale(" + scale + ")";
  }

  window.Scenes = { render: render, flash: flash, tick: tick, shown: shown, fit: fit };
})();
