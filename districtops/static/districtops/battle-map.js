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
  // Bars keep a readable thickness when a few projects share the whole height.
  const BAR_PX = 18, GHOST_PX = 26;
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
    const hasBaseline = !!data.baseline;
    // On a phone the project names get a narrower column so the time axis keeps most of the width.
    const narrow = el.clientWidth < 600;
    const labelWidth = narrow ? 110 : 240;
    // Ghost bars: the chosen baseline's plan, drawn behind the current bar, a little taller.
    const ghosts = {
      type: "custom",
      name: "baseline",
      silent: true,
      encode: {x: [1, 2], y: 0},
      data: hasBaseline ? bars.filter(b => b.base_start).map(b => ({
        value: [b.row, Date.parse(b.base_start), Date.parse(b.base_end) + DAY],
      })) : [],
      renderItem: function (params, api) {
        const start = api.coord([api.value(1), api.value(0)]);
        const end = api.coord([api.value(2), api.value(0)]);
        const h = Math.min(api.size([0, 1])[1] * 0.8, GHOST_PX);
        const rect = echarts.graphic.clipRectByRect(
          {x: start[0], y: start[1] - h / 2, width: Math.max(2, end[0] - start[0]), height: h},
          {x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height});
        return rect && {type: "rect", shape: rect, name: "ghost-bar",
                        style: {fill: "rgba(108,122,145,0.18)", stroke: "#6c7a91", lineWidth: 1, lineDash: [3, 2]}};
      },
    };
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
        const h = Math.min(api.size([0, 1])[1] * 0.6, BAR_PX);
        const rect = echarts.graphic.clipRectByRect(
          {x: start[0], y: start[1] - h / 2, width: Math.max(2, end[0] - start[0]), height: h},
          {x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height});
        const red = bars[params.dataIndex].slip_red;
        return rect && {type: "rect", shape: rect, name: red ? "node-bar-slip-red" : "node-bar",
                        style: api.style(red ? {stroke: "#d63939", lineWidth: 2} : {stroke: "#fff", lineWidth: 1})};
      },
      markLine: {symbol: "none", silent: true, label: {formatter: label.today},
                 lineStyle: {color: "#d63939", type: "dashed", width: 2},
                 data: [{xAxis: Date.parse(data.today)}]},
    };
    chart.setOption({
      animation: false,
      grid: {left: labelWidth + 20, right: narrow ? 24 : 40, top: 30, bottom: 40},
      tooltip: {formatter: p => {
        const b = p.data.bar, r = rows[b.row];
        return `${escapeHtml(r.name)}<br>${escapeHtml(b.name)}：${b.start} ~ ${b.end}<br>${escapeHtml(data.states[b.state].label)} · ${b.progress}%` +
               (b.actual_end ? `<br>${escapeHtml(label.labelActualEnd)} ${b.actual_end}` : "") +
               (b.base_start ? `<br>${escapeHtml(label.labelBaseline)} ${b.base_start} ~ ${b.base_end} · ${escapeHtml(label.labelSlip)} ${b.slip}` : "") +
               (b.slip_red ? `<br>${escapeHtml(label.labelSlipRed)}` : "");
      }},
      xAxis: {type: "time", min: Date.parse(data.min) - 15 * DAY, max: Date.parse(data.max) + 15 * DAY, position: "top",
              splitLine: {show: true, lineStyle: {color: "#eee"}}},
      yAxis: {type: "category", inverse: true, data: rows.map(r => `${r.name}（${r.street}）`),
              axisLabel: {width: labelWidth, overflow: "truncate"}},
      dataZoom: rows.length > VISIBLE_ROWS ? [
        {type: "slider", yAxisIndex: 0, startValue: 0, endValue: VISIBLE_ROWS - 1, right: 5, width: 14, zoomLock: true},
        {type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true}] : [],
      series: [ghosts, series],
    });
    chart.on("click", p => { if (p.data && p.data.bar) window.location.href = rows[p.data.bar.row].url; });
    renderSlips(data, rows, bars);
    document.getElementById("battle-count").textContent =
      `${label.labelProjects} ${rows.length} · ${label.labelNodes} ${bars.length}` + (data.truncated ? " " + label.labelTruncated : "");
    el.dataset.loaded = "1";
  }

  // The slip table: nodes whose plan moved since the last dispatch meeting first, then by slip.
  const SLIP_ROWS = 300;
  function renderSlips(data, rows, bars) {
    const box = document.getElementById("battle-slips");
    const title = document.getElementById("battle-baseline-name");
    if (!box) return;
    title.textContent = data.baseline ? `${data.baseline.kind_label} · ${data.baseline.name} · ${data.baseline.taken_at}` : "";
    const moved = bars.filter(b => b.moved || b.slip || b.slip_red);
    moved.sort((a, b) => (b.moved - a.moved) || (Math.abs(b.slip || 0) - Math.abs(a.slip || 0)) ||
                         rows[a.row].name.localeCompare(rows[b.row].name));
    if (!moved.length) {
      box.innerHTML = `<div class="card-body text-secondary">${escapeHtml(data.baseline ? label.labelNoSlips : label.labelNoBaseline)}</div>`;
      return;
    }
    const body = moved.slice(0, SLIP_ROWS).map(b => {
      const r = rows[b.row];
      const slip = b.slip === null ? "—" : (b.slip > 0 ? "+" + b.slip : String(b.slip));
      const cls = b.slip > 0 ? "text-red" : (b.slip < 0 ? "text-green" : "");
      return `<tr data-node="${b.node}"><td><a href="${escapeHtml(r.url)}">${escapeHtml(r.name)}</a><div class="small text-secondary">${escapeHtml(r.street)}</div></td>` +
             `<td>${escapeHtml(b.name)}${b.slip_red ? ` <span class="badge bg-red text-white">${escapeHtml(label.labelSlipRed)}</span>` : ""}</td>` +
             `<td class="small">${b.base_end || "—"}</td><td class="small">${b.end}</td>` +
             `<td class="text-end fw-bold ${cls}" data-testid="slip-days">${slip}</td>` +
             `<td>${b.moved ? `<span class="badge bg-orange text-white">${escapeHtml(label.labelYes)}</span>` : ""}</td></tr>`;
    }).join("");
    const more = moved.length > SLIP_ROWS
      ? `<div class="card-body small text-secondary">${escapeHtml(label.labelMore.replace("%(n)s", moved.length - SLIP_ROWS))}</div>` : "";
    box.innerHTML = `<table class="table card-table table-sm table-vcenter text-nowrap" data-testid="slip-table"><thead><tr>` +
      `<th>${escapeHtml(label.labelProject)}</th><th>${escapeHtml(label.labelNode)}</th><th>${escapeHtml(label.labelBaseEnd)}</th>` +
      `<th>${escapeHtml(label.labelEnd)}</th><th class="text-end">${escapeHtml(label.labelSlip)}</th><th>${escapeHtml(label.labelMoved)}</th>` +
      `</tr></thead><tbody>${body}</tbody></table>${more}`;
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
