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
  function tooltip(context) {
    var value = context.parsed.x !== undefined && context.chart.options.indexAxis === "y"
      ? context.parsed.x : context.parsed.y;
    return value === null ? "—" : number.format(value);
  }
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltip } } },
  };
  var below = document.getElementById("chart-below");
  if (below) {
    new window.Chart(below, {
      type: "bar",
      data: {
        labels: data.below.labels,
        datasets: [{ label: data.label, data: data.below.values, backgroundColor: color }],
      },
      options: Object.assign({}, common, {
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
      options: Object.assign({}, common, {
        scales: { y: { beginAtZero: true, ticks: { callback: ticks } } },
      }),
    });
  }
})();
