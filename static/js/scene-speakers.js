// The speakers' timer, shared by the screens' `speakers` scene and the chair's console, and
// the scene itself. A timer is {started_at (ISO, null while paused), elapsed_before (s),
// duration (s)}: the time spoken is elapsed_before + (now - started_at), with `now` the
// server's time (ctx.now on a kiosk), so every screen and console shows the same second.
(function () {
  "use strict";
  var WARNING = 30; // seconds left at which the timer turns the warning colour

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(seconds) {
    return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  // {text, phase}: the time left counting down ("04:59"), then the time over ("+00:12");
  // phase "normal", "warning" (the last WARNING seconds) or "overtime".
  function reading(timer, nowMs) {
    var elapsed = Number(timer.elapsed_before) || 0;
    if (timer.started_at) { elapsed += Math.max(0, (nowMs - Date.parse(timer.started_at)) / 1000); }
    var left = Number(timer.duration) - elapsed;
    if (left < 0) {
      return { text: "+" + clock(Math.floor(-left)), phase: "overtime" };
    }
    var shown = Math.ceil(left);
    return { text: clock(shown), phase: shown <= WARNING ? "warning" : "normal" };
  }

  // Write the reading into `node` (its data-* hold the timer); true when its length changed.
  function show(node, nowMs) {
    var now = reading({ started_at: node.dataset.startedAt || null,
                        elapsed_before: node.dataset.elapsedBefore,
                        duration: node.dataset.duration }, nowMs);
    var grown = node.textContent.length !== now.text.length;
    node.textContent = now.text;
    node.classList.toggle("warning", now.phase === "warning");
    node.classList.toggle("overtime", now.phase === "overtime");
    var label = node.parentNode && node.parentNode.querySelector(".speaker-overtime");
    if (label) { label.hidden = now.phase !== "overtime"; }
    return grown;
  }

  window.SpeakerTimer = { reading: reading, show: show };
  if (!window.Scenes) { return; }
  var S = window.Scenes;

  function person(parent, who, ctx, cls) {
    var box = S.add(parent, "div", cls);
    S.add(box, "div", "speaker-kind kind-" + who.kind, ctx.labels["speakers_kind_" + who.kind]);
    S.add(box, "div", "speaker-name", who.name);
    if (who.unit) { S.add(box, "div", "speaker-unit", who.unit); }
    return box;
  }

  function draw(body, scene, ctx) {
    body.classList.add("speakers");
    // A wall three screens wide puts the next speakers beside the timer, a hall screen below.
    if (body.clientWidth > 2.4 * body.clientHeight) { body.classList.add("speakers-wide"); }
    var now = S.add(body, "div", "speakers-current");
    var who = scene.speaker;
    if (!who) {
      S.add(now, "div", "big-title", ctx.labels.speakers_none);
      if (scene.item_title) { S.add(now, "div", "session-title", scene.item_title); }
    } else {
      var box = person(now, who, ctx, "speaker-who");
      if (who.title) { S.add(box, "div", "speaker-title", who.title); }
    }
    if (who) {
      var timerBox = S.add(body, "div", "speaker-clock");
      var face = S.add(timerBox, "div", "speaker-timer fit-line");
      face.dataset.startedAt = who.started_at || "";
      face.dataset.elapsedBefore = String(who.elapsed_before);
      face.dataset.duration = String(who.duration);
      var overtime = S.add(timerBox, "div", "speaker-overtime", ctx.labels.speakers_overtime);
      overtime.hidden = true;
      if (!who.running) {
        S.add(timerBox, "div", "speaker-paused",
              who.elapsed_before ? ctx.labels.speakers_paused : ctx.labels.speakers_called);
      }
      show(face, (ctx.now ? ctx.now() : new Date()).getTime());
    }
    if (scene.next && scene.next.length) {
      var upcoming = S.add(body, "div", "speakers-next");
      S.add(upcoming, "h2", "", ctx.labels.speakers_next);
      var list = S.add(upcoming, "ol", "");
      scene.next.forEach(function (next) {
        var row = S.add(list, "li", "");
        S.add(row, "span", "speaker-name", next.name);
        if (next.unit) { S.add(row, "span", "speaker-unit", next.unit); }
      });
    }
  }

  function tick(root, ctx) {
    var nowMs = (ctx.now ? ctx.now() : new Date()).getTime();
    var grown = false;
    root.querySelectorAll(".speaker-timer").forEach(function (face) {
      grown = show(face, nowMs) || grown;
    });
    return grown;
  }

  S.define("speakers", draw, tick);
})();
