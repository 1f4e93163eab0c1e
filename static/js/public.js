// The public facility map: layers with filters, nearest five, locate me, search by name.
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, title, strings } = window.CityMap;
  const groups = {};        // layer id -> Leaflet layer group on the map
  const byId = {};          // "layer/id" -> Leaflet layer, for search results and nearest highlights
  const highlight = L.layerGroup().addTo(map);

  function layerInfo(id) { return config.layers.find((l) => l.id === id); }

  function filterParams(id) {
    const params = new URLSearchParams({ crs: config.crs });
    const box = document.querySelector(`.filters[data-layer="${id}"]`);
    if (!box) return params;
    for (const input of box.querySelectorAll("input[data-param]")) {
      const value = input.type === "checkbox" ? (input.checked ? input.value : "") : input.value.trim();
      setParam(`${id}.${input.dataset.param}`, value);
      if (value !== "") params.set(input.dataset.param, value);
    }
    return params;
  }

  function popupContent(layer, feature) {
    const p = feature.properties;
    const rows = [];
    const add = (label, value) => { if (value !== null && value !== undefined && value !== "") rows.push(el("tr", {}, el("th", {}, label), el("td", {}, value))); };
    add(strings.kind, title(layer));
    for (const [key, value] of Object.entries(p)) {
      if (["name", "source", "adcode", "position_approximate"].includes(key)) continue;
      add(layer.fields[key] || key, typeof value === "boolean" ? (value ? "✓" : "✗") : value);
    }
    add(strings.source, p.source === "demo" ? strings.demo_notice : p.source);
    return el("div", { class: "popup" }, el("strong", {}, p.name || feature.id),
      p.position_approximate ? el("div", { class: "approx" }, "≈ " + strings.approximate) : null,
      el("table", {}, ...rows));
  }

  function draw(layer, feature) {
    const g = feature.geometry;
    let shape;
    if (g.type === "Point") {
      shape = L.circleMarker([g.coordinates[1], g.coordinates[0]], {
        radius: 7, color: "#fff", weight: 1.5, fillColor: layer.color, fillOpacity: 0.9,
        dashArray: feature.properties.status === "operational" ? null : "2 2",
      });
    } else {
      const lines = g.type === "LineString" ? [g.coordinates] : g.coordinates;
      shape = L.polyline(lines.map((line) => line.map((c) => [c[1], c[0]])), { color: layer.color, weight: 5 });
    }
    shape.bindPopup(() => popupContent(layer, feature));
    shape.feature = feature;
    byId[`${layer.id}/${feature.id}`] = shape;
    return shape;
  }

  async function load(id) {
    const layer = layerInfo(id);
    if (groups[id]) { map.removeLayer(groups[id]); delete groups[id]; }
    const counter = document.querySelector(`[data-count="${id}"]`);
    if (!currentLayers().includes(id)) { counter.textContent = ""; return; }
    counter.textContent = strings.loading;
    try {
      const url = config.api.facilities.replace("LAYER", id) + "?" + filterParams(id).toString();
      const data = await getJSON(url);
      const group = layer.geometry === "Point"
        ? L.markerClusterGroup({ disableClusteringAtZoom: 16, maxClusterRadius: 45, chunkedLoading: true })
        : L.featureGroup();
      for (const feature of data.features) group.addLayer(draw(layer, feature));
      groups[id] = group.addTo(map);
      counter.textContent = `(${data.features.length})`;
      counter.dataset.loaded = String(data.features.length);
    } catch (error) {
      counter.textContent = "";
      console.error(error);
      status(`${title(layer)}: ${error.message || error}`, true);
    }
  }

  function currentLayers() {
    return [...document.querySelectorAll('input[name="layer"]:checked')].map((i) => i.value);
  }

  for (const box of document.querySelectorAll('input[name="layer"]')) {
    box.addEventListener("change", () => { setParam("layers", currentLayers().join(",")); load(box.value); });
  }
  for (const input of document.querySelectorAll(".filters input")) {
    const id = input.closest(".filters").dataset.layer;
    input.addEventListener("change", () => load(id));
  }

  // Nearest five: to a clicked point, or to the user's position (browser geolocation is WGS-84).
  const nearestType = document.getElementById("nearest-type");
  nearestType.addEventListener("change", () => setParam("nearest", nearestType.value));
  async function nearest(lon, lat, fromCrs) {
    const id = nearestType.value;
    const params = filterParams(id);
    params.set("lon", lon); params.set("lat", lat); params.set("type", id); params.set("n", "5");
    params.set("crs", fromCrs); params.set("out_crs", config.crs);
    highlight.clearLayers();
    const list = document.getElementById("nearest-results");
    list.replaceChildren();
    try {
      const data = await getJSON(config.api.nearest + "?" + params.toString());
      const origin = [data.from.out_lat, data.from.out_lon];
      L.circleMarker(origin, { radius: 6, color: "#000", fillColor: "#ffeb3b", fillOpacity: 1, weight: 2 }).addTo(highlight);
      if (!data.results.length) list.append(el("li", {}, strings.no_results));
      for (const result of data.results) {
        const f = result.feature;
        const g = f.geometry.type === "Point" ? f.geometry.coordinates : (f.geometry.type === "LineString" ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0]);
        const target = [g[1], g[0]];
        L.polyline([origin, target], { color: "#000", weight: 1, dashArray: "4 4" }).addTo(highlight);
        L.circleMarker(target, { radius: 11, color: "#000", weight: 2, fill: false }).addTo(highlight);
        list.append(el("li", {}, el("button", { type: "button", class: "link", onclick: () => focus(id, f, target) },
          `${f.properties.name} · ${Math.round(result.distance_m)} ${strings.metres}`)));
      }
      map.fitBounds(highlight.getLayers().filter((l) => l.getLatLng).map((l) => l.getLatLng()), { maxZoom: 17, padding: [30, 30] });
    } catch (error) {
      status(error.message, true);
    }
  }
  map.on("click", (event) => nearest(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), config.crs));
  document.getElementById("locate-me").addEventListener("click", () => map.locate({ setView: false, enableHighAccuracy: true }));
  map.on("locationfound", (event) => nearest(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), "WGS84"));
  map.on("locationerror", (event) => status(event.message, true));

  function focus(id, feature, latlng) {
    const shape = byId[`${id}/${feature.id}`];
    map.setView(latlng, Math.max(map.getZoom(), 17));
    if (shape && groups[id] && groups[id].zoomToShowLayer) groups[id].zoomToShowLayer(shape, () => shape.openPopup());
    else if (shape) shape.openPopup();
    else L.popup().setLatLng(latlng).setContent(popupContent(layerInfo(id), feature)).openOn(map);
  }

  // Search by name over the layers shown.
  document.getElementById("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("search-text").value.trim();
    const list = document.getElementById("search-results");
    list.replaceChildren();
    if (!text) return;
    for (const id of currentLayers()) {
      const params = filterParams(id);
      params.set("q", text);
      const data = await getJSON(config.api.facilities.replace("LAYER", id) + "?" + params.toString());
      for (const f of data.features.slice(0, 20)) {
        const g = f.geometry.type === "Point" ? f.geometry.coordinates : f.geometry.coordinates[0];
        list.append(el("li", {}, el("button", { type: "button", class: "link", onclick: () => focus(id, f, [g[1], g[0]]) },
          `${f.properties.name} · ${title(layerInfo(id))}`)));
      }
    }
    if (!list.children.length) list.append(el("li", {}, strings.no_results));
  });

  window.CityMap.groups = groups;      // for the browser tests and for debugging
  for (const id of config.layers.map((l) => l.id)) load(id);
})();
