// The counting page: a clerk enters one returned ballot at a time. The serial comes from the
// camera (qr-camera.js), a USB scanner typing into the field (Enter ends it) or the keyboard; the names
// crossed out are ticked, or typed as their numbers ("3 7 12") for speed. Saving answers at
// once whether the ballot is valid and whether the other clerk's entry agrees; the count below
// is asked for every 2 s (a 304 while nothing changed).
(function () {
  "use strict";

  var form = document.getElementById("entry-form");
  var tallyBox = document.getElementById("tally");
  if (!tallyBox) { return; }
  var msg = form ? form.dataset : {};
  var POLL_MS = 2000;

  function figures(result) {
    Object.keys(result).forEach(function (key) {
      var node = tallyBox.querySelector('[data-figure="' + key + '"]');
      if (node) {
        node.textContent = String(result[key]);
        if (key === "waiting" || key === "mismatched") {
          node.parentNode.classList.toggle("stat-alert", result[key] > 0);
        }
      }
    });
    result.candidates.forEach(function (row) {
      var line = tallyBox.querySelector('[data-candidate="' + row.id + '"]');
      if (!line) { return; }
      line.querySelector("[data-votes]").textContent = String(row.votes);
      line.querySelector("[data-percent]").textContent =
        row.percent.toLocaleString(document.documentElement.lang || "vi",
                                   { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " %";
      line.querySelector("[data-outcome]").textContent =
        row.elected ? (msg.msgElected || "") : row.tie ? (msg.msgTie || "") : "";
      line.classList.toggle("elected", row.elected);
      line.classList.toggle("tie", row.tie);
    });
  }

  function poll() {
    var url = form ? form.dataset.tallyUrl : tallyBox.dataset.tallyUrl;
    if (!url || document.hidden) { return; }
    fetch(url, { cache: "no-cache", headers: { "Accept": "application/json" },
                 credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) { if (result) { figures(result); } })
      .catch(function () {});
  }
  window.setInterval(poll, POLL_MS);
  if (!form) { return; }

  var serial = document.getElementById("f-serial");
  var numbers = document.getElementById("f-numbers");
  var clerk = document.getElementById("f-clerk");
  var note = document.getElementById("kept-note");
  var answer = document.getElementById("entry-result");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="crossed"]'));
  var spoiled = form.querySelector('input[name="spoiled"]');
  var seats = parseInt(form.dataset.seats, 10);
  var saving = false;

  try { clerk.value = window.localStorage.getItem("counting-desk") || ""; } catch (e) {}
  clerk.addEventListener("change", function () {
    try { window.localStorage.setItem("counting-desk", clerk.value); } catch (e) {}
  });

  function showKept() {
    boxes.forEach(function (box) { box.parentNode.classList.toggle("is-crossed", box.checked); });
    var kept = boxes.filter(function (box) { return !box.checked; }).length;
    var text = msg.msgKept.replace("{kept}", kept).replace("{seats}", seats);
    note.textContent = kept > seats ? text + " · " + msg.msgTooMany : text;
    note.classList.toggle("error", kept > seats);
  }

  numbers.addEventListener("input", function () {
    var chosen = {};
    numbers.value.split(/[^0-9]+/).forEach(function (part) { if (part) { chosen[part] = true; } });
    boxes.forEach(function (box) { box.checked = !!chosen[box.dataset.number]; });
    showKept();
  });
  boxes.forEach(function (box) { box.addEventListener("change", showKept); });

  serial.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); numbers.focus(); }
  });

  function say(text, kind) {
    answer.textContent = text;
    answer.className = "entry-result flash " + (kind || "");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (saving) { return; }
    if (!serial.value.trim()) { serial.focus(); return; }
    saving = true;
    var body = {
      serial: serial.value, clerk: clerk.value, spoiled: spoiled.checked,
      crossed: boxes.filter(function (box) { return box.checked; })
        .map(function (box) { return parseInt(box.value, 10); })
    };
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": form.querySelector('input[name="csrf_token"]').value }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.status === 201 && data) {
          say(data.serial + ": " + data.message,
              data.valid ? (data.state === "mismatch" ? "flash-warning" : "") : "flash-error");
          serial.value = ""; numbers.value = ""; spoiled.checked = false;
          boxes.forEach(function (box) { box.checked = false; });
          showKept();
          serial.focus();
          poll();
        } else if (response.status === 400 || response.status === 401 ||
                   response.status === 403) {
          say(data && data.error && data.error.code !== "csrf_failed" && response.status === 403 ?
              data.error.message : msg.msgSignedOut, "flash-error");
        } else {
          var error = (data && data.error) || {};
          var fields = error.fields ? Object.keys(error.fields).map(function (key) {
            return error.fields[key]; }) : [];
          say(fields.length ? fields.join(" ") : (error.message || msg.msgOffline), "flash-error");
          serial.select();
        }
      });
    }).catch(function () {
      say(msg.msgOffline, "flash-error");
    }).then(function () { saving = false; });
  });

  showKept();

  // The camera, where there is one: a held ballot's code is taken once.
  var cameraBox = document.getElementById("camera");
  var toggle = document.getElementById("camera-toggle");
  var video = document.getElementById("camera-video");

  function stopCamera() {
    camera.stop();
    toggle.textContent = msg.msgCameraStart;
  }

  var camera = window.QrCamera.reader(video, function (code) {
    if (code === serial.value) { return; }
    serial.value = code;
    stopCamera();
    numbers.focus();
  }, {
    started: function () { toggle.textContent = msg.msgCameraStop; },
    failed: function () { stopCamera(); say(msg.msgCameraDenied, "flash-error"); }
  });

  if (window.QrCamera.usable()) {
    cameraBox.hidden = false;
    toggle.addEventListener("click", function () {
      if (camera.running()) { stopCamera(); } else { camera.start(); }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { stopCamera(); }
    });
  }
})();
