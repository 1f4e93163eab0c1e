// The case heat layer on /districts: cases reported per km² (a 1 km grid, /api/cases/heat) drawn with leaflet.heat
// for the page's class and period, switched by the "heat map" toggle (kept in the URL as heat=1).
"use strict";
(function () {
  const { config, map, setParam, getJSON } = window.CityMap;
  const heat = config.heat;
  const toggle = document.getElementById("heat-toggle");
  const legend = document.getElementById("heat-legend");
  const message = document.getElementById("heat-status");
  // the colours of the legend's ramp (static/map.css .heat-ramp)
  const GRADIENT = { 0.4: "blue", 0.6: "cyan", 0.7: "lime", 0.8: "yellow", 1: "red" };
  const CELL_M = 1000;
  let layer = null;
  let saturation = 1;        // cases per km² drawn red: a high quantile of the cells, not the one hottest cell

  // A cell's size in pixels at the current zoom (Web Mercator metres per pixel at the map's centre).
  function cellPixels() {
    const metresPerPixel = 40075016.686 * Math.cos(map.getCenter().lat * Math.PI / 180) / (256 * 2 ** map.getZoom());
    return CELL_M / metresPerPixel;
  }

  // The spot of a cell grows with the zoom up to a cap: the city view merges neighbouring cells into hot spots,
  // a street view shows the 1 km cells as separate spots rather than one blob. leaflet.heat adds the cells that
  // fall in one bin (half a radius wide) and the spots of neighbouring bins overlap: the count drawn red grows
  // with the cells a bin holds and with the spots that overlap, so that red still means `saturation` per km².
  function options() {
    const cell = cellPixels();
    const radius = Math.round(Math.min(36, Math.max(9, 0.7 * cell)));
    const spacing = Math.max(cell, radius / 2);
    const perBin = (spacing / cell) ** 2;
    const overlap = Math.max(1, Math.PI * (radius / 2) ** 2 / spacing ** 2);
    return { radius, blur: Math.round(radius * 0.8), max: saturation * perBin * overlap, maxZoom: 0,
             minOpacity: 0.2, gradient: GRADIENT };
  }

  // The choropleth below fades while the heat layer is on (folium's GeoJSON layer: resetStyle restores it).
  function choropleth(fade) {
    map.eachLayer((drawn) => {
      if (!(drawn instanceof L.GeoJSON)) return;
      if (fade) drawn.setStyle({ fillOpacity: 0.15 });
      else drawn.resetStyle();
    });
  }

  function quantile(values, q) {
    if (!values.length) return 1;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  async function show() {
    legend.hidden = false;
    message.textContent = "…";
    const answer = await getJSON(`${heat.api}?${new URLSearchParams(heat.params)}`);
    saturation = Math.max(1, quantile(answer.cells.map((c) => c[2]), 0.98));
    document.getElementById("heat-max").textContent = String(saturation);
    document.getElementById("heat-demo").hidden = !answer.demo;
    message.textContent = answer.cells.length ? "" : heat.empty;
    if (!toggle.checked || layer) return;          // switched off meanwhile, or an earlier answer drew it
    choropleth(true);
    layer = L.heatLayer(answer.cells, options()).addTo(map);
    document.body.dataset.heatCells = String(answer.cells.length);     // for the tests
  }

  function hide() {
    legend.hidden = true;
    if (layer) map.removeLayer(layer);
    layer = null;
    choropleth(false);
  }

  function apply() {
    setParam("heat", toggle.checked ? "1" : null);
    if (!toggle.checked) { hide(); return; }
    show().catch((error) => { message.textContent = error.message; });
  }

  map.on("zoomend", () => { if (layer) layer.setOptions(options()); });
  toggle.addEventListener("change", apply);
  if (toggle.checked) apply();
})();
