// Public congress page: follow the agenda live over Socket.IO (namespace /live).
// The page works without this script; with it, the current item moves without reload and an
// edited agenda is fetched again as server-rendered HTML.
(function () {
  "use strict";
  var section = document.getElementById("live-agenda");
  if (!section || typeof io === "undefined") { return; }
  var status = document.getElementById("live-status");
  var revision = parseInt(section.dataset.revision, 10) || 0;
  var itemIds = function () {
    return Array.prototype.map.call(section.querySelectorAll("[data-item-id]"),
      function (el) { return el.dataset.itemId; }).join(",");
  };

  function showStatus(online) {
    status.hidden = false;
    status.textContent = online ? status.dataset.online : status.dataset.offline;
  }

  function markCurrent(state) {
    section.querySelectorAll("[data-item-id]").forEach(function (el) {
      var current = String(state.current_item_id) === el.dataset.itemId;
      el.classList.toggle("current", current);
      if (current) { el.setAttribute("aria-current", "step"); } else { el.removeAttribute("aria-current"); }
    });
    var panel = document.getElementById("current-panel");
    var title = document.getElementById("current-title");
    if (panel && title) {
      panel.hidden = !state.current_item;
      title.textContent = state.current_item ? state.current_item.title : "";
    }
  }

  function sameStructure(state) {
    var ids = [];
    state.sessions.forEach(function (s) { s.items.forEach(function (i) { ids.push(String(i.id)); }); });
    return ids.join(",") === itemIds();
  }

  // Several edits in a row start several fetches; only the last one may fill the section, or a
  // slow early answer would put back an older agenda.
  var latestFetch = 0;
  var latestState = null;

  function refetch() {
    var mine = ++latestFetch;
    fetch(section.dataset.fragmentUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        // Counted, used or not, so a test can tell that a late answer has been dealt with.
        section.dataset.answered = String((parseInt(section.dataset.answered, 10) || 0) + 1);
        if (mine !== latestFetch) { return; }
        section.innerHTML = html;
        // A move of the current item may have been pushed while this was on its way.
        if (latestState && sameStructure(latestState)) { markCurrent(latestState); }
      })
      .catch(function () { if (mine === latestFetch) { window.location.reload(); } });
  }

  var auth = { congress: section.dataset.slug };
  // The badge portal (/b/<token>) also hears its own badge's check-ins (portal-presence.js);
  // the token comes from the address, as the page itself never prints it.
  if (section.dataset.badgeInPath) { auth.badge = window.location.pathname.split("/")[2]; }
  var socket = io("/live", { auth: auth });
  window.liveSocket = socket;  // live-streams.js listens on the same connection
  socket.on("connect", function () { showStatus(true); });
  socket.on("disconnect", function () { showStatus(false); });
  socket.on("agenda_state", function (state) {
    if (state.published === false) { window.location.reload(); return; }
    if (state.revision < revision) { return; }  // an older push arriving late
    var structureChanged = !sameStructure(state);
    latestState = state;
    revision = state.revision;
    section.dataset.revision = String(revision);
    document.body.dataset.agendaRevision = String(revision);
    if (structureChanged) { refetch(); } else { markCurrent(state); }
  });
})();
