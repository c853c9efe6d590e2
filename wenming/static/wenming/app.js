// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // htmx sends the CSRF token from the cookie-less meta tag on every request.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });
  // List tables: the sideways-scrolling wrapper is reachable and named for the keyboard,
  // and each cell carries its column's name so a phone can show the row as a card.
  function prepareTables(root) {
    root.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      if (!wrapper.hasAttribute("tabindex")) { wrapper.setAttribute("tabindex", "0"); }
      if (!wrapper.hasAttribute("role")) { wrapper.setAttribute("role", "region"); }
      if (!wrapper.hasAttribute("aria-label") && !wrapper.hasAttribute("aria-labelledby")) {
        var card = wrapper.closest(".card");
        var title = (card && card.querySelector(".card-title")) || document.querySelector(".page-title");
        var caption = wrapper.querySelector("caption");
        var name = (caption || title || document.querySelector("title")).textContent.trim();
        wrapper.setAttribute("aria-label", name);
      }
      wrapper.querySelectorAll("table").forEach(function (table) {
        var headers = table.querySelectorAll("thead tr:last-child th");
        if (!headers.length || table.classList.contains("table-keep")) { return; }
        table.classList.add("table-cards");
        table.querySelectorAll("tbody tr").forEach(function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.children, function (cell) {
            var header = headers[column];
            var label = header ? header.textContent.trim() : "";
            if (label && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", label);
            }
            // A card leaves out what a table shows as a blank cell.
            if (!cell.textContent.trim() && !cell.querySelector("input, button, select, a, img")) {
              cell.classList.add("cell-empty");
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }
  prepareTables(document);
  document.addEventListener("htmx:afterSwap", function () { prepareTables(document); });
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
