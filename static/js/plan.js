// The planner map: service-radius circles, uncovered areas, and siting new facilities (a job with its stages,
// cancel, export, save, reopen).
"use strict";
(function () {
  const { config, map, el, setParam, status, getJSON, say, title, strings, facilities, tiles } = window.CityMap;
  const layer = config.layer;
  const proposal = L.layerGroup().addTo(map);
  const LABEL_PX = 30;          // a numbered site label's size on screen, its border included
  const POLL_MS = 500;
  const FINAL = ["done", "failed", "cancelled"];
  let siteMarkers = [];
  let job = null;               // the URL of the run shown (or running), for its exports and for saving it
  // writes carry the session's CSRF token; only the owner of a scenario (or an admin) gets its delete button
  const csrf = { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]')?.content || "" };
  const saveForm = document.getElementById("save-form");
  const scenarioList = document.getElementById("scenario-list");
  const mayDelete = (s) => scenarioList.dataset.admin === "yes" || (scenarioList.dataset.user && s.owner === scenarioList.dataset.user);
  const loginLink = document.querySelector("#login-to-save a");
  if (loginLink) loginLink.addEventListener("click", () => { loginLink.search = `?next=${encodeURIComponent(location.pathname + location.search)}`; });

  // The operational facilities from vector tiles (server clusters as on the public map; a click opens a popup)
  // and, once the view's tiles are in, each one's service circle with its district's radius, drawn by Leaflet
  // over the whole map (a circle drawn in a tile would be cut at the tile's edge).
  const clusterStyle = facilities.tileStyle(layer);
  const dot = { radius: 3, fill: true, color: layer.color, weight: 1, fillColor: layer.color, fillOpacity: 1 };
  const served = tiles.layer(layer, { params: () => new URLSearchParams({ status: "operational" }),
    style: (properties, zoom) => (properties.cluster ? clusterStyle(properties, zoom) : dot), popup: facilities.popupContent });
  const circles = L.layerGroup().addTo(map);
  window.CityMap.groups = { [layer.id]: served };         // for the browser tests
  served.on("load", () => {
    const singles = new Map();
    for (const item of tiles.drawn(served)) if (!item.properties.cluster) singles.set(item.properties[layer.idField], item);
    circles.clearLayers();
    for (const { properties, latlng } of singles.values()) {
      const radius = config.radii[properties.adcode] || config.default_radius;
      L.circle(latlng, { radius, color: layer.color, weight: 1, fillColor: layer.color, fillOpacity: 0.12, interactive: false }).addTo(circles);
    }
    document.body.dataset.circlesDrawn = String(singles.size);
  });

  async function drawCoverage() {
    try {
      const gaps = await getJSON(`${config.api.coverage}?crs=${config.crs}`);
      L.geoJSON(gaps, { interactive: false, style: { stroke: false, fillColor: "#d73027", fillOpacity: 0.35 } }).addTo(map);
      served.addTo(map);
    } catch (error) { status(`${title(layer)}: ${error.message}`, true); }
  }

  const form = document.getElementById("siting-form");
  const FIELDS = ["radius", "spacing", "demand", "candidates"];
  function query() {
    const data = new FormData(form);
    const params = new URLSearchParams({ type: data.get("type"), districts: data.getAll("district").join(",") });
    if (data.get("mode") === "k") params.set("k", data.get("k")); else params.set("target", data.get("target"));
    for (const name of FIELDS) if (data.get(name)) params.set(name, data.get(name));
    return params;
  }

  // The form as a request asked (a reopened scenario): what is shown is what the form says.
  function restoreForm(request) {
    for (const box of form.querySelectorAll("input[name=district]")) box.checked = request.districts.includes(box.value);
    const mode = request.k ? "k" : "target";
    form.querySelector(`input[name=mode][value=${mode}]`).checked = true;
    if (request.k) form.elements.k.value = request.k;
    if (request.target_pct) form.elements.target.value = request.target_pct;
    form.elements.radius.value = request.radius_m || "";
    form.elements.spacing.value = request.spacing_m;
    form.elements.demand.value = request.demand;
    form.elements.candidates.value = request.candidates;
    rememberForm();
  }

  function rememberForm() {
    const params = query();
    for (const key of ["districts", "k", "target", ...FIELDS]) setParam(key, params.get(key));
  }

  // A number whose label would overlap a lower-numbered one's shows as a dot (its number stays in its tooltip).
  function declutter() {
    const shown = [];
    for (const marker of siteMarkers) {
      const node = marker.getElement();
      if (!node) continue;
      const p = map.latLngToContainerPoint(marker.getLatLng());
      const clash = shown.some((q) => Math.abs(q.x - p.x) < LABEL_PX && Math.abs(q.y - p.y) < LABEL_PX);
      node.classList.toggle("dot", clash);
      marker.setZIndexOffset(clash ? -1000 : 1000);
      if (!clash) shown.push(p);
    }
  }
  map.on("zoomend", declutter);

  // From the list of sites: the site close up, its number shown.
  function showSite(marker) {
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
    marker.openTooltip();
  }

  function measureName(coverage) {
    return strings[`page.plan.measure.${coverage.measure}`] || strings["page.plan.coverage"];
  }

  function show(result, exportsUrl, savedName) {
    proposal.clearLayers();
    siteMarkers = [];
    const cov = result.coverage;
    for (const f of result.sites.features) {
      const [lon, lat] = f.geometry.coordinates;
      const icon = L.divIcon({ className: "site-number", html: "", iconSize: [28, 28] });
      const marker = L.marker([lat, lon], { icon, title: String(f.properties.number) });
      marker.on("add", () => { marker.getElement().textContent = String(f.properties.number); });
      marker.bindTooltip(() => el("span", {}, `#${f.properties.number} · +${f.properties.adds_pct}%`));
      marker.addTo(proposal);
      siteMarkers.push(marker);
      const radius = result.request.radius_m || config.radii[f.properties.adcode] || config.default_radius;
      L.circle([lat, lon], { radius, color: "#7b3294", weight: 2, dashArray: "4 3", fill: false, interactive: false }).addTo(proposal);
    }
    if (siteMarkers.length) map.fitBounds(L.featureGroup(siteMarkers).getBounds(), { padding: [30, 30], maxZoom: 15 });
    declutter();
    document.body.dataset.sitesDrawn = String(result.sites.features.length);
    const rows = cov.districts.map((d) => el("tr", {}, el("td", {}, config.districtNames[d.code] || d.code),
      el("td", { class: "num" }, d.before_pct), el("td", { class: "num" }, d.after_pct), el("td", { class: "num" }, d.new_sites)));
    const sites = result.sites.features.map((f, i) => el("tr", {},
      el("td", {}, el("button", { type: "button", class: "link", onclick: () => showSite(siteMarkers[i]) }, `#${f.properties.number}`)),
      el("td", { class: "num" }, f.properties.adds_km2_or_weight), el("td", { class: "num" }, f.properties.adds_pct)));
    const unit = cov.measure === "demand_weight" ? "" : " (km²)";
    const links = ["geojson", "csv", "gpkg"].map((fmt) =>
      el("a", { href: `${exportsUrl}?format=${fmt}`, download: "", translate: "no" }, fmt.toUpperCase()));
    const box = document.getElementById("siting-result");
    box.replaceChildren(...[
      savedName ? el("h3", {}, savedName) : null,
      el("p", {}, el("strong", { class: "measure" }, `${measureName(cov)}: ${cov.before_pct}% → ${cov.after_pct}%`),
        ` · ${result.sites.features.length} · ${say({ code: result.status })} · ${result.seconds} ${strings["page.plan.seconds"]}`),
      el("div", { class: "table-wrap" }, el("table", { id: "siting-table" },
        el("thead", {}, el("tr", {}, el("th", {}, strings["common.district"]), el("th", { class: "num" }, `${strings["page.plan.before"]} %`),
          el("th", { class: "num" }, `${strings["page.plan.after"]} %`), el("th", { class: "num" }, "+"))),
        el("tbody", {}, ...rows))),
      el("div", { class: "table-wrap" }, el("table", { id: "sites-table" },
        el("thead", {}, el("tr", {}, el("th", {}, strings["page.plan.site"]), el("th", { class: "num" }, `${strings["page.plan.adds"]}${unit}`),
          el("th", { class: "num" }, `${strings["page.plan.adds"]} %`))),
        el("tbody", {}, ...sites))),
      el("p", { class: "hint" }, strings["page.plan.method_note"]),
      el("p", { class: "exports" }, `${strings["page.plan.export"]}: `, ...links.flatMap((a, i) => (i ? [" · ", a] : [a]))),
      result.simplifications.length ? el("details", {}, el("summary", {}, strings["page.plan.simplified"]),
        el("ul", { class: "notes" }, ...result.simplifications.map((n) => el("li", {}, say(n))))) : null,
    ].filter(Boolean));
    if (saveForm) saveForm.hidden = Boolean(savedName);
  }

  const progress = document.getElementById("siting-progress");
  function showStage(stage) {
    const at = config.stages.indexOf(stage);
    for (const item of progress.querySelectorAll("li")) {
      const index = config.stages.indexOf(item.dataset.stage);
      item.classList.toggle("done", stage === "done" || (at >= 0 && index < at));
      item.classList.toggle("current", index === at);
    }
    document.body.dataset.jobStage = stage;
  }

  const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  async function runJob(params) {
    const response = await fetch(config.api.jobs, { method: "POST", body: params, headers: csrf });
    const answer = await response.json();
    if (response.status === 503) throw new Error(strings["page.plan.busy"].replace("{s}", response.headers.get("Retry-After") || "30"));
    if (!response.ok) throw new Error(say(answer.error));
    await follow(answer.url);
  }

  // Poll a run until it ends, showing its stage; the URL keeps it, so a reload or a link follows it again.
  async function follow(url) {
    job = url;
    setParam("job", url.split("/").pop());
    progress.hidden = false;
    showStage("starting");
    let state = await getJSON(job);
    while (!FINAL.includes(state.state)) {
      showStage(state.stage);
      await sleep(POLL_MS);
      state = await getJSON(job);
    }
    progress.hidden = true;
    document.body.dataset.jobState = state.state;
    if (state.state === "failed") throw new Error(say(state.error));
    if (state.state === "cancelled") { status(strings["page.plan.cancelled"]); return; }
    showStage("done");
    show(state.result, job);
    status("");
  }

  const runButton = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    rememberForm();
    setParam("scenario", null);
    status(strings["page.plan.running"]);
    runButton.disabled = true;          // one run at a time from this page
    try { await runJob(query()); } catch (error) { progress.hidden = true; status(error.message, true); }
    runButton.disabled = false;
  });

  document.getElementById("siting-cancel").addEventListener("click", async () => {
    if (job) await fetch(job, { method: "DELETE", headers: csrf });
  });

  if (saveForm) saveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams({ name: new FormData(event.target).get("name"), job: job.split("/").pop() });
    const response = await fetch(config.api.scenarios, { method: "POST", body, headers: csrf });
    const answer = await response.json();
    if (!response.ok) { status(say(answer.error), true); return; }
    setParam("scenario", answer.id);
    setParam("job", null);
    event.target.hidden = true;
    for (const link of document.querySelectorAll("#siting-result .exports a")) {
      link.href = `${config.api.scenarios}/${encodeURIComponent(answer.id)}?${new URL(link.href).searchParams}`;
    }
    listScenarios();
  });

  async function openScenario(id) {
    try {
      const scenario = await getJSON(`${config.api.scenarios}/${encodeURIComponent(id)}`);
      if (scenario.request.type !== layer.id) {
        window.location.href = `?type=${encodeURIComponent(scenario.request.type)}&scenario=${encodeURIComponent(id)}`;
        return;
      }
      restoreForm(scenario.request);
      setParam("scenario", id);
      setParam("job", null);
      job = null;
      show(scenario.result, `${config.api.scenarios}/${encodeURIComponent(id)}`, scenario.name);
    } catch (error) { status(error.message, true); }
  }

  async function listScenarios() {
    const data = await getJSON(config.api.scenarios);
    scenarioList.replaceChildren(...data.scenarios.map((s) => el("li", {},
      el("button", { type: "button", class: "link", onclick: () => openScenario(s.id) }, `${s.name} (${s.before_pct}% → ${s.after_pct}%)`),
      " ",
      mayDelete(s) ? el("button", { type: "button", class: "link", onclick: async () => {
        const response = await fetch(`${config.api.scenarios}/${encodeURIComponent(s.id)}`, { method: "DELETE", headers: csrf });
        if (!response.ok) status(say((await response.json()).error), true);
        listScenarios();
      } }, strings["page.plan.delete"]) : null)));
  }

  drawCoverage();
  listScenarios();
  const params = new URL(window.location.href).searchParams;
  if (params.get("scenario")) openScenario(params.get("scenario"));
  else if (params.get("job")) {
    follow(`${config.api.jobs}/${encodeURIComponent(params.get("job"))}`).catch((error) => {
      progress.hidden = true;
      setParam("job", null);
      status(error.message, true);
    });
  }
})();
