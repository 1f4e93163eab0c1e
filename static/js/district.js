// A district's page: its grids and its facilities on the map beside its figures, with a legend to switch
// layers on and off (symbols and clusters as on the public map).
"use strict";
(function () {
  const { config, map, el, status, getJSON, title, facilities } = window.CityMap;
  const legend = document.getElementById("district-legend");
  const shown = {};

  async function load(layer, draw) {
    const params = new URLSearchParams({ adcode: config.adcode, crs: config.crs });
    const data = await getJSON(config.api.facilities.replace("LAYER", layer.id) + "?" + params.toString());
    shown[layer.id] = draw(data.features).addTo(map);
    return data.features.length;
  }

  function grids(features) {
    return L.geoJSON({ type: "FeatureCollection", features }, {
      style: { color: config.gridLayer.color, weight: 1, fillColor: config.gridLayer.color, fillOpacity: 0.06 },
      onEachFeature: (f, layer) => layer.bindTooltip(() => el("span", {}, `${f.properties.name} · ${f.id}`), { sticky: true }),
    });
  }

  function legendRow(layer, symbol) {
    const count = el("span", { class: "count" });
    const box = el("input", { type: "checkbox", checked: "checked", "aria-label": title(layer) });
    box.addEventListener("change", () => { if (shown[layer.id]) (box.checked ? shown[layer.id].addTo(map) : map.removeLayer(shown[layer.id])); });
    legend.append(el("li", {}, el("label", {}, box, symbol, title(layer), " ", count)));
    return count;
  }

  async function start() {
    const jobs = [[config.gridLayer, el("span", { class: "swatch" }), grids]];
    jobs[0][1].style.setProperty("--c", config.gridLayer.color);
    for (const layer of config.layers) {
      const symbol = layer.geometry === "Point" ? el("span", { class: "legend-symbol" }, facilities.symbolNode(layer))
        : el("span", { class: "swatch line" });
      symbol.style.setProperty("--c", layer.color);
      jobs.push([layer, symbol, (features) => facilities.group(layer, features)]);
    }
    const counters = jobs.map(([layer, symbol]) => legendRow(layer, symbol));
    try {
      const counts = await Promise.all(jobs.map(([layer, , draw]) => load(layer, draw)));
      counts.forEach((n, i) => { counters[i].textContent = `(${n})`; });
      document.body.dataset.layersLoaded = String(counts.length);
    } catch (error) { status(error.message, true); }
  }
  start();
})();
