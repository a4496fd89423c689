// Badge portal: the vote panel. A vote opened or closed shows up without a reload (the server
// pushes `vote_changed` on the congress's live room; the panel is fetched again as HTML), and
// a tap on For / Against / Abstain is sent with fetch, so the page stays where it is. Without
// this script the panel's form posts and the portal comes back with the receipt.
(function () {
  "use strict";
  var POLL = 15000;  // without a live connection (an unpublished congress), look this often
  // A vote opening reaches the whole hall at once: its phones ask for the panel over this many
  // milliseconds rather than in the same instant.
  var SPREAD = 1500;

  // The panel again, from this page's own address (the page prints no token of its own).
  var url = window.location.pathname.replace(/\/$/, "") + "/votes";

  function panel() { return document.getElementById("votes"); }

  var latest = 0;
  function refetch() {
    var box = panel();
    if (!box) { return; }
    var mine = ++latest;
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var old = panel();
        if (mine !== latest || !old) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#votes");
        if (fresh) { old.replaceWith(fresh); }
      })
      .catch(function () { /* kept as it was; the next push or poll tries again */ });
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function say(form, text, isError) {
    var line = form.querySelector(".vote-message");
    if (!line) { return; }
    line.hidden = !text;
    line.textContent = text || "";
    line.classList.toggle("flash-error", !!isError);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".vote-choice");
    if (!button || !panel() || !panel().contains(button)) { return; }
    var form = button.form;
    var pin = form.querySelector("input[name=pin]");
    if (pin && !pin.value.trim()) { return; }  // the browser asks for it (required)
    event.preventDefault();
    var body = { choice: button.value };
    if (pin) { body.pin = pin.value; }
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrfToken(form) },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
    }).then(function (result) {
      if (result.ok) { refetch(); return; }
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      say(form, (result.answer.error && result.answer.error.message) || "", true);
    }).catch(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      form.submit();  // the network hiccupped: the plain form tries and says what happened
    });
  });

  function listen() {
    var socket = window.liveSocket;
    if (!socket) { setInterval(refetch, POLL); return; }
    function soon() { setTimeout(refetch, Math.random() * SPREAD); }
    socket.on("vote_changed", soon);
    // A vote may have opened while this phone was offline, or between the page being made and
    // its first connection (a push then reaches nobody here).
    socket.on("connect", soon);
  }
  // live-agenda.js, loaded after this file, opens the shared connection.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", listen);
  } else { listen(); }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refetch(); }
  });
})();
