// Livestreams on the public page and the portal: relabel each stream when its status changes,
// refetch the list when streams are added or edited. Shares live-agenda.js's /live connection.
// Without this script the page still shows each stream's status as of its loading.
(function () {
  "use strict";
  var section = document.getElementById("live-streams");
  if (!section) { return; }
  var list = function () { return section.querySelector(".stream-list"); };
  var revision = parseInt(list().dataset.revision, 10) || 0;
  var latest = null;
  var fetching = 0;

  function relabel(state) {
    state.streams.forEach(function (s) {
      var el = section.querySelector('[data-stream-id="' + s.id + '"]');
      if (!el) { return; }
      var badge = el.querySelector(".stream-status");
      badge.className = "badge stream-status is-" + s.display;
      badge.textContent = s.display === "scheduled" ? el.dataset.labelScheduled
        : section.getAttribute("data-label-" + s.display);
      var replay = el.querySelector(".stream-replay");
      if (s.replay_url) { replay.href = s.replay_url; }
      replay.hidden = s.display !== "replay";
    });
  }

  // On the portal a stream that is live sits right under "Now": the section moves there when
  // one goes live and back below the panels when none is.
  function place() {
    var first = document.getElementById("streams-first");
    var home = document.getElementById("streams-home");
    if (!first || !home) { return; }
    var anchor = section.querySelector(".stream-status.is-live") ? first : home;
    if (anchor.nextElementSibling !== section) { anchor.after(section); }
  }

  function showPlayers() {
    section.querySelectorAll(".stream-play").forEach(function (b) { b.hidden = false; });
  }

  // The titles of the streams shown live, to name the ones that go live in the live region.
  function liveTitles() {
    return Array.prototype.map.call(section.querySelectorAll(".stream:has(.stream-status.is-live) h3"),
                                    function (h) { return h.textContent; });
  }

  function announceNew(before) {
    if (!window.announceLive) { return; }
    liveTitles().forEach(function (title) {
      if (before.indexOf(title) < 0) { window.announceLive("stream-live", title); }
    });
  }

  function refetch(before) {
    var mine = ++fetching;
    fetch(section.dataset.fragmentUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        if (mine !== fetching) { return; }
        section.querySelector(".stream-list").outerHTML = html;
        showPlayers();
        // A status change may have been pushed while the list was on its way.
        if (latest && latest.revision >= (parseInt(list().dataset.revision, 10) || 0)) {
          relabel(latest);
        }
        place();
        announceNew(before);
      })
      .catch(function () { if (mine === fetching) { window.location.reload(); } });
  }

  // Players load only when asked: the venue's Wi-Fi is shared by everyone in the hall.
  section.addEventListener("click", function (event) {
    var button = event.target.closest(".stream-play");
    if (!button) { return; }
    var frame = document.createElement("iframe");
    frame.src = button.dataset.player;
    frame.title = button.closest(".stream").querySelector("h3").textContent;
    frame.loading = "lazy";
    frame.allowFullscreen = true;
    frame.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.className = "stream-frame";
    button.closest(".stream").appendChild(frame);
    button.hidden = true;
  });
  showPlayers();

  var socket = window.liveSocket;
  if (!socket) { return; }
  socket.on("streams_state", function (state) {
    if (state.published === false || state.revision < revision) { return; }
    revision = state.revision;
    latest = state;
    var before = liveTitles();
    if (state.layout !== list().dataset.layout) {
      refetch(before);
    } else {
      relabel(state);
      place();
      announceNew(before);
    }
  });
})();
