// Scene renderer shared by the kiosk page and the console's previews. To draw a scene into an
// element `box` (position: relative; overflow: hidden; kiosk.css loaded) that holds a
// <div class="canvas">:
//   Scenes.fit(canvas, screenWidth, screenHeight, box.clientWidth, box.clientHeight);
//   Scenes.render(canvas, scene, ctx);
// and for a flash over it, append a <div class="flash-layer"> to the canvas and call
// Scenes.flash(layer, text). ctx: {labels, timezone, lang, step, congress, now()}; clocks and
// countdowns tick from ctx.now (server time), Scenes.tick(canvas, ctx) each second. Every text
// goes in with textContent, never as HTML, so an announcement holding "<script>" shows those
// characters.
//
// Fitting: every text size is a multiple of --u (1% of the canvas height) times --fit, and
// never below --min-text (kiosk.css). Each region of a scene (the banner, the main area, a
// flash) gets the largest --fit in [0, 1] at which nothing sticks out of it; what still does not
// fit at the smallest size is wrapped (the banner), dropped (agenda items far from the current
// one) or cut after a whole line (long texts), never clipped through a glyph. render() fits
// what it draws; a hidden box has nothing to measure, so draw once it is shown (or then call
// Scenes.fit and Scenes.refit(canvas)). Scenes.refit also fits again after images or fonts
// arrive. A later change of the box's size only needs Scenes.fit (it rescales).
(function () {
  "use strict";

  var FIT_STEPS = 7; // binary search steps: --fit to within 1/128
  var PAGE_SECONDS = 8; // each page of rows shown in turns (paginate)
  var AGENDA_COLUMN = 70; // narrowest agenda column, in --u
  var MAX_AGENDA_COLUMNS = 4;

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
    var head = add(scene, "header", "scene-head fit-region");
    add(head, "span", "scene-congress", ctx.congress ? ctx.congress.name : "");
    var main = add(scene, "div", "scene-main fit-region");
    if (heading) { add(main, "h1", "scene-heading", heading); }
    return add(main, "div", "scene-body");
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
      var rows = [];
      (scene.sessions || []).forEach(function (session) {
        var block = add(body, "section", "agenda-session");
        add(block, "h2", "", hhmm(ctx, session.starts_at) + " · " + session.title);
        var list = add(block, "ol", "");
        session.items.forEach(function (item) {
          var row = add(list, "li", item.id === scene.current_item_id ? "current" : "");
          add(row, "span", "time", hhmm(ctx, item.starts_at));
          add(row, "span", "title", item.title);
          rows.push(row);
        });
      });
      // What goes first when the day does not fit: items done long ago, then the day's end.
      var current = rows.findIndex(function (row) { return row.classList.contains("current"); });
      var past = current < 0 ? [] : rows.slice(0, current);
      var drops = past.concat(rows.slice(current + 1).reverse());
      drops.forEach(function (row, rank) { row.dataset.drop = String(rank); });
    },
    attendance: function (body, scene, ctx) {
      body.classList.add("attendance");
      var q = scene.quorum || {};
      var numbers = add(body, "div", "numbers");
      [["present", q.present], ["expected", q.expected], ["required", q.required]]
        .forEach(function (pair) { figure(numbers, pair[1], ctx.labels[pair[0]]); });
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
      (scene.figures || []).forEach(function (item) { figure(grid, item.value, item.label); });
    },
    clock: function (body, scene, ctx) {
      body.classList.add("clock");
      if (scene.label) { add(body, "div", "session-title", scene.label); }
      var face = add(body, "div", "clock-face fit-line");
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

  function figure(parent, value, label) {
    var box = add(parent, "div", "figure");
    add(box, "div", "value fit-line", value);
    add(box, "div", "label", label);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick(root, ctx) {
    var now = ctx.now ? ctx.now() : new Date();
    var grown = false;
    root.querySelectorAll(".clock-face").forEach(function (face) {
      var target = face.dataset.countdown;
      var text;
      if (target) {
        var left = Math.max(0, Math.floor((Date.parse(target) - now.getTime()) / 1000));
        var d = Math.floor(left / 86400), h = Math.floor(left / 3600) % 24;
        var m = Math.floor(left / 60) % 60, s = left % 60;
        text = !left ? ctx.labels.started : (d ? d + " " + ctx.labels.days + " " : "") +
          (d || h ? pad(h) + ":" : "") + pad(m) + ":" + pad(s);
      } else {
        text = timeFormat(ctx, { hour: "2-digit", minute: "2-digit",
                                 second: "2-digit" }).format(now);
      }
      // Digits are as wide as each other: fit again only when the length changes.
      grown = grown || (face.textContent.length !== text.length && face.isConnected);
      face.textContent = text;
    });
    root.querySelectorAll(".clock-date").forEach(function (day) {
      day.textContent = timeFormat(ctx, { weekday: "long", day: "2-digit", month: "2-digit",
                                          year: "numeric" }).format(now);
    });
    root.querySelectorAll(".fit-region[data-pages]").forEach(function (region) {
      showPage(region, Math.floor(now.getTime() / 1000 / PAGE_SECONDS) %
                       Number(region.dataset.pages));
    });
    Object.keys(tickers).forEach(function (type) {
      grown = tickers[type](root, ctx) || grown;
    });
    if (grown) { refit(root); }
  }

  // --- fitting ------------------------------------------------------------------------------

  // The box inside `node`'s padding, in viewport pixels; `scale`: viewport pixels per canvas
  // pixel (a console's preview is the canvas scaled down).
  function contentBox(node) {
    var box = node.getBoundingClientRect();
    var scale = node.offsetWidth ? box.width / node.offsetWidth : 1;
    var style = getComputedStyle(node);
    var left = node.clientLeft, top = node.clientTop;
    return {
      scale: scale,
      left: box.left + (left + parseFloat(style.paddingLeft)) * scale,
      top: box.top + (top + parseFloat(style.paddingTop)) * scale,
      right: box.left + (left + node.clientWidth - parseFloat(style.paddingRight)) * scale,
      bottom: box.top + (top + node.clientHeight - parseFloat(style.paddingBottom)) * scale
    };
  }

  function sticksOut(node, box) {
    var r = node.getBoundingClientRect();
    if (!r.width && !r.height) { return false; }
    var slack = box.scale; // one canvas pixel
    return r.left < box.left - slack || r.right > box.right + slack ||
           r.top < box.top - slack || r.bottom > box.bottom + slack;
  }

  // Does anything in `region` stick out of it (or, inside a scene's body, out of the body)?
  // Text sits inside its own box (line-height 1.5 holds stacked diacritics), so boxes suffice.
  function overflows(region) {
    var outer = contentBox(region);
    var body = region.querySelector(".scene-body");
    var inner = body ? contentBox(body) : outer;
    var nodes = region.querySelectorAll("*");
    for (var i = 0; i < nodes.length; i += 1) {
      var node = nodes[i];
      if (node.clientWidth && node.scrollWidth > node.clientWidth + 1) { return true; }
      if (sticksOut(node, body && node !== body && body.contains(node) ? inner : outer)) {
        return true;
      }
    }
    return false;
  }

  function setFit(region, value) { region.style.setProperty("--fit", String(value)); }

  // The largest --fit at which the region holds its content; -1 when even the smallest
  // sizes do not fit (left at 0).
  function largestFit(region) {
    setFit(region, 1);
    if (!overflows(region)) { return 1; }
    setFit(region, 0);
    if (overflows(region)) { return -1; }
    var low = 0, high = 1;
    for (var step = 0; step < FIT_STEPS; step += 1) {
      var middle = (low + high) / 2;
      setFit(region, middle);
      if (overflows(region)) { high = middle; } else { low = middle; }
    }
    setFit(region, low);
    return low;
  }

  // A line that must not wrap (a figure, the clock) gets a --line-fit of its own, shared with
  // the others of the region, so that it alone shrinks to its box's width while the rest of
  // the region keeps its size.
  function fitLines(region) {
    var lines = Array.prototype.slice.call(region.querySelectorAll(".fit-line"));
    if (!lines.length) { return; }
    setFit(region, 1);
    var fit = 1;
    lines.forEach(function (line) {
      line.style.removeProperty("--line-fit");
      if (line.scrollWidth > line.clientWidth + 1) {
        fit = Math.min(fit, line.clientWidth / line.scrollWidth);
      }
    });
    // Widths do not scale exactly with the size (rounding): step down until every line fits.
    for (var step = 0; step < 20; step += 1) {
      lines.forEach(function (line) { line.style.setProperty("--line-fit", String(fit)); });
      if (!lines.some(function (line) { return line.scrollWidth > line.clientWidth + 1; })) {
        return;
      }
      fit *= 0.97;
    }
    // Even the smallest size is too wide: such a line breaks anywhere rather than stick out.
    lines.forEach(function (line) {
      if (line.scrollWidth > line.clientWidth + 1) { line.classList.add("overfull"); }
    });
  }

  // An agenda flows in columns: the count that allows the largest text wins, fewer on a tie.
  function fitAgenda(region, body) {
    var unit = region.closest(".scene").offsetHeight / 100;
    var most = Math.max(1, Math.min(MAX_AGENDA_COLUMNS,
                                    Math.floor(body.clientWidth / (AGENDA_COLUMN * unit))));
    var best = null;
    for (var columns = 1; columns <= most; columns += 1) {
      body.style.columnCount = String(columns);
      var fit = largestFit(region);
      if (fit >= 0 && (!best || fit > best.fit)) { best = { fit: fit, columns: columns }; }
    }
    body.style.columnCount = String(best ? best.columns : most);
    if (!best) { dropUntilFits(region); }
    largestFit(region);
  }

  // What a scene marks as droppable (`data-drop`: agenda items far from the current one,
  // candidates not elected) goes, lowest rank first, when even the smallest sizes do not fit.
  function dropUntilFits(region) {
    var rows = Array.prototype.slice.call(region.querySelectorAll("[data-drop]"));
    rows.sort(function (a, b) { return a.dataset.drop - b.dataset.drop; });
    setFit(region, 0);
    while (rows.length && overflows(region)) { drop(rows.shift()); }
  }

  function drop(row) {
    var list = row.parentNode;
    row.remove();
    var session = list.closest(".agenda-session");
    if (session && !list.children.length) { session.remove(); }
  }

  // At the smallest size, cut the tallest text one line at a time (an ellipsis ends it).
  var CLAMPED = ".big-title, .body-text, .caption, .target, .label, .session-title, .presenter, " +
    ".flash-text";

  function clampLines(region) {
    var texts = Array.prototype.slice.call(region.querySelectorAll(CLAMPED));
    while (overflows(region)) {
      var tallest = null, most = 1;
      texts.forEach(function (node) {
        var lines = Math.round(node.clientHeight / parseFloat(getComputedStyle(node).lineHeight));
        if (lines > most) { most = lines; tallest = node; }
      });
      if (!tallest) { return; }
      tallest.classList.add("clamped");
      tallest.style.webkitLineClamp = String(most - 1);
    }
  }

  // Rows a scene lets show in turns (`data-page-row`: the elected) when dropping the rest did
  // not make room at the smallest sizes: as many as fit make a page, and Scenes.tick shows the
  // pages in turn, PAGE_SECONDS each by the server's clock, so every screen shows the same one.
  function paginate(region) {
    var rows = Array.prototype.slice.call(region.querySelectorAll("[data-page-row]"));
    setFit(region, 0);
    var size = rows.length;
    while (size > 1 && overflows(region)) { size -= 1; rows[size].style.display = "none"; }
    if (size === rows.length) { return; }
    rows.forEach(function (row, index) { row.dataset.page = String(Math.floor(index / size)); });
    region.dataset.pages = String(Math.ceil(rows.length / size));
    showPage(region, 0);
  }

  function showPage(region, page) {
    region.querySelectorAll("[data-page]").forEach(function (row) {
      row.style.display = row.dataset.page === String(page) ? "" : "none";
    });
    var mark = region.querySelector(".page-mark");
    if (mark) { mark.textContent = (page + 1) + "/" + region.dataset.pages; }
  }

  function unpaginate(region) {
    delete region.dataset.pages;
    region.querySelectorAll("[data-page-row]").forEach(function (row) {
      row.style.display = "";
      delete row.dataset.page;
    });
    region.querySelectorAll(".page-mark").forEach(function (mark) { mark.textContent = ""; });
  }

  function fitRegion(region) {
    if (!region.getBoundingClientRect().width) { return; } // hidden or scaled to nothing
    unpaginate(region);
    region.classList.remove("overfull");
    region.querySelectorAll(".clamped, .overfull").forEach(function (node) {
      node.classList.remove("clamped", "overfull");
      node.style.removeProperty("-webkit-line-clamp");
    });
    var body = region.querySelector(".scene-body.agenda");
    if (body) { fitAgenda(region, body); return; }
    fitLines(region);
    if (largestFit(region) >= 0) { return; }
    if (region.classList.contains("scene-head")) {
      region.classList.add("overfull"); // the congress's name wraps (to 3 lines at most)
      return;
    }
    dropUntilFits(region);
    if (largestFit(region) >= 0) { return; }
    paginate(region);
    if (overflows(region)) { clampLines(region); }
  }

  // Fit every scene and flash in `container` to its canvas again: after images or fonts came
  // in, or after the container was shown (a hidden one has nothing to measure).
  function refit(container) {
    var regions = container.classList.contains("fit-region") ? [container] :
      container.querySelectorAll(".fit-region");
    Array.prototype.forEach.call(regions, fitRegion);
  }

  function render(container, scene, ctx) {
    container.textContent = "";
    if (!scene) { return; }
    // An announcement's title is its big text; figures and awards head with theirs.
    var heading = scene.type === "announcement" ? "" :
      scene.type === "figures" || scene.type === "awards" ? scene.title :
      scene.heading || ctx.labels["heading_" + scene.type];
    var body = frame(container, ctx, heading);
    if (added[scene.type]) { added[scene.type](body, scene, ctx); refit(container); return; }
    (draw[scene.type] || function () {})(body, scene, ctx);
    refit(container);
  }

  // A flash covers the whole canvas (give it a `.flash-layer` inside the canvas), so nothing
  // of the scene beneath shows half-hidden; "" clears it.
  function flash(container, text) {
    container.textContent = "";
    container.classList.add("fit-region");
    if (text) {
      add(container, "div", "flash-text", text);
      refit(container);
    }
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
  // Call it before render(): text is fitted to the canvas's native size, so a later change of
  // `box` only rescales.
  function fit(canvas, width, height, boxWidth, boxHeight) {
    var scale = Math.min(boxWidth / width, boxHeight / height);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.style.setProperty("--u", (height / 100) + "px");
    canvas.style.transform = "translate(" + (boxWidth - width * scale) / 2 + "px," +
      (boxHeight - height * scale) / 2 + "px) scale(" + scale + ")";
  }

  // Scene types features add (displays.scenes.add_scene_type names the file that calls this):
  // draw(body, scene, ctx) fills the scene's main area the way the types above do; the
  // heading is the scene's `heading`, else ctx.labels["heading_" + type]. Helpers for them:
  // el, add, figure, hhmm. tickEach(root, ctx), if given, runs every second with Scenes.tick
  // (a running timer) and returns true when a text changed length, so the scene fits again.
  var added = {}, tickers = {};
  function define(type, draw, tickEach) {
    added[type] = draw;
    if (tickEach) { tickers[type] = tickEach; }
  }

  window.Scenes = { render: render, flash: flash, tick: tick, shown: shown, fit: fit,
                    refit: refit, define: define, el: el, add: add, figure: figure, hhmm: hhmm };
})();
