// Draw every chart whose figure the page carries as JSON (in a <template>), on page load and
// whenever htmx brings in a new one. No inline code: the CSP forbids it.
(function () {
  var CONFIG = { displaylogo: false, displayModeBar: false, responsive: true };

  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      if (element.dataset.drawn) return;
      var source = document.getElementById(element.dataset.chart);
      if (!source) return;
      var figure = JSON.parse(source.content.textContent);
      element.dataset.drawn = "true";
      window.Plotly.newPlot(element, figure.data, figure.layout, CONFIG);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
