// The map beside the work list (/work): the page's cases as points coloured by their deadline light (red overdue,
// amber due soon, green on time; the list says it in words too). A click on a point highlights its line and
// scrolls to it; a click on a line, or its 地图定位 button, highlights its point. On a phone the map is folded
// above the list at first (the list comes first in the street); opening or folding it is kept for the session.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const page = document.getElementById("work");
  const box = document.getElementById("work-map-box");
  const node = document.getElementById("work-map");
  if (!page || !box || !node || typeof L === "undefined") return;
  const config = JSON.parse(document.getElementById("work-config").textContent);
  const COLOURS = { overdue: "#d32f2f", soon: "#f2a900", on_time: "#2e7d32" };
  const phone = window.matchMedia("(max-width: 40rem)");
  const kept = sessionStorage.getItem("work-map-open");
  if (kept !== null) box.open = kept === "1";
  else if (phone.matches) box.open = false;

  const map = L.map(node, { minZoom: 7, maxZoom: 19 }).setView(config.centre, 11);
  for (const tiles of config.tiles) L.tileLayer(tiles.url, tiles).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  const markers = new Map();
  const style = (clock, selected) => ({
    radius: selected ? 11 : 8,
    color: selected ? "#0b3d78" : "#ffffff",
    weight: selected ? 4 : 2,
    fillColor: COLOURS[clock] || "#777777",
    fillOpacity: 0.95,
  });
  function draw(points) {
    for (const { marker } of markers.values()) marker.remove();
    markers.clear();
    for (const point of points) {
      const marker = L.circleMarker([point.lat, point.lon], style(point.clock, false)).addTo(map);
      const label = document.createElement("span");
      label.textContent = `${point.id} · ${config.strings["page.work.clock." + point.clock] || ""}`;
      marker.bindTooltip(label);
      marker.getElement().setAttribute("data-case", point.id);
      marker.on("click", () => select(point.id, "map"));
      markers.set(point.id, { marker, clock: point.clock });
    }
  }
  draw(config.points);
  // the list loaded again by a live update (work.js): the page's cases again, the view left where the user has it
  document.addEventListener("work-refreshed", (event) => {
    const points = event.detail.points, shown = !box.hidden;
    draw(points);
    box.hidden = points.length === 0;
    document.getElementById("work-body").classList.toggle("no-map", box.hidden);
    if (!box.hidden && !shown) { map.invalidateSize({ pan: false }); fit(); }
    if (chosen && markers.has(chosen)) select(chosen, "live");
  });

  let chosen = null;
  function select(id, from) {
    if (chosen && markers.has(chosen)) {
      const before = markers.get(chosen);
      before.marker.setStyle(style(before.clock, false));
      before.marker.getElement().removeAttribute("data-selected");
    }
    page.querySelectorAll(".work-line.selected").forEach((line) => line.classList.remove("selected"));
    chosen = id;
    const line = page.querySelector(`.work-line[data-case="${CSS.escape(id)}"]`);
    if (line) {
      line.classList.add("selected");
      if (from === "map") line.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    const found = markers.get(id);
    if (!found) return;
    found.marker.setStyle(style(found.clock, true)).bringToFront();
    found.marker.getElement().setAttribute("data-selected", "1");
    if (from === "list" && box.open) {
      map.panTo(found.marker.getLatLng());
      found.marker.openTooltip();
    }
  }

  function fit() {
    const points = [...markers.values()].map((m) => m.marker.getLatLng());
    if (points.length) map.fitBounds(L.latLngBounds(points), { padding: [28, 28], maxZoom: 16 });
  }
  fit();

  box.addEventListener("toggle", () => {
    sessionStorage.setItem("work-map-open", box.open ? "1" : "0");
    if (!box.open) return;
    map.invalidateSize({ pan: false });
    const found = chosen && markers.get(chosen);
    if (found) {
      map.setView(found.marker.getLatLng(), Math.max(map.getZoom(), 15));
      found.marker.openTooltip();
    } else fit();
  });

  page.addEventListener("click", (event) => {
    const line = event.target.closest(".work-line");
    if (!line) return;
    if (event.target.closest(".work-locate")) {
      select(line.dataset.case, "list");
      if (!box.open) box.open = true; // the toggle handler centres the point once the map has its size
      if (phone.matches) box.scrollIntoView({ block: "start", behavior: "smooth" });
      return;
    }
    if (event.target.closest("a, button, input, label, select")) return;
    select(line.dataset.case, "list");
  });
  window.WorkMap = { map, select, markers };
});
