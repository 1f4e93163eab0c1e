// The grid supervisor map: grids for the current view, a grid's contents and comparison, find by point.
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, title, strings, linkedView, tiles } = window.CityMap;
  // The chosen grid, drawn on top of the others from its own geometry (also when it lies outside the view).
  const chosen = L.geoJSON(null, { style: { color: "#e65100", weight: 4, fillColor: "#ffeb3b", fillOpacity: 0.5 }, interactive: false }).addTo(map);
  let selected = config.grid;

  function gridStyle(properties) {
    const mine = !config.district || properties.adcode === config.district;
    return mine ? { fill: true, color: "#6a3d9a", weight: 1.2, fillColor: "#6a3d9a", fillOpacity: 0.15 }
                : { fill: true, color: "#999", weight: 0.8, fillColor: "#999", fillOpacity: 0.05 };
  }

  // A district opens fitted, and at least at the zoom where grids are drawn; on a phone at the zoom where its grids
  // are big enough to tap (about 44 px a side).
  function tappableZoom() {
    const metresPerPixelAtZ0 = 40075016.686 * Math.cos(map.getCenter().lat * Math.PI / 180) / 256;
    return Math.ceil(Math.log2(44 * metresPerPixelAtZ0 / config.gridSideM));
  }
  const touch = window.matchMedia("(pointer: coarse), (max-width: 40rem)").matches;
  if (config.districtBounds && !linkedView) {
    map.fitBounds(config.districtBounds, { animate: false });
    const tappable = touch && config.gridSideM ? Math.min(tappableZoom(), 18) : 0;
    map.setZoom(Math.max(map.getZoom(), config.gridLayer.minZoom, tappable), { animate: false });
  }
  // The grids from vector tiles (added once the view is set: no tiles of a view left at once)
  const gridsLayer = tiles.layer(config.gridLayer, { style: gridStyle, minZoom: config.gridLayer.minZoom,
    tooltip: (p) => `${p.name} · ${p[config.gridLayer.idField]}` }).addTo(map);

  // Says when the grids are not drawn at this zoom, and how many are drawn once the view's tiles are in.
  function zoomHint() { document.getElementById("zoom-hint").hidden = map.getZoom() >= config.gridLayer.minZoom; }
  gridsLayer.on("load", () => {
    const codes = new Set(tiles.drawn(gridsLayer).map((item) => item.properties[config.gridLayer.idField]));
    document.body.dataset.gridsDrawn = String(codes.size);
  });

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
        el("dt", {}, strings["page.grid.code"]), el("dd", {}, f.id),
        el("dt", {}, strings["common.district"]), el("dd", {}, districtName(detail.adcode)),
        el("dt", {}, strings["page.grid.area"]), el("dd", {}, `${detail.area_km2.toFixed(3)} km²`)),
      el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, el("th", {}, strings["common.facility_type"]), el("th", { class: "num" }, strings["page.grid.count"]),
          el("th", { class: "num" }, strings["page.grid.per_km2"]), el("th", { class: "num" }, strings["page.grid.district_average"]),
          el("th", { class: "num" }, strings["page.grid.rank"]))),
        el("tbody", {}, ...rows))),
      el("p", { class: "hint" }, strings["page.grid.counts_include"]),
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
    } catch (error) { status(error.status === 404 ? strings["page.grid.no_grid_here"] : error.message, true); }
  }

  map.on("zoomend", zoomHint);
  // A click or tap is the grid containing that lon/lat, the same on a phone and on a desktop (no hit-testing of
  // drawn outlines).
  tiles.onEmptyClick((event) => at(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), config.crs, false));
  document.getElementById("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const lon = document.getElementById("find-lon").value.trim();
    const lat = document.getElementById("find-lat").value.trim();
    at(encodeURIComponent(lon), encodeURIComponent(lat), document.getElementById("find-crs").value, true);
  });
  if (selected) show(selected, !linkedView);
  zoomHint();
  window.CityMap.groups = { [config.gridLayer.id]: gridsLayer };     // for the browser tests
})();
