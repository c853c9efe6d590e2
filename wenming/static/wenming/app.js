// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // htmx sends the CSRF token from the cookie-less meta tag on every request.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });
  // Forms marked data-autosubmit submit when one of their selects changes.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") { form.submit(); }
  });
})();
