// The big screen: scales the 1920×1080 canvas to the display, renders the figures and charts
// (ECharts' dark theme), rotates the alerts page by page so that every one is shown, cycles the
// indicator of the growth chart and the map, and refreshes the data from the JSON endpoint.
(function () {
  "use strict";
  const W = 1920, H = 1080;
  const canvas = document.getElementById("screen");
  let data = JSON.parse(document.getElementById("screen-data").textContent);
  let scale = 1;
  let indicatorIndex = 0;
  let alertPage = 0;
  let alertPages = [];
  const text = canvas.dataset; // the translated words, from the template

  // A phone: the panels in one column (bigscreen.css, the same query), nothing scaled.
  const column = window.matchMedia("(max-width: 700px)");

  function fit() {
    if (column.matches) {
      scale = 1;
      canvas.style.transform = "";
      return;
    }
    scale = Math.min(window.innerWidth / W, window.innerHeight / H);
    const left = (window.innerWidth - W * scale) / 2, top = (window.innerHeight - H * scale) / 2;
    canvas.style.transform = "translate(" + left + "px," + top + "px) scale(" + scale + ")";
  }

  // No text is cut: a tile's label or value, or a panel's title, that does not fit its box
  // gets smaller type, one pixel at a time, down to a floor (the design sizes come back first).
  function fitText() {
    canvas.querySelectorAll(".fig .label, .fig .value, .panel h2").forEach((el) => {
      el.style.fontSize = "";
      let size = parseFloat(getComputedStyle(el).fontSize);
      const floor = Math.min(size, 10);
      while ((el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) && size > floor) {
        size -= 1;
        el.style.fontSize = size + "px";
      }
    });
  }

  function field(name, text) {
    const el = canvas.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = text;
  }

  function tile(f) {
    const a = document.createElement("a");
    a.className = "fig light-" + (f.light || "none");
    a.href = f.url || "#";
    const label = document.createElement("div");
    label.className = "label";
    label.textContent = f.label;
    const value = document.createElement("div");
    value.className = "value";
    value.textContent = f.text;
    if (f.value !== null && f.unit) {
      const unit = document.createElement("span");
      unit.className = "unit";
      unit.textContent = f.unit;
      value.appendChild(unit);
    }
    a.append(label, value);
    return a;
  }

  function figures() {
    canvas.querySelectorAll("[data-figures]").forEach((box) => {
      const list = (data[box.dataset.figures] || []).slice(0, 6);
      box.replaceChildren(...list.map(tile));
    });
  }

  function growthCharts() {
    return Object.values(data.charts).filter((c) => c.kind === "growth" && !c.empty);
  }

  function mapIndicators() {
    const map = data.charts.peer_map;
    return map && !map.empty ? map.data.indicators : [];
  }

  function chartOptions() {
    const dpr = (window.devicePixelRatio || 1) * Math.max(scale, 1);
    return { theme: "dark", big: true, font: 16, dpr };
  }

  function drawCharts() {
    const growth = growthCharts();
    const indicators = mapIndicators();
    const current = growth.length ? growth[indicatorIndex % growth.length] : null;
    const code = current ? current.key.replace(/^growth_/, "") : null;
    const onMap = indicators.find((i) => i.code === code) || indicators[indicatorIndex % Math.max(indicators.length, 1)];
    field("growth-title", current ? current.title : "");
    field("map-title", onMap ? onMap.name + "（" + data.statistics_period_label + "）" : "");
    canvas.querySelectorAll("[data-screen-chart]").forEach((el) => {
      const key = el.dataset.screenChart;
      const spec = key === "growth" ? current : data.charts[key];
      let drawn = null;
      if (spec && !spec.empty) {
        drawn = window.CockpitCharts.draw(el, spec, Object.assign(chartOptions(), { indicator: onMap ? onMap.code : null }));
      }
      if (!drawn) {
        const chart = echarts.getInstanceByDom(el);
        if (chart) chart.dispose();
        const p = document.createElement("p");
        p.className = "empty";
        p.textContent = (spec && spec.empty) || text.textNoData;
        el.replaceChildren(p);
      }
    });
  }

  // Alerts: split into pages that fit the list, then show one page after another.
  function alerts() {
    const list = canvas.querySelector(".alerts");
    const items = data.warnings.length ? data.warnings : null;
    list.replaceChildren();
    if (!items) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = text.textNoAlerts;
      list.appendChild(li);
      alertPages = [[li]];
      field("alerts-page", "");
      return;
    }
    const lis = items.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
      return li;
    });
    alertPages = [];
    let page = [];
    lis.forEach((li) => { li.hidden = true; });
    lis.forEach((li) => {
      li.hidden = false;
      page.push(li);
      if (list.scrollHeight > list.clientHeight && page.length > 1) {
        page.pop();
        li.hidden = true;
        alertPages.push(page);
        page.forEach((x) => { x.hidden = true; });
        page = [li];
        li.hidden = false;
      }
    });
    if (page.length) alertPages.push(page);
    lis.forEach((li) => { li.hidden = true; });
    alertPage = alertPage % alertPages.length;
    showAlerts();
  }

  function showAlerts() {
    alertPages.forEach((page, i) => page.forEach((li) => { li.hidden = i !== alertPage; }));
    const total = data.warnings.length;
    field("alerts-page", total ? text.textAlertsPage.replace("{total}", total).replace("{page}", alertPage + 1).replace("{pages}", alertPages.length) : "");
    fitText();
  }

  function nextAlerts() {
    alertPage = (alertPage + 1) % Math.max(alertPages.length, 1);
    showAlerts();
    return alertPages[alertPage].map((li) => li.textContent);
  }

  function render() {
    field("statistics", data.statistics_period_label ? text.textStatistics + " " + data.statistics_period_label : text.textNoStatistics);
    field("as-of", text.textAsOf + " " + data.as_of_text);
    figures();
    drawCharts();
    alerts();
    fitText(); // the tiles' heights are fixed (bigscreen.css), so the alerts' pages stay as split
  }

  function refresh() {
    return fetch(canvas.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((fresh) => { if (fresh) { data = fresh; render(); } })
      .catch(() => {}); // offline for a moment: keep showing the last figures
  }

  fit();
  render();
  window.addEventListener("resize", () => {
    fit();
    canvas.querySelectorAll("[data-screen-chart]").forEach((el) => { const c = echarts.getInstanceByDom(el); if (c) c.dispose(); });
    drawCharts();
    alerts();
    fitText();
  });
  const rotate = Number(canvas.dataset.rotateSeconds) * 1000;
  setInterval(() => { indicatorIndex += 1; drawCharts(); nextAlerts(); }, rotate); // nextAlerts fits the titles
  setInterval(refresh, Number(canvas.dataset.refreshSeconds) * 1000);
  window.cockpitScreen = { nextAlerts, refresh, pages: () => alertPages.map((p) => p.map((li) => li.textContent)) };
})();
