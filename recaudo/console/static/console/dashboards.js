// Dashboards: draw the charts from the JSON the page embeds (json_script "dashboard-data").
// Every chart also has its figures in a table next to it, so nothing here is the only way to
// read a number. Colours have at least 4.5:1 contrast on white.
(function () {
  "use strict";

  const PALETTE = ["#0b5cad", "#1a7f37", "#8a5a00", "#6f42c1", "#b3261e", "#4f5a66"];
  const lang = document.documentElement.lang || "es";

  // Axis ticks use the compact form ("2 M"), tooltips the full amount.
  function formatter(axis, currency, compact) {
    if (axis === "money") {
      const options = { maximumFractionDigits: compact ? 1 : 0 };
      if (compact) options.notation = "compact";
      let money;
      try {
        money = new Intl.NumberFormat(lang, { ...options, style: "currency", currency: currency });
      } catch (error) {
        money = new Intl.NumberFormat(lang, options);
      }
      return (value) => money.format(value);
    }
    if (axis === "percent") {
      const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
      return (value) => (value === null ? "—" : number.format(value) + " %");
    }
    const count = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    return (value) => count.format(value);
  }

  function build(canvas, spec, currency) {
    const axes = [...new Set(spec.datasets.map((dataset) => dataset.axis))];
    const isLine = canvas.dataset.chart === "payments_by_day";
    const scales = {};
    axes.forEach((axis, index) => {
      const format = formatter(axis, currency, true);
      scales[axis] = {
        type: "linear",
        position: index === 0 ? (spec.horizontal ? "bottom" : "left") : (spec.horizontal ? "top" : "right"),
        beginAtZero: true,
        grid: { drawOnChartArea: index === 0 },
        ticks: { color: "#4f5a66", callback: (value) => format(value) },
      };
      if (axis === "percent") scales[axis].suggestedMax = 100;
      if (axis === "count") scales[axis].ticks.precision = 0;
    });
    const categoryAxis = spec.horizontal ? "y" : "x";
    scales[categoryAxis] = { ticks: { color: "#1b1f24", autoSkip: true, maxRotation: 0 }, grid: { display: false } };
    const datasets = spec.datasets.map((dataset, index) => {
      const color = PALETTE[index % PALETTE.length];
      const built = {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: dataset.colors || color,
        borderColor: dataset.colors || color,
        borderWidth: isLine ? 2 : 0,
        pointRadius: isLine ? 2 : 0,
        tension: 0.2,
      };
      built[spec.horizontal ? "xAxisID" : "yAxisID"] = dataset.axis;
      if (isLine && index > 0) built.borderDash = [6, 4];
      return built;
    });
    const formats = Object.fromEntries(axes.map((axis) => [axis, formatter(axis, currency, false)]));
    const reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return new window.Chart(canvas, {
      type: isLine ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { display: spec.datasets.length > 1, labels: { color: "#1b1f24" } },
          tooltip: {
            callbacks: {
              label: (context) => {
                const axis = spec.datasets[context.datasetIndex].axis;
                const value = spec.horizontal ? context.parsed.x : context.parsed.y;
                return context.dataset.label + ": " + formats[axis](value);
              },
            },
          },
        },
      },
    });
  }

  function drawCharts() {
    const source = document.getElementById("dashboard-data");
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const spec = data[canvas.dataset.chart];
      if (spec && spec.labels.length) {
        build(canvas, spec, data.currency);
      } else {
        // Nothing to draw: the table next to the chart says so.
        canvas.closest(".chart").hidden = true;
      }
    });
  }

  // Show the date fields only for a custom period (they stay visible without JavaScript).
  function toggleDates() {
    const period = document.getElementById("id_period");
    if (!period) return;
    const update = () => {
      document.querySelectorAll(".custom-dates").forEach((field) => {
        field.hidden = period.value !== "custom";
      });
    };
    period.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", () => {
    toggleDates();
    drawCharts();
  });
})();
