// Draw every chart whose figure the page carries as JSON (in a <template>). Plotly.js is large
// (1.2 MB to parse), so it is fetched only when a chart comes near the screen: a phone that
// is only logging a count never pays for it. No inline code anywhere: the CSP forbids it.
//
// The figure is built by readings/charts.py: Plotly's data and layout, plus "strings" (the
// hover text, sent once; each point's customdata holds indices into it) and "dark" (the
// colour to draw with in place of each colour when the page is in dark mode), and in a language
// other than English "locale": how Plotly writes that language's dates and numbers on the axes
// and in the hover ("29 nov 2026", "45,5"), handed to Plotly with the figure, not fetched.
(function () {
  var CONFIG = { displaylogo: false, displayModeBar: false, responsive: true };
  var DARK = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
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

  // Every property whose name ends in "color" (color, fillcolor, paper_bgcolor …) takes its
  // dark counterpart; nothing else changes (a note that reads "#FFFFFF" stays as typed).
  function recolour(value, colours, key) {
    if (Array.isArray(value)) {
      return value.map(function (item) { return recolour(item, colours, key); });
    }
    if (value && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (name) { copy[name] = recolour(value[name], colours, name); });
      return copy;
    }
    if (typeof value === "string" && /color$/.test(key) && colours.hasOwnProperty(value)) {
      return colours[value];
    }
    return value;
  }

  function figureOf(element) {
    var figure = JSON.parse(document.getElementById(element.dataset.chart).content.textContent);
    figure.data.forEach(function (trace) {
      if (trace.customdata) {
        trace.customdata = trace.customdata.map(function (row) {
          return row.map(function (index) { return figure.strings[index]; });
        });
      }
    });
    var dark = DARK && DARK.matches;
    return {
      data: dark ? recolour(figure.data, figure.dark) : figure.data,
      layout: dark ? recolour(figure.layout, figure.dark) : figure.layout,
      locale: figure.locale || null,
    };
  }

  // Plotly's config for a figure: in its language, where the figure names one.
  function configFor(figure, base) {
    var config = Object.assign({}, base);
    if (figure.locale) {
      config.locale = figure.locale.name;
      config.locales = {};
      config.locales[figure.locale.name] = { format: figure.locale.format };
    }
    return config;
  }

  // A chart for paper (the report's, data-chart-paper) is drawn at once at the page's width
  // and without hover, then shrunk to fit a narrower screen; print draws it at full size.
  var PAPER = { displaylogo: false, displayModeBar: false, staticPlot: true };

  function fitToScreen(element, width) {
    var room = element.parentNode.clientWidth;
    element.style.zoom = room && room < width ? String(room / width) : "";
  }

  // data-drawn only once Plotly has drawn: until then print leaves the box out (app.css).
  function draw(element) {
    if (!document.getElementById(element.dataset.chart) || element.drawing) return;
    element.drawing = true;
    var figure = figureOf(element);
    var paper = element.hasAttribute("data-chart-paper");
    loadPlotly(element.dataset.plotlySrc).then(function (Plotly) {
      return Plotly.newPlot(element, figure.data, figure.layout, configFor(figure, paper ? PAPER : CONFIG));
    }).then(function () {
      element.dataset.drawn = "true";
      if (!paper) return;
      fitToScreen(element, figure.layout.width);
      window.addEventListener("resize", function () { fitToScreen(element, figure.layout.width); });
      element.dataset.ready = "true";
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
      if (observer && !element.hasAttribute("data-chart-paper")) observer.observe(element);
      else draw(element);
    });
  }

  // Printing a page draws the charts not yet scrolled to (they show when the print is made
  // again, once Plotly is in: it loads only when first needed).
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });

  // The system switching between light and dark (at dusk, say) redraws the charts drawn.
  if (DARK && DARK.addEventListener) {
    DARK.addEventListener("change", function () {
      document.querySelectorAll("[data-chart][data-drawn]").forEach(function (element) {
        var figure = figureOf(element);
        var paper = element.hasAttribute("data-chart-paper");
        plotly.then(function (Plotly) {
          Plotly.react(element, figure.data, figure.layout, configFor(figure, paper ? PAPER : CONFIG));
        });
      });
    });
  }

  // A period or scale link swaps the whole panel: an open table of counts stays open, for the
  // new period (the server draws it open when asked for "table").
  document.addEventListener("htmx:configRequest", function (event) {
    var table = document.getElementById("counts-table");
    var link = event.detail.elt;
    if (table && table.open && link.closest && link.closest(".chart-controls")) {
      event.detail.parameters.table = "1";
    }
  });

  document.addEventListener("DOMContentLoaded", function () { watch(document); });
  document.addEventListener("htmx:load", function (event) { watch(event.target); });
})();
