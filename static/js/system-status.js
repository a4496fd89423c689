// Consoles (agenda control, screens): what works and what does not, asked every few seconds
// of /manage/status. When the server does not answer at all, say so and since when; the page
// itself keeps working from what it shows.
(function () {
  "use strict";
  var box = document.getElementById("system-status");
  if (!box) { return; }
  var parts = box.querySelector(".system-status-parts");
  var lost = box.querySelector(".system-status-lost");
  var since = null;
  var lang = document.documentElement.lang || "vi";
  var clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit",
                                              second: "2-digit", hour12: false });

  function unreachable(databaseDown) {
    since = since || new Date();
    lost.hidden = false;
    lost.textContent = (databaseDown ? box.dataset.databaseDown : box.dataset.serverDown)
      .replace("{time}", clock.format(since));
  }

  function ask() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.status === 503) { unreachable(true); return null; }
        if (!r.ok) { throw new Error(r.status); }
        return r.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        since = null;
        lost.hidden = true;
        parts.innerHTML = html;
      })
      .catch(function () { unreachable(false); })
      .then(function () { window.setTimeout(ask, 5000); });
  }
  ask();
})();
