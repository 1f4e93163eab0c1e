// Shared by every map page: page configuration, safe DOM building, URL state, JSON requests, basemap choice.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const map = window[config.mapName];

  // Text always goes in through textContent: facility names such as <script> or O'Brien "x" show literally.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setParam(name, value) {
    const url = new URL(window.location.href);
    if (value === null || value === undefined || value === "") url.searchParams.delete(name);
    else url.searchParams.set(name, value);
    window.history.replaceState(null, "", url.toString());
  }

  function status(text, isError) {
    const node = document.getElementById("status");
    if (!node) return;
    node.textContent = text || "";
    node.classList.toggle("error", Boolean(isError));
  }

  // A service's message ({code, values}) in the page's language; an answer without a known code as it came.
  function say(item) {
    const template = (config.messages || {})[item.code];
    if (!template) return item.message || item.text || item.code;
    return template.replace(/\{(\w+)\}/g, (_, name) => String((item.values || {})[name] ?? ""));
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) {
      const message = body && body.error ? say(body.error) : response.statusText;
      throw Object.assign(new Error(message), { status: response.status });
    }
    return body;
  }

  function title(item) {
    return config.lang === "en" ? item.title_en : item.title_zh;
  }

  L.control.scale({ imperial: false }).addTo(map);      // metric only (folium's scale adds miles)

  // The map is told whenever its box changes size (the phone panel opening or closing, rotation, resizing):
  // otherwise Leaflet keeps drawing tiles and markers in the old box and leaves the rest blank.
  const box = map.getContainer();
  let measured = box.clientWidth + "x" + box.clientHeight;
  new ResizeObserver(() => {
    const size = box.clientWidth + "x" + box.clientHeight;
    if (size !== measured) { measured = size; map.invalidateSize({ pan: false }); }
  }).observe(box);

  // A popup never outgrows the map (a phone with its panel open leaves little room): it scrolls instead.
  map.on("popupopen", (event) => {
    const room = Math.max(120, map.getSize().y - 90);
    if (event.popup.options.maxHeight !== room) { event.popup.options.maxHeight = room; event.popup.update(); }
  });

  // Keep the view in the URL so that a link reproduces it.
  map.on("moveend", function () {
    const c = map.getCenter();
    setParam("center", c.lng.toFixed(5) + "," + c.lat.toFixed(5));
    setParam("zoom", map.getZoom());
  });
  const params = new URL(window.location.href).searchParams;
  if (params.get("center")) {
    const [lng, lat] = params.get("center").split(",").map(Number);
    const zoom = Number(params.get("zoom")) || map.getZoom();
    if (Number.isFinite(lng) && Number.isFinite(lat)) map.setView([lat, lng], zoom);
  }

  // Choosing in a <select data-autosubmit> submits its form (no inline handlers: the CSP forbids them).
  for (const node of document.querySelectorAll("select[data-autosubmit]")) {
    node.addEventListener("change", () => node.form.submit());
  }

  const select = document.getElementById("basemap-select");
  if (select) {
    select.addEventListener("change", function () {
      setParam("basemap", select.value);
      window.location.reload();
    });
  }

  // Whether the page was opened with a view of its own (center/zoom in its link), before the map moved.
  const linkedView = Boolean(params.get("center"));

  window.CityMap = { config, map, el, setParam, status, getJSON, say, title, strings: config.strings, linkedView };
})();
