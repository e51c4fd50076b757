// The cockpit page: draws every chart of the summary, the indicator picker of the ranking and
// the map, and the district switch (was an inline onchange=; a CSP forbids those).
(function () {
  "use strict";
  const source = document.getElementById("cockpit-charts");
  const charts = source ? JSON.parse(source.textContent) : {};
  const state = { indicator: null };
  const drawn = [];

  function drawAll() {
    drawn.length = 0;
    document.querySelectorAll("[data-chart]").forEach((el) => {
      const spec = charts[el.dataset.chart];
      if (!spec || typeof window.CockpitCharts === "undefined") return;
      const font = window.innerWidth < 576 ? 11 : 12;
      const chart = window.CockpitCharts.draw(el, spec, { font, indicator: state.indicator });
      if (chart) drawn.push(chart);
    });
  }

  document.querySelectorAll("[data-indicator-select]").forEach((select) => {
    const spec = charts[select.dataset.indicatorSelect];
    (spec ? spec.data.indicators : []).forEach((ind) => {
      const option = document.createElement("option");
      option.value = ind.code;
      option.textContent = ind.name;
      select.appendChild(option);
    });
    select.addEventListener("change", () => {
      state.indicator = select.value;
      document.querySelectorAll("[data-indicator-select]").forEach((other) => { other.value = select.value; });
      drawAll();
    });
  });

  document.querySelectorAll("[data-district-switch]").forEach((select) => {
    select.addEventListener("change", () => {
      window.location.assign(select.dataset.urlTemplate.replace("__code__", encodeURIComponent(select.value)));
    });
  });

  drawAll();
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => drawn.forEach((c) => c.resize()), 150);
  });
})();
