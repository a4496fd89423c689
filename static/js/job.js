// A job (badge run, report, poster): follow its progress until it is done, then offer the file.
// The page works without this script (it reloads itself); CSP bars inline JS.
(function () {
  "use strict";

  var box = document.querySelector(".job-box[data-job-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var download = box.querySelector(".job-download");
  var failures = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  // The box and any list of jobs on the page say the same thing about this job.
  function say(message) {
    document.querySelectorAll('[data-job-state="' + box.dataset.jobId + '"]').forEach(
      function (element) { element.textContent = message; });
  }

  function show(job) {
    var done = job.progress.done || 0;
    var total = job.progress.total || 0;
    if (box.dataset.reloadWhenDone && (job.status === "done" || job.status === "failed")) {
      window.location.replace(box.dataset.reloadWhenDone);  // the page tells what the job did
      return true;
    }
    if (job.status === "done") {
      bar.max = 1;
      bar.value = 1;
      say(fill(box.dataset.msgDone, {total: (job.result && job.result.badges) || total}));
      if (download) { download.hidden = false; }
      return true;
    }
    if (job.status === "failed") {
      say(fill(box.dataset.msgFailed, {error: job.error ? job.error.message : ""}));
      bar.hidden = true;
      return true;
    }
    if (total) {
      bar.max = total;
      bar.value = done;
      say(fill(box.dataset.msgRunning, {done: done, total: total}));
    } else {
      bar.removeAttribute("value");  // indeterminate until the job knows its size
      say(job.status === "queued" ? box.dataset.msgQueued : box.dataset.msgStarting);
    }
    return false;
  }

  function poll() {
    fetch(box.dataset.jobUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        if (!show(job)) { window.setTimeout(poll, 500); }
      })
      .catch(function () {
        failures += 1;
        if (failures > 10) {
          say(box.dataset.msgLost);
          return;
        }
        window.setTimeout(poll, 2000);
      });
  }

  box.querySelectorAll(".js-hide").forEach(function (element) { element.hidden = true; });
  var status = box.dataset.jobStatus;
  if (status === "done" || status === "failed") { return; }  // the page already tells the end
  poll();
}());
