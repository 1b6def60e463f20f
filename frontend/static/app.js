// Redress: JavaScript only enhances; every page works without it.
(function () {
  "use strict";
  // Buttons that need JavaScript (copy, print) are hidden until it runs.
  document.querySelectorAll(".js-only[hidden]").forEach(function (el) { el.hidden = false; });

  // data-copy="#id": copy that element's text, and say so to screen readers.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var src = document.querySelector(btn.getAttribute("data-copy"));
      var status = document.querySelector(btn.getAttribute("data-status") || "#copy-status");
      if (!src || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(src.textContent.trim()).then(function () {
        if (status) { status.textContent = btn.getAttribute("data-copied") || "Copied"; }
      });
    });
  });

  // data-print: print the page (the receipt).
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });

  // A form that came back with errors: move focus to its summary.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
