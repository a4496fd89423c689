// Scanner page: check badges in without reloading the page.
// Three ways in: the phone's camera (qr-camera.js), a USB scanner typing into the
// badge field, or a search by name or code. The server answers each with the same panel HTML
// the page shows without this script, so green, amber and red look the same either way.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root || !window.fetch) { return; }
  var msg = root.dataset;
  var form = document.getElementById("scan-form");
  var scanInput = document.getElementById("f-scan");
  var gateInput = document.getElementById("f-gate");
  var sessionSelect = document.getElementById("f-session");
  var resultSlot = document.getElementById("scan-result");
  var searchForm = document.getElementById("search-form");
  var searchInput = document.getElementById("f-q");
  var searchResults = document.getElementById("search-results");
  var cameraBox = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var cameraToggle = document.getElementById("camera-toggle");
  var cameraStatus = document.getElementById("camera-status");
  var soundToggle = document.getElementById("sound-toggle");

  var GATE_KEY = "conference.checkin.gate";
  var SOUND_KEY = "conference.checkin.sound";
  var REPEAT_MS = 3000;     // the same code seen again within this time is the same scan

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // --- the gate is remembered on this device ------------------------------------------------
  if (!gateInput.value) { gateInput.value = stored(GATE_KEY) || ""; }
  gateInput.addEventListener("input", function () { store(GATE_KEY, gateInput.value.trim()); });
  if (stored(SOUND_KEY) === "off") { soundToggle.checked = false; }
  soundToggle.addEventListener("change", function () {
    store(SOUND_KEY, soundToggle.checked ? "on" : "off");
  });

  // --- beep and vibrate -------------------------------------------------------------------
  var audio = null;
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) { try { audio = new Context(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  document.addEventListener("click", unlockAudio);
  document.addEventListener("keydown", unlockAudio);

  function beep(frequency, start, length) {
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.value = 0.15;
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(audio.currentTime + start);
    oscillator.stop(audio.currentTime + start + length);
  }
  var SIGNALS = {
    ok: { tones: [[880, 0, 0.12]], vibrate: [80] },
    warn: { tones: [[660, 0, 0.1], [660, 0.18, 0.1]], vibrate: [60, 60, 60] },
    err: { tones: [[220, 0, 0.45]], vibrate: [300] }
  };
  function signal(tone) {
    var kind = SIGNALS[tone];
    if (!kind || !soundToggle.checked) { return; }
    if (audio && audio.state === "running") {
      kind.tones.forEach(function (t) { beep(t[0], t[1], t[2]); });
    }
    if (navigator.vibrate) { navigator.vibrate(kind.vibrate); }
  }

  // --- talking to the server --------------------------------------------------------------
  function Problem(message) { this.message = message; }

  function send(url, method, body) {
    var options = {
      method: method, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": msg.csrf }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).catch(function () {
      throw new Problem(msg.msgOffline);
    }).then(function (response) {
      // nginx without an app process, or the database restarting: as good as offline, so the
      // scan is decided here and sent once the server answers again.
      if ([502, 503, 504].indexOf(response.status) !== -1) { throw new Problem(msg.msgOffline); }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // The sign-in page (a redirect) or an error page: the session ended or CSRF expired.
        throw new Problem(response.redirected || response.status === 400 ?
          msg.msgSignedOut : msg.msgFailed + " (" + response.status + ")");
      }
      return response.json();
    });
  }

  function showPanel(html) {
    resultSlot.innerHTML = html;
    var box = resultSlot.getBoundingClientRect();
    if (camera.running()) {
      cameraBox.scrollIntoView({ block: "start" });  // the picture on top, the answer under it
    } else if (box.top < 0 || box.bottom > window.innerHeight) {
      resultSlot.scrollIntoView({ block: "nearest" });
    }
    return resultSlot.firstElementChild;
  }

  function showProblem(error) {
    var panel = document.createElement("div");
    panel.className = "scan-result tone-err";
    panel.setAttribute("role", "alert");
    var title = document.createElement("div");
    title.className = "scan-result-title";
    title.textContent = msg.msgProblem;
    var text = document.createElement("p");
    text.className = "scan-message";
    text.textContent = error instanceof Problem ? error.message : msg.msgFailed;
    panel.appendChild(title);
    panel.appendChild(text);
    resultSlot.innerHTML = "";
    resultSlot.appendChild(panel);
    signal("err");
  }

  var TONES = { checked_in: "ok", already_checked_in: "warn", refused: "err" };
  function checkIn(body) {
    body.gate = gateInput.value.trim();
    body.session_id = sessionSelect.value || null;
    return send(root.dataset.scanUrl, "POST", body).then(function (answer) {
      showPanel(answer.html);
      signal(TONES[answer.result]);
      if (searchInput.value.trim()) { search(); }  // refresh "checked in" beside the results
      gate.send();  // the server answers: scans made offline can go too
      return answer;
    }).catch(function (error) {
      if (!(error instanceof Problem) || error.message !== msg.msgOffline || !body.scan) {
        return showProblem(error);
      }
      return gate.decide(body.scan, body.gate, body.session_id).then(function (decision) {
        if (decision) { showOffline(decision); } else { showProblem(error); }
      }, function () { showProblem(error); });
    });
  }

  // --- the network is down: decided on this device (js/gate-offline.js) ---------------------
  function key(result) {  // checked_in -> CheckedIn, for the data-msg-... attributes
    return result.split("_").map(function (word) {
      return word.charAt(0).toUpperCase() + word.slice(1);
    }).join("");
  }
  function line(className, text) {
    var element = document.createElement("div");
    element.className = className;
    element.textContent = text;
    return element;
  }
  var OFFLINE_TONES = { checked_in: "ok", already_checked_in: "warn" };
  function showOffline(decision) {
    var tone = OFFLINE_TONES[decision.result] || "err";
    var panel = document.createElement("div");
    panel.className = "scan-result tone-" + tone;
    panel.setAttribute("role", "status");
    panel.dataset.result = decision.result;
    panel.appendChild(line("scan-result-title", msg["msgOffline" + key(decision.result)]));
    var person = decision.delegate;
    if (person) {
      var box = document.createElement("div");
      box.className = "scan-person";
      var facts = document.createElement("div");
      facts.appendChild(line("scan-name", person.full_name));
      if (person.seat) {
        facts.appendChild(line("scan-facts", msg.msgSeat.replace("{seat}", person.seat)));
      }
      facts.appendChild(line("scan-code", person.code));
      box.appendChild(facts);
      panel.appendChild(box);
    }
    panel.appendChild(line("scan-message", msg.msgOfflineNote));
    resultSlot.innerHTML = "";
    resultSlot.appendChild(panel);
    signal(tone);
  }

  var waitingLine = document.getElementById("gate-waiting");
  var sentBox = document.getElementById("gate-sent");
  function showWaiting(count) {
    waitingLine.hidden = !count;
    waitingLine.textContent = msg.msgWaiting.replace("{count}", count);
  }
  function showSent(outcomes) {
    var list = document.getElementById("gate-sent-list");
    document.getElementById("gate-sent-title").textContent =
      msg.msgSent.replace("{count}", outcomes.length);
    list.innerHTML = "";
    outcomes.forEach(function (outcome) {
      var name = outcome.delegate ? outcome.delegate.full_name + ": " : "";
      var item = document.createElement("li");
      item.dataset.result = outcome.result;
      item.textContent = name + msg["msgResult" + key(outcome.result)];
      list.appendChild(item);
    });
    sentBox.hidden = false;
  }
  var gate = new window.ConferenceGate({
    congress: msg.congress, manifestUrl: msg.manifestUrl, batchUrl: msg.batchUrl,
    csrf: msg.csrf, onChange: showWaiting, onSent: showSent,
    onReady: function () { root.dataset.gateCopy = "ready"; }  // it can decide offline now
  });
  gate.start();

  // --- the badge field: typed by a USB scanner, or by hand ----------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = scanInput.value.trim();
    scanInput.value = "";
    if (text) { checkIn({ scan: text }); }
    keepFocus();
  });

  // A USB scanner types wherever the cursor is: bring it back to the badge field, unless
  // someone is using another control. Not on touch screens, where focus opens the keyboard.
  var finePointer = window.matchMedia && window.matchMedia("(pointer: fine)").matches;
  function keepFocus() {
    if (finePointer && !cameraOn) { scanInput.focus({ preventScroll: true }); }
  }
  scanInput.addEventListener("blur", function () {
    window.setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body) { keepFocus(); }
    }, 200);
  });

  // --- undo the last check-in -------------------------------------------------------------
  resultSlot.addEventListener("submit", function (event) {
    var undo = event.target.closest(".undo-form");
    if (!undo) { return; }
    event.preventDefault();
    send(undo.action, "POST", {}).then(function (answer) {
      showPanel(answer.html);
      if (searchInput.value.trim()) { search(); }
    }).catch(showProblem).then(keepFocus);
  });

  // --- search by name or code ---------------------------------------------------------------
  var searchTimer = null;
  var latestSearch = 0;
  function search() {
    var mine = ++latestSearch;
    var query = new URLSearchParams({ q: searchInput.value.trim(), gate: gateInput.value.trim(),
                                      session_id: sessionSelect.value });
    return send(root.dataset.searchUrl + "?" + query.toString(), "GET").then(function (answer) {
      if (mine === latestSearch) { searchResults.innerHTML = answer.html; }
    }).catch(function (error) { if (mine === latestSearch) { showProblem(error); } });
  }
  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });
  searchInput.addEventListener("input", function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(search, 250);
  });
  searchResults.addEventListener("submit", function (event) {
    var byHand = event.target.closest(".checkin-by-hand");
    if (!byHand) { return; }
    event.preventDefault();
    var button = byHand.querySelector("button");
    if (button) { button.disabled = true; }
    checkIn({ delegate_id: Number(byHand.elements.delegate_id.value) });
  });

  // --- the camera ---------------------------------------------------------------------------
  var cameraOn = false;     // what the user asked for
  var lastCode = null;
  var lastSeen = 0;

  function setCameraStatus(text) { cameraStatus.textContent = text; }

  // The camera sees a held badge many times a second: act once, then again only after it
  // was out of sight for REPEAT_MS.
  function seen(text) {
    var now = Date.now();
    var repeat = text === lastCode && now - lastSeen < REPEAT_MS;
    lastCode = text;
    lastSeen = now;
    if (!repeat) { checkIn({ scan: text }); }
  }

  var camera = window.QrCamera.reader(video, seen, {
    started: function () {
      setCameraStatus(msg.msgCameraOn);
      // On a phone: the picture at the top, the answer panel right under it.
      cameraBox.scrollIntoView({ block: "start" });
    },
    failed: function () {
      cameraOn = false;
      cameraToggle.textContent = msg.msgCameraStart;
      setCameraStatus(msg.msgCameraDenied);
    }
  });

  if (typeof window.jsQR === "function") {
    cameraBox.hidden = false;
    cameraToggle.addEventListener("click", function () {
      if (!cameraOn && !window.QrCamera.usable()) {
        setCameraStatus(window.isSecureContext ? msg.msgCameraDenied : msg.msgCameraInsecure);
        return;
      }
      cameraOn = !cameraOn;
      cameraToggle.textContent = cameraOn ? msg.msgCameraStop : msg.msgCameraStart;
      if (cameraOn) { camera.start(); } else { camera.stop(); setCameraStatus(""); keepFocus(); }
    });
    // A phone in a pocket must not keep filming: stop when hidden, resume when back.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { camera.pause(); } else { camera.resume(); }
    });
    window.addEventListener("pagehide", camera.pause);
  }
})();
