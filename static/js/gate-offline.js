// The gate when the venue network is down. While online it keeps the congress's badges (the
// hash of each current token, name, seat, code; the replaced badges' hashes) in IndexedDB and
// refreshes them with what changed. When a scan cannot reach the server, the scan is decided
// here from that copy (green; amber for a delegate already scanned on this device; red for an
// unknown or replaced badge or a withdrawn delegate), queued in IndexedDB with a nonce and this
// device's time, and sent to the batch endpoint once the server answers again; the server then
// judges each scan at its own time and never counts a retry twice. Signing out wipes the copy.
// No token is kept: a badge is recognised by the hash the server stores.
(function () {
  "use strict";
  var DB_NAME = window.conferenceGateStorage.database;  // app.js wipes it on sign-out
  var REFRESH_MS = 60000;  // the badges' copy, while online
  var SYNC_MS = 5000;      // the queue, while scans wait
  var BATCH = 200;         // scans per request
  var TOKEN_IN_URL = /\/b\/([A-Za-z0-9_-]{22})(?:[\/?#]|$)/;
  var TOKEN = /^[A-Za-z0-9_-]{22}$/;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("copies");  // congress id -> the badges' copy
        request.result.createObjectStore("queue", { keyPath: "nonce" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(store, mode);
        var result = work(transaction.objectStore(store));
        transaction.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : result);
        };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    }).join("");
  }

  function tokenIn(scan) {
    var text = scan.trim();
    var match = TOKEN_IN_URL.exec(text);
    if (match) { return match[1]; }
    return TOKEN.test(text) ? text : null;
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return hex(bytes.buffer);
  }

  function Gate(options) {
    this.congress = String(options.congress);
    this.manifestUrl = options.manifestUrl;
    this.batchUrl = options.batchUrl;
    this.csrf = options.csrf;
    var shown = options.onChange || function () {};
    this.onChange = function (waiting) {  // app.js asks before a sign-out would lose them
      try {
        window.localStorage.setItem(window.conferenceGateStorage.waiting, String(waiting));
      } catch (e) { /* private mode */ }
      shown(waiting);
    };
    this.onSent = options.onSent || function () {};
    this.onReady = options.onReady || function () {};
    this.copy = null;
    this.sending = false;
  }

  // Offline decisions need IndexedDB and the digest of a secure page (https, or localhost).
  Gate.prototype.available = function () {
    return !!(window.indexedDB && window.crypto && window.crypto.subtle);
  };

  Gate.prototype.start = function () {
    var gate = this;
    if (!this.available()) { return; }
    run("copies", "readonly", function (store) { return store.get(gate.congress); })
      .then(function (copy) { gate.copy = copy || null; })
      .then(function () { return gate.refresh(); })
      .then(function () { gate.onReady(); return gate.count(); })
      .then(function (waiting) { gate.onChange(waiting); if (waiting) { gate.send(); } })
      .catch(function () {});
    window.setInterval(function () { gate.refresh().catch(function () {}); }, REFRESH_MS);
    window.setInterval(function () { gate.send(); }, SYNC_MS);
    window.addEventListener("online", function () { gate.send(); });
  };

  // Fetch the badges (all, or what changed since the last copy) and keep them.
  Gate.prototype.refresh = function () {
    var gate = this;
    var since = this.copy ? "?since=" + encodeURIComponent(this.copy.as_of) : "";
    return fetch(this.manifestUrl + since, { credentials: "same-origin",
                                             headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (manifest) {
        var copy = manifest.complete || !gate.copy ?
          { badges: {}, revoked: {}, seen: {} } : gate.copy;
        var keep = {};
        manifest.delegate_ids.forEach(function (id) { keep[id] = true; });
        Object.keys(copy.badges).forEach(function (hash) {
          var badge = copy.badges[hash];
          if (!keep[badge.id]) { delete copy.badges[hash]; }
        });
        manifest.badges.forEach(function (badge) {
          Object.keys(copy.badges).forEach(function (hash) {  // a reissued badge: its new hash
            if (copy.badges[hash].id === badge.id) { delete copy.badges[hash]; }
          });
          copy.badges[badge.hash] = badge;
        });
        manifest.revoked.forEach(function (hash) { copy.revoked[hash] = true; });
        copy.as_of = manifest.as_of;
        gate.copy = copy;
        return run("copies", "readwrite", function (store) { store.put(copy, gate.congress); });
      });
  };

  Gate.prototype.findByCode = function (scan) {
    var code = scan.replace(/\s+/g, "").toUpperCase();
    var badges = this.copy.badges;
    var found = null;
    Object.keys(badges).forEach(function (hash) {
      if (badges[hash].code.toUpperCase() === code) { found = badges[hash]; }
    });
    return found;
  };

  // Decide a scan from the copy and queue it. Resolves to {result, delegate} with result
  // checked_in, already_checked_in, badge_unknown, badge_revoked or delegate_withdrawn; or
  // to null when this device holds no copy (nothing was recorded).
  Gate.prototype.decide = function (scan, gateName, sessionId) {
    var gate = this;
    if (!this.available() || !this.copy) { return Promise.resolve(null); }
    var token = tokenIn(scan);
    var digest = token ?
      window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)).then(hex) :
      Promise.resolve(null);
    return digest.then(function (hash) {
      var copy = gate.copy;
      var delegate = hash ? copy.badges[hash] : gate.findByCode(scan);
      var result = "checked_in";
      if (!delegate) {
        result = hash && copy.revoked[hash] ? "badge_revoked" : "badge_unknown";
      } else if (delegate.status === "withdrawn") {
        result = "delegate_withdrawn";
      } else if (copy.seen[delegate.id]) {
        result = "already_checked_in";
      }
      var item = { nonce: nonce(), scan: scan, scanned_at: new Date().toISOString(),
                   gate: gateName, congress: gate.congress };
      if (sessionId) { item.session_id = Number(sessionId); }
      if (result === "checked_in") { copy.seen[delegate.id] = true; }
      return run("queue", "readwrite", function (store) { store.put(item); })
        .then(function () {
          return run("copies", "readwrite", function (store) { store.put(copy, gate.congress); });
        })
        .then(function () { return gate.count(); })
        .then(function (waiting) {
          gate.onChange(waiting);
          return { result: result, delegate: delegate || null };
        });
    });
  };

  Gate.prototype.waiting = function () {
    var congress = this.congress;
    return run("queue", "readonly", function (store) { return store.getAll(); })
      .then(function (items) {
        return items.filter(function (item) { return item.congress === congress; });
      });
  };

  Gate.prototype.count = function () {
    return this.waiting().then(function (items) { return items.length; });
  };

  // Send what waits, oldest first; each answered scan leaves the queue.
  Gate.prototype.send = function () {
    var gate = this;
    if (this.sending || !this.available()) { return Promise.resolve(); }
    this.sending = true;
    return this.waiting().then(function (items) {
      if (!items.length) { return null; }
      items.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
      var batch = items.slice(0, BATCH).map(function (item) {
        var sent = { scan: item.scan, nonce: item.nonce, scanned_at: item.scanned_at,
                     gate: item.gate };
        if (item.session_id) { sent.session_id = item.session_id; }
        return sent;
      });
      return fetch(gate.batchUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "Content-Type": "application/json",
                   "X-CSRFToken": gate.csrf },
        body: JSON.stringify({ items: batch })
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (answer) {
        return run("queue", "readwrite", function (store) {
          answer.items.forEach(function (item) { store.delete(item.nonce); });
        }).then(function () { return answer.items; });
      });
    }).then(function (outcomes) {
      gate.sending = false;
      return gate.count().then(function (waiting) {
        gate.onChange(waiting);
        if (outcomes) { gate.onSent(outcomes); }
      });
    }, function () {
      gate.sending = false;  // still offline, or signed out: try again later
    });
  };

  window.ConferenceGate = Gate;
})();
