// The report's "Print or save as PDF" button: shown only where it can work (with JavaScript);
// without it the words beside it say how to print. No inline code: the CSP forbids it.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("print-report");
    if (!button || !window.print) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
