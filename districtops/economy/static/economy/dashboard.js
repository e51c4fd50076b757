// Draws the economy dashboard charts from the JSON the view embeds (no inline data in HTML).
(function () {
  const source = document.getElementById("economy-chart-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);

  const trendEl = document.getElementById("trend-chart");
  if (trendEl) {
    const names = Object.keys(data.trend);
    echarts.init(trendEl).setOption({
      tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : v.toFixed(1) + "%") },
      legend: { type: "scroll", top: 0 },
      grid: { top: 40, left: 40, right: 10, bottom: 30 },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: names.map((name) => ({ name, type: "line", connectNulls: true, data: data.trend[name] })),
    });
  }
  const peerEl = document.getElementById("peer-chart");
  if (peerEl) {
    echarts.init(peerEl).setOption({
      tooltip: { trigger: "axis", valueFormatter: (v) => v.toFixed(1) + "%" },
      grid: { top: 10, left: 90, right: 20, bottom: 20 },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.peers.map((p) => p.name) },
      series: [{ type: "bar", data: data.peers.map((p) => p.growth), label: { show: true, position: "right", formatter: (p) => p.value.toFixed(1) + "%" } }],
    });
  }
  const driverEl = document.getElementById("driver-chart");
  if (driverEl && data.drivers.length) {
    echarts.init(driverEl).setOption({
      tooltip: { trigger: "axis", valueFormatter: (v) => v.toFixed(2) + " 个百分点" },
      grid: { top: 10, left: 150, right: 30, bottom: 20 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.drivers.map((d) => d.name) },
      series: [{ type: "bar", data: data.drivers.map((d) => ({ value: d.pp, itemStyle: { color: d.pp >= 0 ? "#2fb344" : "#d63939" } })) }],
    });
  }
})();
