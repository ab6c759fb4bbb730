// The report pages' charts: each <canvas class="report-chart"> carries its labels and series as JSON
// in data attributes (the pages' Content-Security-Policy allows no inline script), drawn with
// Debian's Chart.js served by the console itself. Without Chart.js the tables show every figure.
(function () {
  if (typeof Chart === "undefined") return;
  var palette = ["#0b4f8a", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#117a65", "#7b241c", "#2e4053"];
  document.querySelectorAll("canvas.report-chart").forEach(function (canvas) {
    var kind = canvas.getAttribute("data-kind") || "bar";
    var labels = JSON.parse(canvas.getAttribute("data-labels") || "[]");
    var series = JSON.parse(canvas.getAttribute("data-series") || "[]");
    var round = kind === "doughnut";
    new Chart(canvas, {
      type: kind,
      data: {
        labels: labels,
        datasets: series.map(function (s, i) {
          return {
            label: s.label, data: s.values, borderWidth: 2, tension: 0.2,
            backgroundColor: round ? palette : palette[i % palette.length],
            borderColor: round ? "#fff" : palette[i % palette.length]
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: round ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
