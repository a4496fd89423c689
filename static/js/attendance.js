// Attendance dashboard: follow check-ins live over Socket.IO (namespace /attendance).
// The page works without this script; with it, the big numbers change as soon as a push
// arrives and the tables, chart and lists are fetched again as server-rendered HTML.
(function () {
  "use strict";
  var chooser = document.getElementById("attendance-choose");
  if (chooser) {
    var select = chooser.querySelector("select");
    select.addEventListener("change", function () { chooser.submit(); });
  }
  var live = document.getElementById("attendance-live");
  var details = document.getElementById("attendance-details");
  if (!live || !details || typeof io === "undefined") { return; }
  var status = document.getElementById("live-status");
  var panel = document.getElementById("quorum-panel");
  var lang = document.documentElement.lang || "vi";
  var percent = new Intl.NumberFormat(lang, { style: "percent", minimumFractionDigits: 1,
                                              maximumFractionDigits: 1 });
  // The congress's clock, as on the rest of the page, whatever the phone's own time zone.
  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false,
                                              timeZone: live.dataset.timezone || undefined });

  function set(name, value) {
    value = String(value);
    // Only what changed: rewriting the same text would make screen readers say it again.
    live.querySelectorAll('[data-stat="' + name + '"]').forEach(function (el) {
      if (el.textContent !== value) { el.textContent = value; }
    });
  }

  function showStatus(online) {
    if (!status) { return; }
    status.hidden = false;
    status.textContent = online ? status.dataset.online : status.dataset.offline;
  }

  function showNumbers(state) {
    var q = state.quorum;
    set("official-present", q.present);
    set("official-expected", q.expected);
    set("official-congress", q.checked_in_for_congress);
    set("official-percent", q.expected ? percent.format(q.present / q.expected) : "–");
    set("required", q.required);
    set("missing", Math.max(0, q.required - q.present));
    set("others-present", state.not_counted.present);
    set("others-expected", state.not_counted.expected);
    set("quorum-icon", q.met ? "✓" : "✗");
    set("quorum-text", q.met ? panel.dataset.met : panel.dataset.notMet);
    panel.classList.toggle("met", q.met);
    panel.classList.toggle("not-met", !q.met);
    set("updated", clock.format(new Date(state.generated_at)));
  }

  // One fetch at a time; pushes that arrive meanwhile ask for one more fetch afterwards, so a
  // burst of check-ins costs two requests, and a slow early answer never overwrites a newer one.
  var fetching = false;
  var again = false;

  function refetch() {
    if (fetching) { again = true; return; }
    fetching = true;
    var open = {};
    details.querySelectorAll("details[id]").forEach(function (el) { open[el.id] = el.open; });
    fetch(details.dataset.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        details.innerHTML = html;
        // Keep the lists the reader had opened (or closed) as they were.
        Object.keys(open).forEach(function (id) {
          var el = document.getElementById(id);
          if (el) { el.open = open[id]; }
        });
      })
      .catch(function () { showStatus(false); })
      .then(function () {
        fetching = false;
        if (again) { again = false; refetch(); }
      });
  }

  var sessionId = live.dataset.sessionId ? parseInt(live.dataset.sessionId, 10) : null;
  var socket = io(live.dataset.namespace, {
    auth: { congress_id: parseInt(live.dataset.congressId, 10), session_id: sessionId }
  });
  socket.on("connect", function () { showStatus(true); });
  socket.on("disconnect", function () { showStatus(false); });
  socket.on("connect_error", function () { showStatus(false); });
  // Sent on every (re)connect and after check-ins: whatever was missed meanwhile shows up.
  socket.on("attendance_state", function (state) {
    showNumbers(state);
    refetch();
  });
})();
