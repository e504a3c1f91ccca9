// Homeward's start-up of the vendored Swagger UI (not part of swagger-ui-dist): a static file,
// because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    // Tokens typed into "Authorize" stay in this tab only.
    persistAuthorization: false,
  });
})();
