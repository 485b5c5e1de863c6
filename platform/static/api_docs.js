// Starts Swagger UI on the API docs page (kept out of the HTML for the CSP).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.specUrl,
    dom_id: "#swagger-ui",
  });
});
