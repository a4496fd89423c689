// The portal's request to speak (templates/speakers/_portal_panel.html): sent with fetch, and
// the panel fetched again through the badge address when the list changes (a nudge on /live
// with the item's id only), when another item gets under way, and when the phone shows the
// page again. A hall of phones hears each nudge at once, so each waits a random moment first.
(function () {
  "use strict";
  var SPREAD = 3000; // ms
  var latest = 0;

  function panel() { return document.getElementById("speakers"); }

  function refetch(note) {
    var current = panel();
    if (!current) { return; }
    var mine = ++latest;
    fetch(current.dataset.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var box = panel();
        if (mine !== latest || !box) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#speakers");
        if (!fresh) { return; }
        box.replaceWith(fresh);
        if (note) {
          var message = fresh.querySelector(".speakers-message");
          message.textContent = note.text;
          message.hidden = false;
          message.classList.toggle("flash-error", note.error);
          message.classList.add("flash");
        }
      })
      .catch(function () { /* kept as it is; the next nudge tries again */ });
  }

  function later() { setTimeout(refetch, Math.random() * SPREAD); }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var box = panel();
    if (event.defaultPrevented || !box || !box.contains(form)) { return; }
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (answer) {
          refetch({ text: r.ok ? answer.message : (answer.error || {}).message, error: !r.ok });
        });
      })
      .catch(function () { form.submit(); });
  });

  // The live socket is opened by live-agenda.js, loaded after this file.
  document.addEventListener("DOMContentLoaded", function () {
    var socket = window.liveSocket;
    if (!socket) { return; }
    socket.on("speakers_changed", later);
    socket.on("agenda_current", function (change) {
      var box = panel();
      var now = change.current_item_id == null ? "" : String(change.current_item_id);
      if (box && box.dataset.itemId !== now) { later(); }  // not on the greeting
    });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refetch(); }
  });
})();
