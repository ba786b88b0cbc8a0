// The check-in desk: a hand scanner types the code like a keyboard; phones with the
// BarcodeDetector API can scan the QR code with the camera (Permissions-Policy allows
// the camera on this page only).  No third-party script is loaded.
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("scan"), video = document.getElementById("scan-video");
  var input = document.getElementById("code");
  if (!button || !video || !input) return;
  button.hidden = false;
  button.addEventListener("click", async function () {
    var detector = new BarcodeDetector({formats: ["qr_code"]});
    var stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    video.srcObject = stream; video.hidden = false; await video.play();
    async function tick() {
      var codes = await detector.detect(video).catch(function () { return []; });
      if (codes.length) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        input.value = codes[0].rawValue; input.form.submit(); return;
      }
      requestAnimationFrame(tick);
    }
    tick();
  });
})();
