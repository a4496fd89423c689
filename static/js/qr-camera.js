// The phone's camera as a QR code reader, for the gate's scanner and the counting committee's
// page: the back camera films into `video`, a scaled-down frame is decoded with jsQR (vendored;
// load it first) a few times a second, and each code read goes to onCode(text), as often as it
// is seen (the page decides what a repeat means).
//
//   var camera = QrCamera.reader(video, onCode, { started: fn, failed: fn });
//   camera.start();   // ask for the camera; started() once it films, failed() if refused
//   camera.stop();    // release it
//   camera.pause();   // release it but keep the wish: resume() starts it again (a hidden page)
//
// QrCamera.usable() says whether this page can film at all (not over plain HTTP, for one).
(function () {
  "use strict";

  var DECODE_EVERY_MS = 120; // spare the phone's battery: about 8 decodes a second
  var MAX_SIDE = 720;        // decode a scaled-down frame: faster, and enough for a printed code

  function usable() {
    return typeof window.jsQR === "function" && !!navigator.mediaDevices &&
      typeof navigator.mediaDevices.getUserMedia === "function";
  }

  function reader(video, onCode, handlers) {
    handlers = handlers || {};
    var wanted = false; // what the user asked for
    var stream = null;
    var lastDecode = 0;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });

    function tick(now) {
      if (!stream) { return; }
      window.requestAnimationFrame(tick);
      if (now - lastDecode < DECODE_EVERY_MS || video.readyState < 2 || !video.videoWidth) {
        return;
      }
      lastDecode = now;
      var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      if (canvas.width !== width) { canvas.width = width; }
      if (canvas.height !== height) { canvas.height = height; }
      context.drawImage(video, 0, 0, width, height);
      var image = context.getImageData(0, 0, width, height);
      var code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      if (code && code.data) { onCode(code.data); }
    }

    function release() {
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null;
      video.srcObject = null;
      video.hidden = true;
    }

    function resume() {
      if (stream || !wanted || document.hidden) { return; }
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 },
                 height: { ideal: 720 } }
      }).then(function (media) {
        if (!wanted || document.hidden || stream) { // switched off while the browser asked
          media.getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        stream = media;
        video.hidden = false;
        video.srcObject = media;
        video.setAttribute("playsinline", ""); // iPhones would otherwise film full screen
        video.muted = true;
        var playing = video.play();
        if (playing && playing.catch) { playing.catch(function () {}); }
        if (handlers.started) { handlers.started(); }
        window.requestAnimationFrame(tick);
      }).catch(function () {
        wanted = false;
        if (handlers.failed) { handlers.failed(); }
      });
    }

    return {
      start: function () { wanted = true; resume(); },
      stop: function () { wanted = false; release(); },
      pause: release,
      resume: resume,
      running: function () { return !!stream; }
    };
  }

  window.QrCamera = { usable: usable, reader: reader };
})();
