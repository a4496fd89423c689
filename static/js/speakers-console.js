// The chair's console of a list of speakers (/manage/<id>/speakers): its forms are sent with
// fetch (asking for JSON) and the list is fetched again as server-rendered HTML after each
// change, ours or pushed over Socket.IO (/speakers), keeping the keyboard focus on the same
// button. The timer ticks from the server's time given with the list. Without this script
// every button still works (a redirect back).
(function () {
  "use strict";
  var box = document.getElementById("speakers-console");
  if (!box) { return; }
  var status = document.getElementById("speakers-live");
  var itemId = Number(box.dataset.itemId);
  var offset = 0; // server time minus local time, ms
  var latest = 0;
  var lastFocus = null;

  box.addEventListener("focusin", function (event) {
    lastFocus = event.target.dataset.focusKey || null;
  });

  function readServerTime() {
    var now = box.querySelector("[data-server-time]");
    if (now) { offset = Date.parse(now.dataset.serverTime) - Date.now(); }
  }

  function tick() {
    box.querySelectorAll(".speakers-timer").forEach(function (node) {
      window.SpeakerTimer.show(node, Date.now() + offset);
    });
  }

  function say(text, error) {
    status.hidden = !text;
    status.textContent = text || "";
    status.classList.toggle("flash-error", !!error);
  }

  function refetch() {
    var mine = ++latest;
    fetch(box.dataset.fragmentUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        if (mine !== latest) { return; }
        // Focus in the list, or lost to the body by an earlier refill: back to the same control
        // (Start and Pause are one control, "timer"), else to the timer's.
        var active = document.activeElement;
        var keep = lastFocus && (!active || active === document.body || box.contains(active));
        box.innerHTML = html;
        readServerTime();
        tick();
        if (keep) {
          var again = box.querySelector('[data-focus-key="' + lastFocus + '"]:not([disabled])') ||
            box.querySelector('[data-focus-key="timer"]');
          if (again) { again.focus(); }
        }
        box.dataset.loaded = String((Number(box.dataset.loaded) || 0) + 1);
      })
      .catch(function () { say(box.dataset.offline, true); });
  }

  // --- the delegates' search: results as the name is typed, added with the same fetch ---------
  var searchForm = document.getElementById("delegate-search");
  var found = document.getElementById("delegates-found");
  var searchTimer = null;
  var latestSearch = 0;

  function search() {
    var mine = ++latestSearch;
    var query = new URLSearchParams({ q: searchForm.elements.q.value.trim() });
    fetch(searchForm.dataset.resultsUrl + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { if (mine === latestSearch) { found.innerHTML = html; } })
      .catch(function () { say(box.dataset.offline, true); });
  }

  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      search();
    });
    searchForm.elements.q.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(search, 250);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var fromSearch = !!found && found.contains(form);
    if (event.defaultPrevented || !(box.contains(form) || fromSearch)) { return; }
    event.preventDefault();
    var button = event.submitter;
    var data = new FormData(form);
    if (button && button.name) { data.append(button.name, button.value); }  // "kind": floor
    fetch(button && button.hasAttribute("formaction") ? button.formAction : form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) {
          var error = answer.error || {};
          var fields = error.fields ? Object.keys(error.fields).map(function (k) {
            return error.fields[k];
          }) : [];
          say([error.message].concat(fields).join(" "), true);
        } else { say(""); }
        refetch();
        if (fromSearch) {  // the result now says "on the list"; the next name is typed over
          search();
          searchForm.elements.q.focus();
          searchForm.elements.q.select();
        }
      });
    }).catch(function () { say(box.dataset.offline, true); });
  });

  readServerTime();
  tick();
  setInterval(tick, 250);
  if (typeof io === "undefined") { return; }
  var socket = io("/speakers", { auth: { congress_id: Number(box.dataset.congressId),
                                         item_id: itemId } });
  socket.on("speakers_state", function (state) {
    if (state.item_id === itemId) { refetch(); }
  });
  socket.on("connect", function () { box.dataset.online = "1"; say(""); });
  socket.on("disconnect", function () { box.dataset.online = "0"; say(box.dataset.offline, true); });
})();
