// The grid supervisor map: grids for the current view, a grid's contents and comparison, find by point.
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, title, strings } = window.CityMap;
  const gridsLayer = L.geoJSON(null, { style: gridStyle, onEachFeature: bindGrid }).addTo(map);
  let selected = config.grid;
  let pending = null;

  function gridStyle(feature) {
    const mine = !config.district || feature.properties.adcode === config.district;
    if (feature.id === selected) return { color: "#f57f17", weight: 3, fillColor: "#ffeb3b", fillOpacity: 0.55 };
    return mine ? { color: "#6a3d9a", weight: 1.2, fillColor: "#6a3d9a", fillOpacity: 0.15 }
                : { color: "#999", weight: 0.8, fillColor: "#999", fillOpacity: 0.05 };
  }

  function bindGrid(feature, layer) {
    layer.on("click", (event) => { L.DomEvent.stopPropagation(event); show(feature.id); });
    layer.bindTooltip(() => el("span", {}, `${feature.properties.name} · ${feature.id}`), { sticky: true });
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
    const lists = config.facilityLayers.filter((layer) => detail.contents[layer.id].count > 0).map((layer) =>
      el("details", {}, el("summary", {}, `${title(layer)} (${detail.contents[layer.id].count})`),
        el("ul", {}, ...detail.contents[layer.id].features.map((x) => el("li", {}, x.name || x.id)))));
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
    gridsLayer.setStyle(gridStyle);
    if (fit) map.fitBounds(L.geoJSON(detail.feature).getBounds(), { maxZoom: 16 });
    render(detail);
    status("");
  }

  async function at(lon, lat, crs, fit) {
    try {
      select(await getJSON(`${config.api.gridAt}?lon=${lon}&lat=${lat}&crs=${crs}`), fit);
    } catch (error) { status(error.message, true); }
  }

  map.on("moveend", loadView);
  map.on("click", (event) => at(event.latlng.lng.toFixed(7), event.latlng.lat.toFixed(7), config.crs, false));
  document.getElementById("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const lon = document.getElementById("find-lon").value.trim();
    const lat = document.getElementById("find-lat").value.trim();
    at(encodeURIComponent(lon), encodeURIComponent(lat), document.getElementById("find-crs").value, true);
  });
  if (selected) show(selected, !new URL(window.location.href).searchParams.get("center"));
  loadView();
})();
