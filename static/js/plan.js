// The planner map: service-radius circles, uncovered areas, and siting new facilities (run, export, save, reopen).
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, title, strings } = window.CityMap;
  const layer = config.layer;
  const proposal = L.layerGroup().addTo(map);
  // writes carry the session's CSRF token; only the owner of a scenario (or an admin) gets its delete button
  const csrf = { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]')?.content || "" };
  const saveForm = document.getElementById("save-form");
  const scenarioList = document.getElementById("scenario-list");
  const mayDelete = (s) => scenarioList.dataset.admin === "yes" || (scenarioList.dataset.user && s.owner === scenarioList.dataset.user);
  const loginLink = document.querySelector("#login-to-save a");
  if (loginLink) loginLink.addEventListener("click", () => { loginLink.search = `?next=${encodeURIComponent(location.pathname + location.search)}`; });

  async function drawCoverage() {
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
    } catch (error) { status(`${title(layer)}: ${error.message}`, true); }
  }

  const form = document.getElementById("siting-form");
  function query() {
    const data = new FormData(form);
    const params = new URLSearchParams({ type: data.get("type"), districts: data.getAll("district").join(",") });
    if (data.get("mode") === "k") params.set("k", data.get("k")); else params.set("target", data.get("target"));
    for (const name of ["radius", "spacing"]) if (data.get(name)) params.set(name, data.get(name));
    return params;
  }

  function show(result, savedName) {
    proposal.clearLayers();
    const cov = result.coverage;
    for (const f of result.sites.features) {
      let [lon, lat] = f.geometry.coordinates;
      const icon = L.divIcon({ className: "site-number", html: "", iconSize: [28, 28] });
      const marker = L.marker([lat, lon], { icon, title: String(f.properties.number) });
      marker.on("add", () => { marker.getElement().textContent = String(f.properties.number); });
      marker.bindTooltip(() => el("span", {}, `#${f.properties.number} · +${f.properties.adds_pct}%`));
      marker.addTo(proposal);
      const radius = result.request.radius_m || config.radii[f.properties.adcode] || config.default_radius;
      L.circle([lat, lon], { radius, color: "#7b3294", weight: 2, dashArray: "4 3", fill: false, interactive: false }).addTo(proposal);
    }
    if (result.sites.features.length) map.fitBounds(L.featureGroup(proposal.getLayers().filter((l) => l.getLatLng)).getBounds(), { padding: [30, 30], maxZoom: 15 });
    document.body.dataset.sitesDrawn = String(result.sites.features.length);
    const rows = cov.districts.map((d) => el("tr", {}, el("td", {}, config.districtNames[d.code] || d.code),
      el("td", { class: "num" }, d.before_pct), el("td", { class: "num" }, d.after_pct), el("td", { class: "num" }, d.new_sites)));
    const exportParams = new URLSearchParams(query());
    const links = ["geojson", "csv", "gpkg"].map((fmt) => {
      exportParams.set("format", fmt);
      return el("a", { href: `${config.api.sites}?${exportParams.toString()}`, download: "" }, fmt.toUpperCase());
    });
    const box = document.getElementById("siting-result");
    box.replaceChildren(...[
      savedName ? el("h3", {}, savedName) : null,
      el("p", {}, el("strong", {}, `${strings.coverage}: ${cov.before_pct}% → ${cov.after_pct}%`),
        ` · ${result.sites.features.length} · ${result.status} · ${result.seconds} ${strings.seconds}`),
      el("div", { class: "table-wrap" }, el("table", { id: "siting-table" },
        el("thead", {}, el("tr", {}, el("th", {}, strings.district), el("th", { class: "num" }, `${strings.before} %`),
          el("th", { class: "num" }, `${strings.after} %`), el("th", { class: "num" }, "+"))),
        el("tbody", {}, ...rows))),
      el("p", {}, `${strings.export}: `, ...links.flatMap((a, i) => (i ? [" · ", a] : [a]))),
      result.simplifications.length ? el("details", {}, el("summary", {}, strings.simplified),
        el("ul", { class: "notes" }, ...result.simplifications.map((n) => el("li", {}, n)))) : null,
    ].filter(Boolean));
    if (saveForm) saveForm.hidden = Boolean(savedName);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = query();
    for (const key of ["districts", "k", "target", "radius", "spacing"]) setParam(key, params.get(key));
    setParam("scenario", null);
    status(strings.running);
    try {
      show(await getJSON(`${config.api.sites}?${params.toString()}`));
      status("");
    } catch (error) { status(error.message, true); }
  });

  if (saveForm) saveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = query();
    body.set("name", new FormData(event.target).get("name"));
    const response = await fetch(config.api.scenarios, { method: "POST", body, headers: csrf });
    const answer = await response.json();
    if (!response.ok) { status(answer.error.message, true); return; }
    setParam("scenario", answer.id);
    event.target.hidden = true;
    listScenarios();
  });

  async function openScenario(id) {
    try {
      const scenario = await getJSON(`${config.api.scenarios}/${encodeURIComponent(id)}`);
      if (scenario.request.type !== layer.id) {
        window.location.href = `?type=${scenario.request.type}&scenario=${encodeURIComponent(id)}`;
        return;
      }
      setParam("scenario", id);
      show(scenario.result, scenario.name);
    } catch (error) { status(error.message, true); }
  }

  async function listScenarios() {
    const data = await getJSON(config.api.scenarios);
    scenarioList.replaceChildren(...data.scenarios.map((s) => el("li", {},
      el("button", { type: "button", class: "link", onclick: () => openScenario(s.id) }, `${s.name} (${s.before_pct}% → ${s.after_pct}%)`),
      " ",
      mayDelete(s) ? el("button", { type: "button", class: "link", onclick: async () => {
        const response = await fetch(`${config.api.scenarios}/${encodeURIComponent(s.id)}`, { method: "DELETE", headers: csrf });
        if (!response.ok) status((await response.json()).error.message, true);
        listScenarios();
      } }, strings.delete) : null)));
  }

  drawCoverage();
  listScenarios();
  const opened = new URL(window.location.href).searchParams.get("scenario");
  if (opened) openScenario(opened);
})();
