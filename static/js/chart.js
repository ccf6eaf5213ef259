// Draw every chart whose figure the page carries as JSON (in a <template>). Plotly.js is large
// (1.2 MB to parse), so it is fetched only when a chart comes near the screen: a phone that
// is only logging a count never pays for it. No inline code anywhere: the CSP forbids it.
(function () {
  var CONFIG = { displaylogo: false, displayModeBar: false, responsive: true };
  var plotly = null;

  function loadPlotly(src) {
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return plotly;
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || element.dataset.drawn) return;
    element.dataset.drawn = "true";
    var figure = JSON.parse(source.content.textContent);
    loadPlotly(element.dataset.plotlySrc).then(function (Plotly) {
      Plotly.newPlot(element, figure.data, figure.layout, CONFIG);
    });
  }

  var observer = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            draw(entry.target);
          }
        });
      }, { rootMargin: "400px 0px" })
    : null;

  function watch(root) {
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      if (observer) observer.observe(element);
      else draw(element);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { watch(document); });
  document.addEventListener("htmx:load", function (event) { watch(event.target); });
})();
