/* Start Swagger UI on /api/docs. A file of its own, not an inline script, so
   that the page's Content-Security-Policy can forbid inline scripts; the
   document's URL comes from the page (data-spec-url), as url_for made it. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (typeof window.SwaggerUIBundle !== "function") {
    document.getElementById("api-ui-missing").hidden = false;
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
  });
})();
