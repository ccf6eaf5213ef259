// The report's "Print or save as PDF" button: shown only where it can work (with JavaScript);
// without it the words beside it say how to print. A print, by the button or the browser's
// own menu, tells the server the period printed: the next report starts after it ("since the
// last report"). No inline code: the CSP forbids it.
(function () {
  var told = false;

  function tellPrinted() {
    var report = document.querySelector("[data-printed-url]");
    if (told || !report || !window.fetch) return;
    told = true;
    var headers = JSON.parse(document.body.dataset.hxHeaders || "{}");
    var body = new URLSearchParams({ start: report.dataset.start, end: report.dataset.end });
    fetch(report.dataset.printedUrl, {
      method: "POST", headers: headers, body: body, credentials: "same-origin", keepalive: true,
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("print-report");
    if (!button || !window.print) return;
    button.hidden = false;
    button.addEventListener("click", function () { tellPrinted(); window.print(); });
  });
  window.addEventListener("beforeprint", tellPrinted);
})();
