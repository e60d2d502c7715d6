/* /stats/: draws the charts from the numbers the page already shows in its tables (json_script "stats-charts"),
   with Apache ECharts (vendored under static/vendor/echarts). Readable without colour: every bar carries its
   number as a label, series differ by pattern (ECharts decals) as well as colour, and the tables under each chart
   hold the same numbers as text. A hidden small cell ("<5") is drawn as an empty bar with its label. */
(function () {
  "use strict";

  var FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
  var COLORS = ["#1a5fb4", "#b3261e", "#1b6e3a", "#7a4b00", "#613583"];
  var ARBITRATION_DECAL = { symbol: "rect", symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [3, 4], rotation: -Math.PI / 4, color: "rgba(255,255,255,0.6)" };
  var charts = [];

  function base() {
    return {
      color: COLORS,
      animation: false,
      textStyle: { fontFamily: FONT, color: "#1d2733" },
      aria: { enabled: true, decal: { show: true }, label: { enabled: true } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, itemWidth: 28, itemHeight: 16, textStyle: { fontSize: 13 } },
      grid: { left: 8, right: 56, top: 40, bottom: 8, containLabel: true }
    };
  }

  function values(series) {
    return series.values.map(function (v) { return v === null ? 0 : v; });
  }

  function label(series, position, show) {
    return {
      show: show,
      position: position,
      fontSize: 12,
      color: "#1d2733",
      formatter: function (p) {
        var text = series.texts[p.dataIndex];
        return text === "0" ? "" : text;  // empty months and rows stay quiet; the table says 0
      }
    };
  }

  function monthOption(chart) {
    var option = base();
    var few = chart.labels.length <= 13;
    option.xAxis = { type: "category", data: chart.labels, axisLabel: { interval: 0, rotate: chart.labels.length > 8 ? 35 : 0 } };
    option.yAxis = { type: "value", name: chart.series[0].unit, minInterval: 1 };
    option.grid.bottom = 12;
    option.series = chart.series.map(function (s) {
      return { name: s.name, type: "bar", data: values(s), barMaxWidth: 28, label: label(s, "top", few) };
    });
    return option;
  }

  function barOption(chart) {
    var option = base();
    option.yAxis = { type: "category", data: chart.labels, inverse: true, axisLabel: { width: 220, overflow: "truncate" } };
    option.xAxis = { type: "value", name: chart.series[0].unit, minInterval: 1 };
    option.series = chart.series.map(function (s) {
      return { name: s.name, type: "bar", data: values(s), barMaxWidth: 22, label: label(s, "right", true) };
    });
    return option;
  }

  function funnelOption(chart) {
    var option = base();
    var series = chart.series[0];
    option.legend = { show: false };
    option.tooltip.formatter = function (items) {
      var p = items[0];
      return p.name + "：" + series.texts[p.dataIndex] + "（" + chart.shares[p.dataIndex] + "）";
    };
    option.yAxis = { type: "category", data: chart.labels, inverse: true };
    option.xAxis = { type: "value", name: series.unit, minInterval: 1 };
    option.series = [{
      name: series.name,
      type: "bar",
      barMaxWidth: 24,
      data: values(series).map(function (v, i) {
        var arbitration = chart.branches[i] === "arbitration";
        var style = { color: arbitration ? COLORS[1] : COLORS[0] };
        if (arbitration) { style.decal = ARBITRATION_DECAL; }
        return { value: v, itemStyle: style };
      }),
      label: {
        show: true, position: "right", fontSize: 12, color: "#1d2733",
        formatter: function (p) { return series.texts[p.dataIndex] + "（" + chart.shares[p.dataIndex] + "）"; }
      }
    }];
    return option;
  }

  function height(chart) {
    if (chart.id === "month") { return null; }
    var bars = chart.labels.length * (chart.id === "funnel" ? 1 : chart.series.length);
    return Math.max(200, 70 + bars * 26 + chart.labels.length * 8);
  }

  function draw(chart) {
    var element = document.querySelector('.chart[data-chart="' + chart.id + '"]');
    if (!element || !window.echarts) { return; }
    if (!chart.labels.length) {
      element.classList.add("chart-empty");
      element.style.height = "auto";
      return;
    }
    var h = height(chart);
    if (h) { element.style.height = h + "px"; }
    var instance = window.echarts.init(element, null, { renderer: "svg", locale: "ZH" });
    var option = chart.id === "month" ? monthOption(chart) : chart.id === "funnel" ? funnelOption(chart) : barOption(chart);
    instance.setOption(option);
    element.setAttribute("data-drawn", "true");
    charts.push(instance);
  }

  function resizeAll() {
    charts.forEach(function (c) { c.resize(); });
  }

  function start() {
    var source = document.getElementById("stats-charts");
    if (source) {
      JSON.parse(source.textContent).forEach(function (chart) {
        try {
          draw(chart);
        } catch (error) {
          // One chart that cannot be drawn must not take the others with it; its table is still there.
          if (window.console) { window.console.error(error); }
        }
      });
    }
    window.addEventListener("resize", resizeAll);
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
