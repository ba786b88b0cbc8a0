/* Trend charts drawn with the vendored ECharts (portal/static/portal/vendor/echarts/).

   Markup (portal/includes/chart.html):
     <div class="echart" data-chart="ID" role="img" aria-label="…"></div>
     {{ data|json_script:"ID" }}
   The JSON: {"labels": [...], "series": [{"name", "type": "bar"|"line", "data", "axis": 0|1}],
              "axes": [{"name", "max"?}, …]}.
   The same numbers are in a <table> next to every chart: the chart is a picture of it.
   No inline script or style (CSP): options come from the JSON, sizes from components.css. */
(function () {
  "use strict";

  var PALETTE = ["#b42318", "#1d4ed8", "#047857", "#a16207", "#6d28d9"];

  function options(data) {
    var axes = (data.axes || [{}]).map(function (a, i) {
      return {
        type: "value",
        name: a.name || "",
        max: a.max === undefined ? null : a.max,
        min: 0,
        position: i === 0 ? "left" : "right",
        splitLine: { show: i === 0 },
        nameTextStyle: { align: i === 0 ? "left" : "right" },
      };
    });
    return {
      animation: false,
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, bottom: 8, top: 56, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: axes,
      series: (data.series || []).map(function (s) {
        return {
          name: s.name,
          type: s.type || "line",
          data: s.data,
          yAxisIndex: s.axis || 0,
          connectNulls: true,
          showSymbol: s.type !== "bar",
        };
      }),
    };
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) return null;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(options(JSON.parse(source.textContent)));
    el.classList.add("echart-drawn");
    return chart;
  }

  function start() {
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = draw(el);
      if (c) charts.push(c);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        charts.forEach(function (c) { c.resize(); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
