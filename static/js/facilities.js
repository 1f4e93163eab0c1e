// Facilities on a map, shared by the public map and the district pages. Each layer has its own shape, pictogram
// and colour (the catalog's style.icon and style.color) for single facilities, for clusters (the layer's colour
// and shape with the count) and in the legend, so that a phone user can tell toilets from bike stations.
// Everything is built as DOM nodes with text, never as HTML strings.
"use strict";
(function () {
  const { el, title, strings } = window.CityMap;
  const SVG = "http://www.w3.org/2000/svg";
  // Pictograms in a 20x20 box, drawn white on the layer's colour. Unknown icons get a plain dot.
  const ICONS = {
    restroom: { shape: "circle", paths: [
      "M5.2 4.2a1.6 1.6 0 1 0 3.2 0a1.6 1.6 0 1 0-3.2 0M5 6.8h3.6v5.2h-.9v4.4H5.9V12H5z",
      "M12.4 4.2a1.6 1.6 0 1 0 3.2 0a1.6 1.6 0 1 0-3.2 0M14 6.6l2.6 6h-1.7v3.8h-1.8v-3.8h-1.7z"] },
    bicycle: { shape: "rounded", stroke: true, paths: [
      "M2.6 13a3 3 0 1 0 6 0a3 3 0 1 0-6 0M11.4 13a3 3 0 1 0 6 0a3 3 0 1 0-6 0",
      "M5.6 13l2.6-6h4.6l1.6 6M8.2 7l2.4 6h3.8M7.2 5h2.4"] },
    "square-parking": { shape: "square", paths: ["M6 16.5V3.5h4.6a4.1 4.1 0 0 1 0 8.2H8.6v4.8zM8.6 6v3.2h2a1.6 1.6 0 0 0 0-3.2z"] },
    recycle: { shape: "diamond", paths: ["M6 6.2h8v1.4H6zM8.3 4.2h3.4v1.4H8.3zM6.8 8.4h6.4l-.8 7.6H7.6z"] },
  };

  function pictogram(icon) {
    const spec = ICONS[icon];
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("aria-hidden", "true");
    for (const d of spec ? spec.paths : ["M6 10a4 4 0 1 0 8 0a4 4 0 1 0-8 0"]) {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      if (spec && spec.stroke) { path.setAttribute("fill", "none"); path.setAttribute("stroke", "#fff"); path.setAttribute("stroke-width", "1.6"); }
      else path.setAttribute("fill", "#fff");
      svg.append(path);
    }
    return svg;
  }

  function shapeOf(layer) { return (ICONS[layer.icon] || { shape: "circle" }).shape; }

  // The symbol as a DOM node: for markers, clusters (with a count) and legends.
  function symbolNode(layer, options) {
    const node = document.createElement("span");
    node.className = `symbol shape-${shapeOf(layer)}` + (options && options.inactive ? " inactive" : "");
    node.style.setProperty("--c", layer.color);
    node.dataset.layer = layer.id;
    if (options && options.count !== undefined) {
      node.classList.add("cluster");
      const count = document.createElement("b");
      count.textContent = String(options.count);
      node.append(pictogram(layer.icon), count);
    } else node.append(pictogram(layer.icon));
    return node;
  }

  // The same symbol as an image for the vector-tile canvas (static/js/tiles.js): the layer's shape and colour with a
  // white border (dashed dark when not operational) and pictogram; a cluster adds a halo and its count. Smaller
  // below zoom 15, where a view holds many facilities; a server cluster of one facility looks like a facility.
  const XML = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  const xml = (text) => String(text).replace(/[&<>"']/g, (c) => XML[c]);
  function shapeSvg(shape, size, inset, attrs) {
    const a = inset, b = size - inset, m = size / 2;
    if (shape === "circle") return `<circle cx="${m}" cy="${m}" r="${m - inset}" ${attrs}/>`;
    if (shape === "diamond") return `<polygon points="${m},${a} ${b},${m} ${m},${b} ${a},${m}" ${attrs}/>`;
    const r = shape === "rounded" ? (b - a) * 0.32 : 3;
    return `<rect x="${a}" y="${a}" width="${b - a}" height="${b - a}" rx="${r}" ${attrs}/>`;
  }
  const icons = {};
  function clusterSize(count) { return count < 10 ? 32 : count < 100 ? 38 : 44; }
  function tileIcon(layer, properties, zoom) {
    const count = properties.cluster && Number(properties.count) > 1 ? Number(properties.count) : undefined;
    const inactive = count === undefined && properties.status !== undefined && properties.status !== "operational";
    const factor = zoom >= 15 ? 1 : zoom >= 13 ? 0.85 : 0.7;
    const key = `${layer.id}/${count === undefined ? (inactive ? "inactive" : "single") : count}/${factor}`;
    if (icons[key]) return icons[key];
    const spec = ICONS[layer.icon];
    const shape = shapeOf(layer), colour = xml(layer.color);
    const size = Math.round((count === undefined ? 26 : clusterSize(count)) * factor);
    const halo = count === undefined ? "" : shapeSvg(shape, size, 0, `fill="${colour}" fill-opacity="0.4"`);
    const inset = count === undefined ? 1.5 : 4.5 * factor;
    const edge = inactive ? 'stroke="#222" stroke-width="2" stroke-dasharray="3 2"' : 'stroke="#fff" stroke-width="2"';
    const body = shapeSvg(shape, size, inset, `fill="${colour}" ${edge}` + (inactive ? ' fill-opacity="0.8"' : ""));
    const scale = count === undefined ? (size - 2 * inset) * 0.8 / 20 : (size - 2 * inset) * 0.45 / 20;
    const offset = count === undefined ? (size - 20 * scale) / 2 : size / 2 - 10 * scale;
    const top = count === undefined ? offset : size * 0.16;
    const paint = spec && spec.stroke ? 'fill="none" stroke="#fff" stroke-width="1.6"' : 'fill="#fff"';
    const paths = (spec ? spec.paths : ["M6 10a4 4 0 1 0 8 0a4 4 0 1 0-8 0"]).map((d) => `<path d="${d}" ${paint}/>`).join("");
    const label = count === undefined ? "" : `<text x="${size / 2}" y="${size * 0.78}" text-anchor="middle" font-size="${Math.max(9, Math.round(11 * factor))}" ` +
      `font-weight="bold" font-family="sans-serif" fill="#fff">${count}</text>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">` +
      `${halo}${body}<g transform="translate(${offset} ${top}) scale(${scale})">${paths}</g>${label}</svg>`;
    icons[key] = L.icon({ iconUrl: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg), iconSize: [size, size] });
    return icons[key];
  }

  // How a layer is drawn from its tiles: points as their symbol (clusters with their count), lines in its colour.
  function tileStyle(layer) {
    if (layer.geometry === "Point") return (properties, zoom) => ({ icon: tileIcon(layer, properties, zoom) });
    return { color: layer.color, weight: 5, opacity: 0.9 };
  }

  // OSM opening_hours as people read it: "24/7" and day names in the page language.
  const DAYS = { Mo: "周一", Tu: "周二", We: "周三", Th: "周四", Fr: "周五", Sa: "周六", Su: "周日", PH: "节假日", off: "休息" };
  function hours(text) {
    if (text === "24/7") return strings["map.open_24_7"];
    if (window.CityMap.config.lang === "en") return text;
    return text.replace(/\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|off)\b/g, (d) => DAYS[d]).replace(/-(?=周)/g, "至");
  }

  // A field's value as the page shows it: the catalog's label for known values, ✓/✗ for yes/no fields.
  function shown(layer, key, value) {
    if (typeof value === "boolean") return value ? "✓" : "✗";
    if (key === "opening_hours" && typeof value === "string") return hours(value);
    const labels = layer.values[key];
    return labels && Object.prototype.hasOwnProperty.call(labels, value) ? labels[value] : value;
  }

  function popupContent(layer, feature) {
    const p = feature.properties;
    const rows = [];
    const add = (label, value) => { if (value !== null && value !== undefined && value !== "") rows.push(el("tr", {}, el("th", {}, label), el("td", {}, value))); };
    add(strings["common.kind"], title(layer));
    for (const [key, value] of Object.entries(p)) {
      if (["name", "source", "adcode", "position_approximate"].includes(key)) continue;
      add(layer.fields[key] || key, shown(layer, key, value));
    }
    add(strings["common.source"], p.source === "demo" ? strings["site.demo_notice"] : p.source);
    const id = p[layer.idField] ?? feature.id;        // (the "data wrong?" report names the facility: cases_report.js)
    return el("div", { class: "popup", "data-layer": layer.id, "data-id": id == null ? "" : String(id) }, el("strong", {}, p.name || feature.id),
      p.position_approximate ? el("div", { class: "approx" }, "≈ " + strings["map.approximate"]) : null,
      el("table", {}, ...rows));
  }

  window.CityMap.facilities = { symbolNode, popupContent, tileStyle };
})();
