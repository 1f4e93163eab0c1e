// Dense layers drawn from the service's vector tiles (/tiles/<layer>/<z>/<x>/<y>.mvt) with Leaflet.VectorGrid, the
// same for every map page: one function makes a layer's tile layer with its style, filters and popup.
//
// Tiles come in the basemap's coordinate system (crs=GCJ02 on Amap), with the layer's filters in their URL; a
// filter change redraws the layer from new tiles. Clicks are answered here, for every tile layer on the map at
// once (the tiles' canvases are not interactive: stacked canvases would hide each other's features): a server
// cluster zooms in, a facility opens its popup with the feature fetched by id from the API, and anywhere else the
// page's own click handler runs (nearest, grid at a point).
"use strict";
(function () {
  const { config, map, getJSON, status } = window.CityMap;
  const shown = [];                     // tile layers on the map, the last added on top
  const HIT_PX = 6;                     // how near a line a click must be
  let emptyClick = null;

  function tileUrl(layer, params) {
    params = new URLSearchParams(params);
    params.set("crs", config.crs);
    return config.tileApi.tiles.replace("LAYER", encodeURIComponent(layer.id)) + "?" + params.toString();
  }

  // options: params() -> the layer's filters (URLSearchParams); style: VectorGrid style (object or function of
  // the feature's properties); popup(layer, feature) -> DOM node for a facility's popup (none: not clickable);
  // pane: the Leaflet pane to draw in; minZoom: no tiles are asked for below it.
  function layer(info, options) {
    const params = options.params || (() => new URLSearchParams());
    const grid = L.vectorGrid.protobuf(tileUrl(info, params()), {
      rendererFactory: L.canvas.tile, vectorTileLayerStyles: { [info.id]: options.style }, interactive: false,
      maxZoom: 22, minZoom: options.minZoom || 0, pane: options.pane || "overlayPane",
      getFeatureId: (f) => f.properties[info.idField],       // (needed for VectorGrid to keep the drawn tiles)
    });
    grid.info = info;
    grid.popup = options.popup;
    grid.refresh = () => grid.setUrl(tileUrl(info, params()));       // redrawn from the new tiles
    grid.on("add", () => shown.push(grid));
    grid.on("remove", () => shown.splice(shown.indexOf(grid), 1));
    return grid;
  }

  // The features drawn from a tile layer's loaded tiles: {properties, latlng, symbolizer} each.
  function drawn(grid) {
    const out = [];
    for (const [key, renderer] of Object.entries(grid._vectorTiles || {})) {
      const coords = grid._keyToTileCoords(key);
      const origin = coords.scaleBy(grid.getTileSize());
      for (const symbolizer of Object.values(renderer._layers || {})) {
        const at = symbolizer._point ? map.unproject(origin.add(symbolizer._point), coords.z) : null;
        out.push({ properties: symbolizer.properties, latlng: at, symbolizer, coords });
      }
    }
    return out;
  }

  function distanceToLine(symbolizer, point) {
    let best = Infinity;
    for (const part of symbolizer._parts || []) {
      for (let i = 1; i < part.length; i++) best = Math.min(best, L.LineUtil.pointToSegmentDistance(point, part[i - 1], part[i]));
    }
    return best;
  }

  // The feature under a map point, top layer first: a point symbol whose image covers it, or a line within HIT_PX.
  function featureAt(latlng) {
    for (const grid of [...shown].reverse()) {
      if (!grid.popup) continue;
      for (const item of drawn(grid)) {
        if (item.coords.z !== grid._tileZoom) continue;
        const origin = item.coords.scaleBy(grid.getTileSize());
        const p = map.project(latlng, item.coords.z).subtract(origin);
        const s = item.symbolizer;
        const radius = s.options.icon ? s.options.icon.options.iconSize[0] / 2 : Math.max(s._radius || 0, HIT_PX);
        const hit = s._point ? p.distanceTo(s._point) <= radius : distanceToLine(s, p) <= HIT_PX;
        if (hit) return { grid, ...item, latlng: item.latlng || latlng };
      }
    }
    return null;
  }

  async function openFeature(grid, id, latlng) {
    try {
      const url = config.tileApi.item.replace("LAYER", encodeURIComponent(grid.info.id)).replace("ID", encodeURIComponent(id));
      const feature = await getJSON(url);
      L.popup().setLatLng(latlng).setContent(grid.popup(grid.info, feature)).openOn(map);
    } catch (error) { status(error.message, true); }
  }

  map.on("click", (event) => {
    const found = featureAt(event.latlng);
    if (!found) { if (emptyClick) emptyClick(event); return; }
    if (found.properties.cluster) map.setView(found.latlng, Math.min(map.getZoom() + 2, 18));
    else openFeature(found.grid, found.properties[found.grid.info.idField], found.latlng);
  });

  // How many features a layer has with these filters (OGC API numberMatched): the legend's count.
  async function count(info, params) {
    params = new URLSearchParams(params);
    params.delete("crs");
    params.set("limit", "1");
    const url = config.tileApi.items.replace("LAYER", encodeURIComponent(info.id)) + "?" + params.toString();
    return (await getJSON(url)).numberMatched;
  }

  window.CityMap.tiles = { layer, drawn, count, openFeature, onEmptyClick: (fn) => { emptyClick = fn; } };
})();
