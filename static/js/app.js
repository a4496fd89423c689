// Ask before destructive actions (buttons with data-confirm); inline handlers are barred by CSP.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A gate's offline copy of the badges and its queue of scans (js/gate-offline.js) stay on this
// device only while someone is signed in: signing out wipes them, after asking if scans wait.
window.conferenceGateStorage = { database: "conference-gate", waiting: "conference.gate.waiting" };
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("sign-out") || event.defaultPrevented) { return; }
  var names = window.conferenceGateStorage;
  var waiting = 0;
  try { waiting = Number(window.localStorage.getItem(names.waiting) || 0); } catch (e) { /* */ }
  if (waiting > 0 && !window.confirm(form.dataset.gateWaiting)) {
    event.preventDefault();
    return;
  }
  try { window.localStorage.removeItem(names.waiting); } catch (e) { /* private mode */ }
  if (window.indexedDB) { window.indexedDB.deleteDatabase(names.database); }
});
