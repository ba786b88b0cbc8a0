// Swagger UI over our OpenAPI document: loaded from our own static files, no inline
// script, so the site's Content-Security-Policy needs no exception.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: node.getAttribute("data-schema-url"),
    domNode: node,
    deepLinking: false, // its anchors sit inside a button (axe: nested-interactive)
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    supportedSubmitMethods: ["get", "head"],
    validatorUrl: null,
  });
})();
