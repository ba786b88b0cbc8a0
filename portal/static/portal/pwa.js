// Registers the service worker (portal/pwa.py, served at the site's root so it covers
// every page).  Where service workers are missing (old browsers, plain http on a LAN
// address) the site works as before, only without its offline page.
(function () {
  if (!("serviceWorker" in navigator)) return;
  var script = document.querySelector("script[data-service-worker]");
  if (!script) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.getAttribute("data-service-worker"), { scope: "/" })
      .catch(function () { /* the site works without it */ });
  });
})();
