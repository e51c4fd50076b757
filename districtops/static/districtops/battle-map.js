// The battle map (挂图作战): ECharts Gantt of the filtered projects' nodes. Moved out of
// projects/battle_map.html so the page passes the Content-Security-Policy (no inline script);
// URLs, the business date and the translated labels come from the #battle-map data- attributes.
(function () {
  "use strict";
  const el = document.getElementById("battle-map");
  const form = document.getElementById("battle-filters");
  if (!el || !form) return;
  const DAY = 86400000;
  const ROW_PX = 30, VISIBLE_ROWS = 30;
  const label = el.dataset;
  let chart = null;

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function params() {
    const p = new URLSearchParams(new FormData(form));
    for (const [k, v] of [...p.entries()]) if (!v) p.delete(k);
    return p;
  }

  function render(data) {
    const rows = data.rows;
    // Bars arrive as positional lists (data.fields names the positions) to keep the payload small.
    const bars = data.bars.map(b => Object.fromEntries(data.fields.map((f, i) => [f, b[i]])));
    el.style.height = Math.max(300, Math.min(rows.length, VISIBLE_ROWS) * ROW_PX + 90) + "px";
    if (chart) chart.dispose();
    // SVG keeps each bar addressable (printing, tests); canvas is faster for very large maps.
    chart = echarts.init(el, null, {renderer: bars.length > 3000 ? "canvas" : "svg"});
    window.battleMap = {chart: chart, data: data, bars: bars};
    const series = {
      type: "custom",
      name: "nodes",
      encode: {x: [1, 2], y: 0},
      data: bars.map(b => ({
        value: [b.row, Date.parse(b.start), Date.parse(b.end) + DAY, b.progress],
        itemStyle: {color: data.states[b.state].colour},
        bar: b,
      })),
      renderItem: function (params, api) {
        const start = api.coord([api.value(1), api.value(0)]);
        const end = api.coord([api.value(2), api.value(0)]);
        const h = api.size([0, 1])[1] * 0.6;
        const rect = echarts.graphic.clipRectByRect(
          {x: start[0], y: start[1] - h / 2, width: Math.max(2, end[0] - start[0]), height: h},
          {x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height});
        return rect && {type: "rect", shape: rect, style: api.style({stroke: "#fff", lineWidth: 1}), name: "node-bar"};
      },
      markLine: {symbol: "none", silent: true, label: {formatter: label.today},
                 lineStyle: {color: "#d63939", type: "dashed", width: 2},
                 data: [{xAxis: Date.parse(data.today)}]},
    };
    chart.setOption({
      animation: false,
      grid: {left: 260, right: 40, top: 30, bottom: 40},
      tooltip: {formatter: p => {
        const b = p.data.bar, r = rows[b.row];
        return `${escapeHtml(r.name)}<br>${escapeHtml(b.name)}：${b.start} ~ ${b.end}<br>${escapeHtml(data.states[b.state].label)} · ${b.progress}%` +
               (b.actual_end ? `<br>${escapeHtml(label.labelActualEnd)} ${b.actual_end}` : "");
      }},
      xAxis: {type: "time", min: Date.parse(data.min) - 15 * DAY, max: Date.parse(data.max) + 15 * DAY, position: "top",
              splitLine: {show: true, lineStyle: {color: "#eee"}}},
      yAxis: {type: "category", inverse: true, data: rows.map(r => `${r.name}（${r.street}）`),
              axisLabel: {width: 240, overflow: "truncate"}},
      dataZoom: rows.length > VISIBLE_ROWS ? [
        {type: "slider", yAxisIndex: 0, startValue: 0, endValue: VISIBLE_ROWS - 1, right: 5, width: 14, zoomLock: true},
        {type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true}] : [],
      series: [series],
    });
    chart.on("click", p => { if (p.data && p.data.bar) window.location.href = rows[p.data.bar.row].url; });
    document.getElementById("battle-count").textContent =
      `${label.labelProjects} ${rows.length} · ${label.labelNodes} ${bars.length}` + (data.truncated ? " " + label.labelTruncated : "");
    el.dataset.loaded = "1";
  }

  function load() {
    const p = params();
    el.dataset.loaded = "";
    document.getElementById("export-link").href = label.exportUrl + "?" + p;
    document.getElementById("print-link").href = "?" + p + "&print=1";
    history.replaceState(null, "", "?" + p);
    fetch(el.dataset.url + "?" + p, {headers: {"Accept": "application/json"}})
      .then(r => r.json()).then(render);
  }
  form.addEventListener("change", load);
  form.addEventListener("submit", e => { e.preventDefault(); load(); });
  window.addEventListener("resize", () => chart && chart.resize());
  load();
})();
