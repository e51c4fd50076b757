// Swagger UI for /api/v1/docs, from swagger-ui-dist (npm) — settings come from a json_script block,
// so the page needs no inline script (Content-Security-Policy).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  if (csrfToken) {
    config.requestInterceptor = function (req) {
      req.headers["X-CSRFToken"] = csrfToken;
      return req;
    };
  }
  window.SwaggerUIBundle(config);
})();
