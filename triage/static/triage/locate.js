// The report form's "Use my location" button fills the latitude and longitude fields.
(function () {
  var button = document.getElementById("locate");
  if (!button) return;
  button.addEventListener("click", function () {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("id_lat").value = p.coords.latitude.toFixed(6);
      document.getElementById("id_lon").value = p.coords.longitude.toFixed(6);
    });
  });
})();
