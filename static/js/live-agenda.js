// Public congress page: follow the agenda live over Socket.IO (namespace /live).
// The page works without this script; with it, the current item moves without reload (the push
// says which item, about a hundred bytes) and an edited agenda is fetched again as
// server-rendered HTML.
(function () {
  "use strict";
  var section = document.getElementById("live-agenda");
  if (!section || typeof io === "undefined") { return; }
  var status = document.getElementById("live-status");
  var revision = parseInt(section.dataset.revision, 10) || 0;

  function showStatus(online) {
    status.hidden = false;
    status.textContent = online ? status.dataset.online : status.dataset.offline;
  }

  function markCurrent(change) {
    section.querySelectorAll("[data-item-id]").forEach(function (el) {
      var current = String(change.current_item_id) === el.dataset.itemId;
      el.classList.toggle("current", current);
      if (current) { el.setAttribute("aria-current", "step"); } else { el.removeAttribute("aria-current"); }
    });
    var panel = document.getElementById("current-panel");
    var title = document.getElementById("current-title");
    if (panel && title) {
      var moved = (change.title || "") !== title.textContent;
      panel.hidden = change.current_item_id == null;
      title.textContent = change.title || "";
      showNext();
      if (moved && change.title) { announce("now", change.title); }
    }
  }

  // The item after the current one in agenda order, under "Now".
  function showNext() {
    var line = document.getElementById("next-line");
    if (!line) { return; }
    var items = Array.prototype.slice.call(section.querySelectorAll("[data-item-id]"));
    var at = items.findIndex(function (el) { return el.classList.contains("current"); });
    var next = at >= 0 ? items[at + 1] : null;
    line.hidden = !next;
    document.getElementById("next-title").textContent =
      next ? next.querySelector(".item-title").textContent : "";
  }

  // The page's polite live region (templates/_announcer.html), also used by live-streams.js.
  function announce(kind, title) {
    var region = document.getElementById("announcer");
    if (!region) { return; }
    region.textContent = region.getAttribute("data-" + kind).replace("{title}", title);
  }
  window.announceLive = announce;

  // On the portal "Now" sits on the first screen, outside the agenda (#now-slot): a refetched
  // agenda brings a fresh copy, which takes the old one's place there.
  function placeNow() {
    var slot = document.getElementById("now-slot");
    var fresh = slot && section.querySelector("#current-panel");
    if (fresh) { slot.replaceChildren(fresh); }
  }

  // Several changes in a row start several fetches; only the last one may fill the section, or
  // a slow early answer would put back an older agenda.
  var latestFetch = 0;
  var latestMove = null;

  // The whole agenda, as server-rendered HTML. The browser asks with the ETag of what it
  // fetched last, so an agenda that has not changed since costs a 304.
  function refetch() {
    var mine = ++latestFetch;
    var asked = revision;
    fetch(section.dataset.fragmentUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        // Counted, used or not, so a test can tell that a late answer has been dealt with.
        section.dataset.answered = String((parseInt(section.dataset.answered, 10) || 0) + 1);
        if (mine !== latestFetch) { return; }
        section.innerHTML = html;
        placeNow();
        // A move of the current item may have been pushed while this was on its way.
        if (latestMove && latestMove.revision > asked) { markCurrent(latestMove); }
      })
      .catch(function () { if (mine === latestFetch) { window.location.reload(); } });
  }

  function showRevision(value) {
    revision = value;
    section.dataset.revision = String(revision);
    document.body.dataset.agendaRevision = String(revision);
  }

  var auth = { congress: section.dataset.slug };
  // The badge portal (/b/<token>) also hears its own badge's check-ins (portal-presence.js);
  // the token comes from the address, as the page itself never prints it.
  if (section.dataset.badgeInPath) { auth.badge = window.location.pathname.split("/")[2]; }
  var socket = io("/live", { auth: auth });
  window.liveSocket = socket;  // live-streams.js listens on the same connection
  socket.on("connect", function () { showStatus(true); });
  // The phone's network is back: try at once rather than when the backoff says.
  window.addEventListener("online", function () {
    if (!socket.connected) { socket.disconnect().connect(); }
  });
  socket.on("disconnect", function () { showStatus(false); });
  // The current item moved (also the greeting on every connect): applied when it is the very
  // next revision; a gap means a change went missing (offline, a reconnect), so fetch once.
  socket.on("agenda_current", function (change) {
    if (change.published === false) { window.location.reload(); return; }
    if (change.revision <= revision) { return; }  // shown already, or an older push late
    var next = change.revision === revision + 1;
    latestMove = change;
    showRevision(change.revision);
    if (next) { markCurrent(change); } else { refetch(); }
  });
  // The agenda itself changed: only the revision comes; fetch the agenda.
  socket.on("agenda_changed", function (change) {
    if (change.published === false) { window.location.reload(); return; }
    if (change.revision <= revision) { return; }
    showRevision(change.revision);
    refetch();
  });
})();
