// The public report page: "使用当前位置" fills lat/long from the browser's Geolocation API, which
// answers in WGS-84, so the coordinate system is switched to WGS-84 with it.
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) {
    if (button) button.hidden = true;
    return;
  }
  function field(name) { return document.querySelector('[data-geo="' + name + '"]'); }
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      field("lat").value = pos.coords.latitude.toFixed(6);
      field("long").value = pos.coords.longitude.toFixed(6);
      field("coordinate_system").value = "wgs84";
      button.disabled = false;
    }, function () {
      button.disabled = false;
      button.textContent = button.getAttribute("data-failed");
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
