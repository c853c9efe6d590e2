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
  // Region tree: a node's button opens and closes its children; htmx loads them on the
  // first opening (hx-trigger="click once"), later clicks only show or hide them.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-tree-toggle]");
    if (!button) { return; }
    var children = document.getElementById(button.getAttribute("aria-controls"));
    var opening = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", opening ? "true" : "false");
    var sign = button.querySelector(".tree-toggle-sign");
    if (sign) { sign.textContent = opening ? "−" : "+"; }
    if (children) { children.hidden = !opening; }
  });
})();
