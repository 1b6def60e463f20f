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

  // select[data-follows="#id"]: a list whose options are grouped by the
  // value of another list (a remedy's kinds by its form). Without
  // JavaScript every group is offered and the server checks the pair;
  // with it, only the chosen form's group is.
  document.querySelectorAll("select[data-follows]").forEach(function (sub) {
    var lead = document.getElementById(sub.getAttribute("data-follows"));
    if (!lead) { return; }
    function follow() {
      var chosen = lead.value, current = sub.selectedOptions[0], keep = null;
      sub.querySelectorAll("optgroup[data-form]").forEach(function (g) {
        var off = chosen !== "" && g.getAttribute("data-form") !== chosen;
        g.hidden = off;
        g.disabled = off;
        if (!off && current && current.value) {
          g.querySelectorAll("option").forEach(function (o) { if (o.value === current.value) { keep = keep || o; } });
        }
      });
      if (current && current.parentElement.disabled) {
        if (keep) { keep.selected = true; } else { sub.value = ""; }
      }
    }
    lead.addEventListener("change", follow);
    follow();
  });

  // A form that came back with errors: move focus to its summary.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
