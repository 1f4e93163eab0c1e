// A district's page: its grids and its facilities on the map beside its figures, drawn from vector tiles with the
// district as their filter, and a legend to switch layers on and off (symbols and clusters as on the public map).
"use strict";
(function () {
  const { config, map, el, status, title, strings, facilities, tiles } = window.CityMap;
  const legend = document.getElementById("district-legend");
  const params = () => new URLSearchParams({ adcode: config.adcode });

  function legendRow(layer, symbol, drawn) {
    const count = el("span", { class: "count" });
    const box = el("input", { type: "checkbox", checked: "checked", "aria-label": title(layer) });
    box.addEventListener("change", () => (box.checked ? drawn.addTo(map) : map.removeLayer(drawn)));
    legend.append(el("li", {}, el("label", {}, box, symbol, title(layer), " ", count)));
    return count;
  }

  async function start() {
    const gridStyle = { fill: true, color: config.gridLayer.color, weight: 1, fillColor: config.gridLayer.color, fillOpacity: 0.06 };
    const rows = [[config.gridLayer, el("span", { class: "swatch" }),
      tiles.layer(config.gridLayer, { params, style: gridStyle, minZoom: config.gridLayer.minZoom })]];
    rows[0][1].style.setProperty("--c", config.gridLayer.color);
    for (const layer of config.layers) {
      const symbol = layer.geometry === "Point" ? el("span", { class: "legend-symbol" }, facilities.symbolNode(layer))
        : el("span", { class: "swatch line" });
      symbol.style.setProperty("--c", layer.color);
      rows.push([layer, symbol, tiles.layer(layer, { params, style: facilities.tileStyle(layer), popup: facilities.popupContent })]);
    }
    const counters = rows.map(([layer, symbol, drawn]) => legendRow(layer, symbol, drawn.addTo(map)));
    window.CityMap.groups = Object.fromEntries(rows.map(([layer, , drawn]) => [layer.id, drawn]));   // for the tests
    try {
      const counts = await Promise.all(rows.map(([layer]) => tiles.count(layer, params())));
      counts.forEach((n, i) => { counters[i].textContent = `(${n})`; });
      // grids are drawn from their layer's min_zoom on: below it the legend says to zoom in
      const gridHint = () => { counters[0].textContent = `(${counts[0]})` + (map.getZoom() < config.gridLayer.minZoom ? ` · ${strings["common.grid_zoom"]}` : ""); };
      map.on("zoomend", gridHint);
      gridHint();
      document.body.dataset.layersLoaded = String(counts.length);
    } catch (error) { status(error.message, true); }
  }
  start();
})();
