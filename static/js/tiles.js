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
  // Facility symbols above the vector overlays (Leaflet draws those on a canvas above its overlay pane's other
  // layers: district outlines, uncovered areas, service circles); grids below them, under a chosen grid's outline.
  map.createPane("facilityTiles").style.zIndex = 450;

  function tileUrl(layer, params) {
    params = new URLSearchParams(params);
    params.set("crs", config.crs);
    return config.tileApi.tiles.replace("LAYER", encodeURIComponent(layer.id)).replace("{z}", "{tileZoom}") + "?" + params.toString();
  }

  // Point and line layers are drawn in 512-pixel tiles, each the service's tile of one zoom lower: a quarter of the
  // requests for a view. Polygon layers (grids) keep 256-pixel tiles, so that they start at their own min_zoom.
  function tilePixels(layer) { return layer.geometry.endsWith("Polygon") ? 256 : 512; }

  // options: params() -> the layer's filters (URLSearchParams); style: VectorGrid style (object or function of
  // the feature's properties); popup(layer, feature) -> DOM node for a facility's popup (none: not clickable);
  // tooltip(properties) -> text shown while the pointer is over a feature; minZoom: no tiles are asked for below it.
  function layer(info, options) {
    const params = options.params || (() => new URLSearchParams());
    const pixels = tilePixels(info);
    const grid = L.vectorGrid.protobuf(tileUrl(info, params()), {
      rendererFactory: L.canvas.tile, vectorTileLayerStyles: { [info.id]: options.style }, interactive: false,
      tileSize: pixels, tileZoom: (data) => data.z - Math.log2(pixels / 256),
      maxZoom: 22, minZoom: options.minZoom || 0, pane: pixels === 256 ? "overlayPane" : "facilityTiles",
      getFeatureId: (f) => f.properties[info.idField],       // (needed for VectorGrid to keep the drawn tiles)
    });
    grid.info = info;
    grid.popup = options.popup;
    grid.tooltip = options.tooltip;
    grid.refresh = () => grid.setUrl(tileUrl(info, params()));       // redrawn from the new tiles
    grid.on("loading", () => { grid.ready = false; });
    grid.on("load", () => { grid.ready = true; });           // every tile of the view drawn
    grid.on("add", () => shown.push(grid));
    grid.on("remove", () => shown.splice(shown.indexOf(grid), 1));
    return grid;
  }

  // The features drawn from a tile layer's loaded tiles at the current zoom: {properties, latlng} each (a point's
  // position, the first vertex of a line or polygon).
  function drawn(grid) {
    const out = [];
    for (const [key, renderer] of Object.entries(grid._vectorTiles || {})) {
      const coords = grid._keyToTileCoords(key);
      if (coords.z !== grid._tileZoom) continue;
      const origin = coords.scaleBy(grid.getTileSize());
      for (const symbolizer of Object.values(renderer._layers || {})) {
        const at = symbolizer._point || symbolizer._parts[0][0];
        out.push({ properties: symbolizer.properties, latlng: map.unproject(origin.add(at), coords.z) });
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

  // Whether a drawn feature covers a point of its tile (in the tile's pixels): a point symbol's image, a polygon's
  // area, or within HIT_PX of a line.
  function covers(symbolizer, p) {
    if (symbolizer._point) {
      const icon = symbolizer.options.icon;
      return p.distanceTo(symbolizer._point) <= (icon ? icon.options.iconSize[0] / 2 : Math.max(symbolizer._radius || 0, HIT_PX));
    }
    if (symbolizer instanceof L.Polygon) {
      symbolizer._pxBounds = symbolizer._pxBounds || symbolizer._getPixelBounds();
      return symbolizer._containsPoint(p);
    }
    return distanceToLine(symbolizer, p) <= HIT_PX;
  }

  // The feature drawn at a map point by the tile layers that answer `wanted` (popup or tooltip), top layer
  // first, looked up in the tile under the point (a symbol is drawn, and so found, within its own tile).
  function featureAt(latlng, wanted) {
    for (const grid of [...shown].reverse()) {
      if (!grid[wanted] || grid._tileZoom === undefined) continue;
      const size = grid.getTileSize();
      const pixel = map.project(latlng, grid._tileZoom);
      const coords = pixel.unscaleBy(size).floor();
      coords.z = grid._tileZoom;
      const renderer = (grid._vectorTiles || {})[grid._tileCoordsToKey(coords)];
      if (!renderer) continue;
      const origin = coords.scaleBy(size), p = pixel.subtract(origin);
      const symbolizers = Object.values(renderer._layers || {}).reverse();        // the last drawn is on top
      const s = symbolizers.find((candidate) => covers(candidate, p));
      if (s) return { grid, properties: s.properties, latlng: s._point ? map.unproject(origin.add(s._point), coords.z) : latlng };
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
    const found = featureAt(event.latlng, "popup");
    if (!found) { if (emptyClick) emptyClick(event); return; }
    if (found.properties.cluster) map.setView(found.latlng, Math.min(map.getZoom() + 2, 18));
    else openFeature(found.grid, found.properties[found.grid.info.idField], found.latlng);
  });

  // A tooltip follows the pointer over the features of layers that have one (text, never HTML).
  const tooltip = L.tooltip({ direction: "top", offset: [0, -8] });
  let pointer = null;
  map.on("mousemove", (event) => {
    if (pointer === null) requestAnimationFrame(() => {
      const found = featureAt(pointer, "tooltip");
      pointer = null;
      if (!found) { map.closeTooltip(tooltip); return; }
      const node = document.createElement("span");
      node.textContent = found.grid.tooltip(found.properties);
      tooltip.setLatLng(found.latlng).setContent(node);
      if (!map.hasLayer(tooltip)) map.openTooltip(tooltip);
    });
    pointer = event.latlng;
  });
  map.on("mouseout", () => map.closeTooltip(tooltip));

  // How many features a layer has with these filters (OGC API numberMatched): the legend's count.
  async function count(info, params) {
    params = new URLSearchParams(params);
    params.delete("crs");
    params.set("limit", "1");
    const url = config.tileApi.items.replace("LAYER", encodeURIComponent(info.id)) + "?" + params.toString();
    return (await getJSON(url)).numberMatched;
  }

  window.CityMap.tiles = { layer, drawn, count, featureAt, onEmptyClick: (fn) => { emptyClick = fn; } };
})();
