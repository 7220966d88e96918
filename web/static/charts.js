// Draw every <canvas data-chart> with Chart.js once the page is loaded (no inline
// script: CSP). A canvas carries its figures as JSON in data-* attributes:
//   data-chart="bar|doughnut|line"  data-labels='["a","b"]'
//   data-values='[1,2]'  or  data-series='[{"label":"x","values":[1,2]}]'
//   data-title='"Title"'  data-horizontal="true" (bars along the x axis)
// Labels are drawn on the canvas as text, never parsed as HTML.
(function () {
  "use strict";

  var COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037"];

  function parse(element, name, fallback) {
    var raw = element.getAttribute("data-" + name);
    if (raw === null) {
      return fallback;
    }
    try {
      return JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }

  function datasets(canvas, kind) {
    var series = parse(canvas, "series", null);
    if (!Array.isArray(series)) {
      series = [{ label: parse(canvas, "title", ""), values: parse(canvas, "values", []) }];
    }
    return series.map(function (one, index) {
      var values = Array.isArray(one.values) ? one.values : [];
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: String(one.label || ""),
        data: values.map(Number),
        backgroundColor:
          kind === "doughnut"
            ? values.map(function (_, i) { return COLOURS[i % COLOURS.length]; })
            : colour,
        borderColor: colour,
      };
    });
  }

  function draw(canvas) {
    var kind = canvas.getAttribute("data-chart") || "bar";
    var labels = parse(canvas, "labels", []).map(String);
    var sets = datasets(canvas, kind);
    var horizontal = canvas.getAttribute("data-horizontal") === "true";
    if (horizontal) {
      // Room for one bar per label.
      canvas.parentNode.style.position = "relative";
      canvas.parentNode.style.height = Math.max(160, labels.length * 28 + 60) + "px";
    }
    return new window.Chart(canvas, {
      type: kind,
      data: { labels: labels, datasets: sets },
      options: {
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: !horizontal,
        plugins: { legend: { display: sets.length > 1 || kind === "doughnut" } },
        // Counts are whole numbers: no 0.5 ticks.
        scales:
          kind === "doughnut"
            ? {}
            : {
                x: { beginAtZero: true, ticks: { precision: 0 } },
                y: { beginAtZero: true, ticks: { precision: 0 } },
              },
      },
    });
  }

  window.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) {
      return;
    }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  });
})();
