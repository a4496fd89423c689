// Delegate import: upload with a progress bar, then follow the check's progress until it ends.
(function () {
  "use strict";

  function swapMain(html) {
    // Show the server's answer (e.g. the form with its error) in place of the page's content.
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    if (main) {
      document.querySelector("main").replaceWith(main);
      bindUpload();
    }
  }

  function bindUpload() {
    var form = document.querySelector("form[data-upload-form]");
    if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      bar.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.round(100 * e.loaded / e.total);
        bar.value = percent;
        status.textContent = form.dataset.uploading.replace("%(percent)s", percent);
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.assign(xhr.responseURL);
        } else {
          swapMain(xhr.responseText);
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        bar.hidden = true;
        status.textContent = form.dataset.failed;
      });
      xhr.send(new FormData(form));
    });
  }

  function followJob() {
    var box = document.querySelector("[data-job-url]");
    if (!box) { return; }
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-rows-label]");
    function poll() {
      fetch(box.dataset.jobUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(poll, 3000); return; }
          if (job.status === "done" || job.status === "failed") {
            window.location.reload();
            return;
          }
          if (job.progress.total) {
            bar.max = job.progress.total;
            bar.value = job.progress.done;
            text.textContent = text.dataset.rowsLabel
              .replace("%(done)s", job.progress.done).replace("%(total)s", job.progress.total);
          }
          window.setTimeout(poll, 500);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 250);
  }

  bindUpload();
  followJob();
}());
