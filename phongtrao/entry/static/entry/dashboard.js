/* The dashboard's two charts (Chart.js, bundled in the static files); the numbers are also
 * in the tables below each chart. Vietnamese number formatting: 1.633 / 4,2. */
(function () {
  "use strict";
  var element = document.getElementById("dashboard-data");
  if (!element || typeof window.Chart === "undefined") return;
  var data = JSON.parse(element.textContent);
  var number = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
  var color = "#8a1538";
  function ticks(value) {
    return number.format(value);
  }
  // Estimates (shared out from a split unit by weights) carry the reports' mark, "*",
  // explained by the note under the charts.
  function tooltipFor(estimated) {
    return function (context) {
      var value = context.parsed.x !== undefined && context.chart.options.indexAxis === "y"
        ? context.parsed.x : context.parsed.y;
      if (value === null) return "—";
      var mark = estimated && estimated[context.dataIndex] ? data.mark + " (ước tính)" : "";
      return number.format(value) + mark;
    };
  }
  function options(estimated, extra) {
    return Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: tooltipFor(estimated) } },
      },
    }, extra);
  }
  var below = document.getElementById("chart-below");
  if (below) {
    new window.Chart(below, {
      type: "bar",
      data: {
        labels: data.below.labels,
        datasets: [{ label: data.label, data: data.below.values, backgroundColor: color }],
      },
      options: options(data.below.estimated, {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, ticks: { callback: ticks } } },
      }),
    });
  }
  var trend = document.getElementById("chart-trend");
  if (trend) {
    new window.Chart(trend, {
      type: "line",
      data: {
        labels: data.trend.labels,
        datasets: [{
          label: data.label, data: data.trend.values, borderColor: color,
          backgroundColor: color, spanGaps: true, tension: 0.2,
        }],
      },
      options: options(data.trend.estimated, {
        scales: { y: { beginAtZero: true, ticks: { callback: ticks } } },
      }),
    });
  }
})();
