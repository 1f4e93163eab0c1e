// The planner map: service-radius circles of one facility type and the uncovered parts of each district.
"use strict";
(function () {
  const { config, map, el, status, getJSON, title } = window.CityMap;
  const layer = config.layer;

  async function draw() {
    try {
      const [gaps, facilities] = await Promise.all([
        getJSON(`${config.api.coverage}?crs=${config.crs}`),
        getJSON(`${config.api.facilities}?status=operational&crs=${config.crs}`),
      ]);
      L.geoJSON(gaps, { interactive: false, style: { stroke: false, fillColor: "#d73027", fillOpacity: 0.35 } }).addTo(map);
      const circles = L.layerGroup().addTo(map);
      for (const f of facilities.features) {
        const [lon, lat] = f.geometry.coordinates;
        const radius = config.radii[f.properties.adcode] || config.default_radius;
        L.circle([lat, lon], { radius, color: layer.color, weight: 1, fillColor: layer.color, fillOpacity: 0.12, interactive: false }).addTo(circles);
        L.circleMarker([lat, lon], { radius: 3, color: layer.color, weight: 1, fillOpacity: 1 })
          .bindTooltip(() => el("span", {}, `${f.properties.name} · ${radius} m`)).addTo(circles);
      }
      document.body.dataset.circlesDrawn = String(facilities.features.length);
      status("");
    } catch (error) { status(`${title(layer)}: ${error.message}`, true); }
  }
  draw();
})();
