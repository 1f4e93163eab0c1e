// The grid supervisor map: grids for the current view, a grid's contents and comparison, find by point.
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, title, strings, linkedView } = window.CityMap;
  const gridsLayer = L.geoJSON(null, { style: gridStyle, onEachFeature: bindGrid }).addTo(map);
  // The chosen grid, drawn on top of the others from its own geometry (also when it lies outside the view).
  const chosen = L.geoJSON(null, { style: { color: "#e65100", weight: 4, fillColor: "#ffeb3b", fillOpacity: 0.5 }, interactive: false }).addTo(map);
  let selected = config.grid;
  let pending = null;

  function gridStyle(feature) {
    const mine = !config.district || feature.properties.adcode === config.district;
    return mine ? { color: "#6a3d9a", weight: 1.2, fillColor: "#6a3d9a", fillOpacity: 0.15 }
                : { color: "#999", weight: 0.8, fillColor: "#999", fillOpacity: 0.05 };
  }

  // A click or tap on a grid is answered by the map's click handler: the grid containing that lon/lat, the same
  // on a phone and on a desktop (no hit-testing of drawn outlines). The tooltip is text, never HTML.
  function bindGrid(feature, layer) {
    layer.bindTooltip(() => el("span", {}, `${feature.properties.name} · ${feature.id}`), { sticky: true });
  }

  // On a phone, open a district at the zoom where its grids are big enough to tap (about 44 px a side).
  function tappableZoom() {
    const metresPerPixelAtZ0 = 40075016.686 * Math.cos(map.getCenter().lat * Math.PI / 180) / 256;
    return Math.ceil(Math.log2(44 * metresPerPixelAtZ0 / config.gridSideM));
  }
  const touch = window.matchMedia("(pointer: coarse), (max-width: 40rem)").matches;
  if (config.districtBounds && !linkedView) {
    map.fitBounds(config.districtBounds, { animate: false });
    if (touch && config.gridSideM) map.setZoom(Math.max(map.getZoom(), Math.min(tappableZoom(), 18)), { animate: false });
  }

  async function loadView() {
    const hint = document.getElementById("zoom-hint");
    if (map.getZoom() < config.minZoom) { gridsLayer.clearLayers(); hint.hidden = false; return; }
    hint.hidden = true;
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    const request = getJSON(`${config.api.grids}?bbox=${bbox}&crs=${config.crs}`);
    pending = request;
    try {
      const data = await request;
      if (pending !== request) return;          // a newer view was asked for meanwhile
      gridsLayer.clearLayers();
      gridsLayer.addData(data.features);
      document.body.dataset.gridsDrawn = String(data.features.length);
    } catch (error) { status(error.message, true); }
  }

  function statusLabel(layer, value) {
    const labels = layer.values.status || {};
    return labels[value] || value;
  }

  function districtName(code) {
    const names = config.districtNames[code];
    return names ? names[config.lang === "en" ? "en" : "zh"] : code;
  }

  function render(detail) {
    const box = document.getElementById("grid-detail");
    const f = detail.feature;
    const rows = config.facilityLayers.map((layer) => {
      const c = detail.comparison[layer.id];
      return el("tr", {}, el("td", {}, title(layer)), el("td", { class: "num" }, c.count),
        el("td", { class: "num" }, c.per_km2 === null ? "–" : c.per_km2),
        el("td", { class: "num" }, c.district_grids_per_km2),
        el("td", { class: "num" }, `${c.rank_in_district}/${c.grids_in_district}`));
    });
    // Every facility inside, with its status; the counts above include only the operational ones, and say so.
    const lists = config.facilityLayers.filter((layer) => detail.contents[layer.id].count > 0).map((layer) => {
      const items = detail.contents[layer.id].features;
      const operational = items.filter((x) => x.status === "operational").length;
      return el("details", {}, el("summary", {}, `${title(layer)}: ${items.length}` +
          (operational === items.length ? "" : ` (${statusLabel(layer, "operational")} ${operational})`)),
        el("ul", {}, ...items.map((x) => el("li", {}, x.name || x.id,
          x.status && x.status !== "operational" ? el("span", { class: "tag status" }, statusLabel(layer, x.status)) : null))));
    });
    box.replaceChildren(
      el("h2", {}, f.properties.name),
      el("dl", { class: "kv" },
        el("dt", {}, strings.code), el("dd", {}, f.id),
        el("dt", {}, strings.district), el("dd", {}, districtName(detail.adcode)),
        el("dt", {}, strings.area), el("dd", {}, `${detail.area_km2.toFixed(3)} km²`)),
      el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, el("th", {}, strings.facility_type), el("th", { class: "num" }, strings.count),
          el("th", { class: "num" }, strings.per_km2), el("th", { class: "num" }, strings.district_average),
          el("th", { class: "num" }, strings.rank))),
        el("tbody", {}, ...rows))),
      el("p", { class: "hint" }, strings.counts_include),
      ...lists);
  }

  async function show(code, fit) {
    try {
      const detail = await getJSON(config.api.grid.replace("CODE", encodeURIComponent(code)) + `?crs=${config.crs}`);
      select(detail, fit);
    } catch (error) { status(error.message, true); }
  }

  function select(detail, fit) {
    selected = detail.feature.id;
    setParam("grid", selected);
    chosen.clearLayers();
    chosen.addData(detail.feature);
    document.body.dataset.chosenGrid = selected;
    if (fit) map.fitBounds(L.geoJSON(detail.feature).getBounds(), { maxZoom: 16 });
    render(detail);
    status("");
  }

  async function at(lon, lat, crs, fit) {
    try {
      select(await getJSON(`${config.api.gridAt}?lon=${lon}&lat=${lat}&crs=${crs}`), fit);
    } catch (error) { status(error.status === 404 ? strings.no_grid_here : error.message, true); }
  }

  map.on("moveend", loadView);
  map.on("click", (event) => at(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), config.crs, false));
  document.getElementById("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const lon = document.getElementById("find-lon").value.trim();
    const lat = document.getElementById("find-lat").value.trim();
    at(encodeURIComponent(lon), encodeURIComponent(lat), document.getElementById("find-crs").value, true);
  });
  if (selected) show(selected, !linkedView);
  loadView();
})();
