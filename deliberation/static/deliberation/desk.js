// The phone check-in desk: scan a resident's QR code with the camera and submit it.
// Decoding is done by the vendored jsQR (portal/vendor/jsQR.js) on frames drawn into a
// canvas: BarcodeDetector is missing in iOS Safari and Firefox.  Without a camera (or
// without JavaScript) the typed code works as it is.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=desk-form]");
  if (!form) return;
  var input = document.getElementById("desk-code");
  var via = document.getElementById("desk-via");
  var scan = document.getElementById("desk-scan");
  var stop = document.getElementById("desk-stop");
  var video = document.getElementById("desk-video");
  var failed = document.getElementById("desk-camera-error");
  if (input.value) input.select();
  var media = navigator.mediaDevices;
  if (typeof window.jsQR !== "function" || !media || !media.getUserMedia) return;
  scan.hidden = false;

  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", {willReadFrequently: true});
  var stream = null, timer = null;

  function halt() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true; stop.hidden = true; scan.hidden = false;
  }

  function tick() {
    timer = null;
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      // A smaller frame decodes faster on slow phones and still reads a code on a screen.
      var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(frame.data, frame.width, frame.height, {inversionAttempts: "dontInvert"});
      // The camera reopens after a scan while the same phone may still be held up:
      // its code is skipped for a few seconds instead of being sent again and again.
      var last = null;
      try { last = JSON.parse(sessionStorage.getItem("desk-last") || "null"); } catch (e) { last = null; }
      var repeat = found && last && last.code === found.data && Date.now() - last.at < 8000;
      if (repeat) {  // still held up: keep skipping it until it has been away for 8 s
        try { sessionStorage.setItem("desk-last", JSON.stringify({code: found.data, at: Date.now()})); } catch (e) { /* private mode */ }
      } else if (found && found.data) {
        try { sessionStorage.setItem("desk-last", JSON.stringify({code: found.data, at: Date.now()})); } catch (e) { /* private mode */ }
        halt();
        input.value = found.data;
        via.value = "camera";
        form.submit();
        return;
      }
    }
    timer = setTimeout(tick, 150);
  }

  function start() {
    failed.hidden = true;
    media.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false; stop.hidden = false; scan.hidden = true;
      return video.play();
    }).then(tick).catch(function () {
      halt();
      failed.hidden = false;
      input.focus();
    });
  }

  scan.addEventListener("click", start);
  stop.addEventListener("click", function () { halt(); input.focus(); });
  input.addEventListener("input", function () { via.value = "typed"; });
  window.addEventListener("pagehide", halt);
  // After a scanned check-in the camera opens again for the next person in the queue.
  if (form.getAttribute("data-scan-again") === "1") start();
  else if (!input.value) input.focus();
})();
