// The public facility map: layers with filters, nearest five, locate me, search by name.
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, title, strings, facilities, tiles } = window.CityMap;
  const groups = {};        // layer id -> its tile layer (static/js/tiles.js)
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

  // A layer drawn from its tiles with its filters; a filter change redraws it. The legend counts what the filters
  // keep in the whole layer.
  async function load(id) {
    const layer = layerInfo(id);
    const counter = document.querySelector(`[data-count="${id}"]`);
    if (!currentLayers().includes(id)) {
      if (groups[id]) map.removeLayer(groups[id]);
      counter.textContent = "";
      delete counter.dataset.loaded;
      return;
    }
    if (!groups[id]) groups[id] = tiles.layer(layer, { params: () => filterParams(id), style: facilities.tileStyle(layer), popup: facilities.popupContent });
    else groups[id].refresh();
    if (!map.hasLayer(groups[id])) groups[id].addTo(map);
    counter.textContent = strings["page.public.loading"];
    try {
      const n = await tiles.count(layer, filterParams(id));
      counter.textContent = `(${n})`;
      counter.dataset.loaded = String(n);
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
      if (!data.results.length) list.append(el("li", {}, strings["page.public.no_results"]));
      const layer = layerInfo(id);
      window.CityMap.nearestResults = data.results.map((r) => r.feature);      // for the browser tests
      for (const [i, result] of data.results.entries()) {
        const f = result.feature;
        const g = f.geometry.type === "Point" ? f.geometry.coordinates : (f.geometry.type === "LineString" ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0]);
        const target = [g[1], g[0]];
        L.polyline([origin, target], { color: "#000", weight: 1, dashArray: "4 4" }).addTo(highlight);
        // the result itself, numbered, above the clusters: a ring never circles a cluster instead of it
        const found = L.marker(target, { icon: L.divIcon({ html: rank(layer, i + 1), className: "symbol-icon nearest-icon", iconSize: [34, 34] }),
          zIndexOffset: 1000 - i, keyboard: false }).bindPopup(() => facilities.popupContent(layer, f)).addTo(highlight);
        found.feature = f;
        list.append(el("li", {}, el("button", { type: "button", class: "link", onclick: () => focus(id, f, target) },
          `${f.properties.name} · ${Math.round(result.distance_m)} ${strings["page.public.metres"]}`)));
      }
      map.fitBounds(highlight.getLayers().filter((l) => l.getLatLng).map((l) => l.getLatLng()), { maxZoom: 17, padding: [30, 30] });
    } catch (error) {
      status(error.message, true);
    }
  }
  tiles.onEmptyClick((event) => nearest(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), config.crs));
  document.getElementById("locate-me").addEventListener("click", () => map.locate({ setView: false, enableHighAccuracy: true }));
  map.on("locationfound", (event) => nearest(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), "WGS84"));
  map.on("locationerror", () => status(strings["page.public.locate_failed"], true));     // the browser's message is English

  function rank(layer, n) {
    const node = facilities.symbolNode(layer);
    node.classList.add("ranked");
    node.append(el("b", { class: "rank" }, n));
    return node;
  }

  // A search or nearest result: zoom to it (server clusters break up from zoom 17) and open its popup there.
  function focus(id, feature, latlng) {
    map.setView(latlng, Math.max(map.getZoom(), 17), { animate: false });
    L.popup().setLatLng(latlng).setContent(facilities.popupContent(layerInfo(id), feature)).openOn(map);
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
      params.set("limit", "20");
      const data = await getJSON(config.api.facilities.replace("LAYER", id) + "?" + params.toString());
      for (const f of data.features) {
        const g = f.geometry.type === "Point" ? f.geometry.coordinates : f.geometry.coordinates[0];
        list.append(el("li", {}, el("button", { type: "button", class: "link", onclick: () => focus(id, f, [g[1], g[0]]) },
          `${f.properties.name} · ${title(layerInfo(id))}`)));
      }
    }
    if (!list.children.length) list.append(el("li", {}, strings["page.public.no_results"]));
  });

  // The legend shows the very symbols the map draws.
  for (const node of document.querySelectorAll("[data-symbol]")) {
    const cluster = node.dataset.cluster;
    node.replaceChildren(facilities.symbolNode(layerInfo(node.dataset.symbol),
      { count: cluster === undefined ? undefined : Number(cluster), inactive: node.dataset.inactive === "true" }));
  }

  window.CityMap.groups = groups;      // for the browser tests and for debugging
  for (const id of config.layers.map((l) => l.id)) load(id);
})();
