// Badge portal: keep the check-in line ("You are checked in for ...") true without a reload.
// It is fetched again as server-rendered HTML when the server says this badge was checked in
// (or the check-in undone), when the agenda moves to another session, after a reconnect, and
// when the phone shows the page again (a session's doors open by the clock, with no push).
(function () {
  "use strict";
  var socket = window.liveSocket;
  if (!socket || !document.getElementById("presence")) { return; }
  var url = window.location.pathname.replace(/\/$/, "") + "/presence";
  var session = null;
  var connectedBefore = false;
  var latest = 0;

  function refetch() {
    var mine = ++latest;
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var box = document.getElementById("presence");
        if (mine !== latest || !box) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#presence");
        if (fresh) { box.replaceWith(fresh); } else { box.remove(); }
      })
      .catch(function () { /* the line stays as it was; the next push tries again */ });
  }

  socket.on("presence_changed", refetch);
  socket.on("connect", function () {
    if (connectedBefore) { refetch(); }  // a check-in may have happened while offline
    connectedBefore = true;
  });
  socket.on("agenda_current", function (change) {
    var now = change.current_session_id == null ? "" : String(change.current_session_id);
    if (session !== null && session !== now) { refetch(); }
    session = now;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refetch(); }
  });
})();
