// Charts drawn with the bundled ECharts from data the page hands over with json_script
// (the CSP forbids inline scripts). An element with data-chart="<id of the JSON>" gets
// a horizontal bar chart of {label, names, rates}.
(function () {
  "use strict";
  function drawCompletion(element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    // One bar per unit, highest rate on top; the height grows with the number of units.
    element.style.height = Math.max(240, 28 * data.names.length + 60) + "px";
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, name: data.label, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", inverse: true, data: data.names },
      tooltip: { trigger: "axis", valueFormatter: function (value) { return value + "%"; } },
      series: [{
        type: "bar",
        name: data.label,
        data: data.rates,
        itemStyle: { color: "#1d4ed8" },
        label: { show: true, position: "right", formatter: "{c}%", color: "#1f2937" }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    element.dataset.chartReady = "true";
  }
  function drawAll() {
    document.querySelectorAll("[data-chart]").forEach(drawCompletion);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
