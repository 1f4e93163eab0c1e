// Cases on the supervisor map (/grid): the open cases of the view from vector tiles (/tiles/cases, overdue ones
// red), the chosen grid's queue (/api/grids/<code>/queue, overdue first), a case's detail with its history and
// photos, and the steps the logged-in user's role allows, sent with the version the page saw: when someone else
// changed the case first the answer is 409, said plainly, and the case is reloaded. The steps that need a reason
// (核实不属实, 不予立案, 延期 and 回退 requests, 不同意, 返工, 重新打开) come last, never as the primary button, and
// ask for a reason (and a 延期 its hours) and a confirmation before they are sent; 督办 asks its note; 核实 needs a
// photo taken on site. A pending 延期 or 回退 request and the 督办 flag are shown on the case; the note fields offer
// the reply phrases (惯用语) of the case's class and step. The case shown is in the URL (?case=<id>). Every text
// from a case (description, address, notes) goes in through textContent.
"use strict";
(function () {
  const { config, map, el, setParam, getJSON, tiles } = window.CityMap;
  const { send, className } = window.CityMap.cases;
  const cases = config.cases, strings = config.strings, user = cases.user;
  const detailBox = document.getElementById("case-detail");
  const queueBox = document.getElementById("case-queue");
  const when = new Intl.DateTimeFormat(config.lang === "en" ? "en-GB" : "zh-CN",
    { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const time = (text) => (text ? when.format(new Date(text)) : "–");

  // ---- the open cases of the view, from tiles ----
  function caseStyle(p) {
    if (p.cluster) return { radius: Math.min(8 + Math.log2(p.count) * 3, 22), fill: true, fillColor: "#ef6c00", fillOpacity: 0.8, color: "#fff", weight: 2 };
    return p.overdue ? { radius: 7, fill: true, fillColor: "#d32f2f", fillOpacity: 0.95, color: "#4a0000", weight: 2 }
                     : { radius: 6, fill: true, fillColor: "#1e88e5", fillOpacity: 0.9, color: "#fff", weight: 2 };
  }
  const caseLayer = tiles.layer({ id: "cases", idField: "id", geometry: "Point" }, {
    style: caseStyle, pane: "markerPane",
    tooltip: (p) => (p.cluster ? `${strings["case.cases"]}: ${p.count}` : `${className(p.service_code)} · ${p.id}${p.overdue ? " · " + strings["case.overdue"] : ""}`),
  }).addTo(map);
  caseLayer.caseOpen = true;            // found by tiles.featureAt(latlng, "caseOpen")
  // The case shown, ringed on the map: at its drawn position when tapped, otherwise at the position the API gives
  // in the basemap's coordinate system (?crs=: GCJ-02 on Amap, converted by the service)
  const ring = L.circleMarker([0, 0], { radius: 13, color: "#000", weight: 3, fill: false, interactive: false, className: "case-ring" });
  map.on("click", (event) => {
    const found = tiles.featureAt(event.latlng, "caseOpen");
    if (!found || found.grid !== caseLayer) return;
    if (found.properties.cluster) map.setView(found.latlng, Math.min(map.getZoom() + 2, 18));
    else openCase(found.properties.id, false, null, false, found.latlng);
  });

  // ---- a grid's queue (the grid chosen on the map: grid.js marks it on <body>) ----
  async function loadQueue(code) {
    if (!code) { queueBox.replaceChildren(); return; }
    try {
      const queue = await getJSON(cases.api.queue.replace("CODE", encodeURIComponent(code)));
      const items = queue.cases.map((c) => el("li", { class: c.overdue ? "overdue" : "" },
        el("button", { type: "button", class: "link", "data-case": c.id, onclick: () => openCase(c.id, true) },
          el("span", { translate: "no" }, c.id), ` · ${className(c.service_code)} · ${cases.statuses[c.status]} · ${strings["case.due"]} ${time(c.due_at)}`),
        c.overdue ? el("span", { class: "tag overdue" }, strings["case.overdue"]) : null,
        c.supervision ? el("span", { class: "tag supervised" }, strings["case.supervised"]) : null,
        c.pending_request ? el("span", { class: "tag pending" }, strings["case.pending"]) : null));
      queueBox.replaceChildren(
        el("h2", {}, `${strings["case.queue"]} (${queue.count}${queue.overdue ? ` · ${strings["case.overdue"]} ${queue.overdue}` : ""})`),
        items.length ? el("ol", { class: "results case-queue" }, ...items) : el("p", { class: "hint" }, strings["case.queue_empty"]));
    } catch (error) { queueBox.replaceChildren(el("p", { class: "status error" }, error.message)); }
  }
  new MutationObserver(() => loadQueue(document.body.dataset.chosenGrid))
    .observe(document.body, { attributes: true, attributeFilter: ["data-chosen-grid"] });

  // ---- one case ----
  function mayTake(action, c) {
    if (!user) return false;
    if (user.role === "admin") return true;
    const role = cases.actions[action];
    if (role !== user.role) return false;
    if (role === "supervisor") return !c.grid_code || user.grids.includes(c.grid_code);
    if (role === "handler") return c.department === user.department;
    return true;
  }

  function row(label, value) {
    return value === null || value === undefined || value === "" ? [] : [el("dt", {}, label), el("dd", {}, value)];
  }

  // ---- the reply phrases (惯用语) of a class, fetched once per class ----
  const phraseLists = {};
  function phrasesOf(code) {
    if (!phraseLists[code]) {
      phraseLists[code] = getJSON(`${cases.api.phrases}?service_code=${encodeURIComponent(code)}`)
        .then((answer) => answer.phrases).catch(() => []);
    }
    return phraseLists[code];
  }

  // A list of the phrases of these steps that fills `target` (a note field): hidden when there are none.
  function phraseChooser(c, actions, target, id) {
    const select = el("select", { id, class: "case-phrases", "aria-label": strings["case.phrases"] },
      el("option", { value: "" }, strings["case.phrases"]));
    select.hidden = true;
    phrasesOf(c.service_code).then((list) => {
      for (const action of actions) {
        const words = list.filter((p) => p.action === action).map((p) => (config.lang === "en" ? p.en : p.zh));
        if (words.length) select.append(el("optgroup", { label: strings[`case.action.${action}`] }, ...words.map((w) => el("option", { value: w }, w))));
      }
      select.hidden = select.options.length <= 1;
    });
    select.addEventListener("change", () => {
      if (!select.value) return;
      target.value = target.value.trim() ? `${target.value.trim()} ${select.value}` : select.value;
      target.dispatchEvent(new Event("input"));
      select.value = "";
    });
    return select;
  }

  function hoursInput(id, label, value) {
    const input = el("input", { id, type: "number", min: "0.5", step: "0.5", max: String(cases.extensionMaxH), inputmode: "decimal", "aria-label": label });
    if (value) input.value = String(value);
    return el("label", { class: "case-hours" }, `${label} `, input);
  }

  function actionsFor(c) {
    if (!user) return el("p", { class: "hint" }, el("a", { href: `${cases.api.login}?next=${encodeURIComponent(location.pathname + location.search)}` }, strings["case.login_to_act"]));
    const mine = c.allowed_actions.filter((a) => mayTake(a, c));
    if (!mine.length) return el("p", { class: "hint" }, strings["case.no_actions"]);
    const note = el("textarea", { id: "case-note", rows: "2", maxlength: "1000", placeholder: strings["case.note"], "aria-label": strings["case.note"] });
    const department = el("select", { id: "case-department", "aria-label": strings["case.department"] },
      ...Object.entries(cases.departments).map(([code, name]) => {
        const option = el("option", { value: code }, name);
        if (code === (c.department || (cases.classes.find((k) => k.code === c.service_code) || {}).department)) option.selected = true;
        return option;
      }));
    // 核实 needs a photo taken on site; approving a 延期 grants the hours asked, or fewer
    const photo = el("input", { type: "file", accept: "image/*", capture: "environment", multiple: "", id: "case-photo" });
    const asked = c.pending_request && c.pending_request.action === "extend" ? c.pending_request.hours : null;
    const granted = mine.includes("approve") && asked ? hoursInput("case-hours-granted", strings["case.hours_granted"], asked) : null;
    // the usual step first and primary; 督办 set apart; the steps that need a reason (核实不属实, 不予立案, 延期,
    // 回退, 不同意, 返工, 重新打开) last, set apart and never primary: they open a small form asking the reason and
    // a confirmation before anything is sent
    const flags = (a) => a === "supervise" || a === "unsupervise";
    const ordered = [...mine.filter((a) => !careful(a) && !flags(a)), ...mine.filter(flags), ...mine.filter(careful)];
    const confirmBox = el("div", { class: "case-confirm", id: "case-confirm", hidden: "" });
    const row = el("div", { class: "row" });
    const message = el("p", { class: "status error", id: "case-step-message", role: "status", hidden: "" });
    row.append(...ordered.map((action, n) => el("button", { type: "button",
      class: careful(action) ? `secondary${mild(action) ? "" : " danger"}` : flags(action) ? "secondary" : n === 0 ? "primary" : "",
      "data-action": action,
      onclick: () => {
        if (careful(action) || cases.noteRequired.includes(action)) return ask(c, action, row, confirmBox);
        if (cases.photoRequired.includes(action) && !photo.files.length) {
          message.textContent = strings["case.photo_needed"];
          message.hidden = false;
          return photo.focus();
        }
        const hours = action === "approve" && granted ? granted.querySelector("input").value : null;
        return take(c, action, note.value, department.value, null, { hours, photos: action === "confirm" ? [...photo.files] : [] });
      },
    }, strings[`case.action.${action}`])));
    const usual = mine.filter((a) => !careful(a) && !cases.noteRequired.includes(a));
    return el("div", { class: "case-actions" }, el("h3", {}, strings["case.actions"]),
      mine.includes("dispatch") ? el("label", {}, `${strings["case.department"]} `, department) : null,
      mine.some((a) => cases.photoRequired.includes(a)) ? el("label", { class: "case-photo-input" }, `${strings["case.photo_onsite"]} `, photo) : null,
      granted,
      phraseChooser(c, usual, note, "case-phrase"), note, message, row, confirmBox);
  }

  const careful = (action) => action in cases.reasons;
  const mild = (action) => action === "reopen" || action === "extend";  // a step back or a request, not a loss

  // The reason (a code, and a text that "other" needs; a 延期 its hours) and a confirmation of a careful step, or
  // the note 督办 needs; cancel sends nothing.
  function ask(c, action, row, box) {
    const name = strings[`case.action.${action}`];
    const reasons = cases.reasons[action];
    const choice = reasons ? el("select", { id: "case-reason", "aria-label": strings["case.why"], required: "" },
      el("option", { value: "" }, strings["case.reason_choose"]),
      ...reasons.map((r) => el("option", { value: r.code }, r.name))) : null;
    const hint = reasons ? strings["case.reason_note"] : strings["case.supervise_note"];
    const text = el("textarea", { id: "case-reason-note", rows: "2", maxlength: "1000", placeholder: hint, "aria-label": hint });
    const hours = action === "extend" ? hoursInput("case-hours", strings["case.hours_asked"], null) : null;
    const hoursValue = () => (hours ? Number(hours.querySelector("input").value) : null);
    const ready = () => (choice ? Boolean(choice.value) && (choice.value !== "other" || Boolean(text.value.trim())) : Boolean(text.value.trim()))
      && (!hours || (hoursValue() > 0 && hoursValue() <= cases.extensionMaxH));
    const confirm = el("button", { type: "button", class: `secondary${mild(action) || !reasons ? "" : " danger"}`, id: "case-confirm-send", disabled: "",
      onclick: () => { if (ready()) take(c, action, text.value, null, choice ? choice.value : null, { hours: hours ? hours.querySelector("input").value : null }); } },
      `${strings["case.confirm"]}: ${name}`);
    const update = () => { confirm.disabled = !ready(); };
    if (choice) choice.addEventListener("change", update);
    text.addEventListener("input", update);
    if (hours) hours.addEventListener("input", update);
    const cancel = el("button", { type: "button", id: "case-confirm-cancel", onclick: () => {
      box.hidden = true; box.replaceChildren();
      for (const b of row.querySelectorAll("button")) b.disabled = false;
    } }, strings["case.cancel"]);
    for (const b of row.querySelectorAll("button")) b.disabled = true;
    box.replaceChildren(...[el("h3", {}, reasons ? `${name} · ${strings["case.why"]}` : name), choice, hours,
      phraseChooser(c, [action], text, "case-reason-phrase"), text, el("div", { class: "row" }, confirm, cancel)].filter(Boolean));
    box.hidden = false;
    (choice || text).focus();
  }

  function render(c, notice, isError) {
    detailBox.dataset.case = c.id;
    detailBox.dataset.status = c.status;
    detailBox.dataset.version = String(c.version);
    // one line a step: "上报 · 2018-03-02 10:15 · 张三"; the status it led to only where the step's name does not
    // already say it ("核查通过 → 结案"); who and the note only for logged-in users (the API leaves them out)
    const history = c.history.map((e) => {
      const step = strings[`case.history.${e.action}`] || e.action;
      const status = e.to_status ? cases.statuses[e.to_status] || e.to_status : null;
      return el("li", {},
        el("strong", {}, step), status && status !== step ? ` → ${status}` : "",
        " · ", el("span", { class: "when" }, time(e.at)),
        e.actor ? " · " : "",
        e.actor === "anonymous" ? strings["case.anonymous"] : e.actor ? el("span", { translate: "no" }, e.actor) : null,
        e.hours ? ` · ${strings["case.hours"].replace("{h}", e.hours)}` : "",
        e.reason ? el("div", { class: "reason" }, `${strings["case.why"]}: ${strings[`case.reason.${e.action}.${e.reason}`] || e.reason}`) : null,
        e.note ? el("div", { class: "note" }, e.note) : null);
    });
    const photos = c.photos.map((p) => el("a", { href: p.url, target: "_blank", rel: "noopener", "data-step": p.step },
      el("img", { src: p.url, class: "case-photo", alt: p.step === "confirm" ? strings["case.photo_step"] : strings["case.photos"], loading: "lazy" }),
      p.step === "confirm" ? el("span", { class: "photo-step" }, strings["case.photo_step"]) : null));
    const request = c.pending_request;
    const asking = request ? el("div", { class: "case-request", id: "case-request" },
      el("strong", {}, request.action === "extend" ? strings["case.request_extend"].replace("{h}", request.hours) : strings["case.request_return"]),
      ` · ${strings["case.pending"]} · `, el("span", { class: "when" }, time(request.at)),
      request.actor ? " · " : "", request.actor ? el("span", { translate: "no" }, request.actor) : null,
      request.reason ? el("div", { class: "reason" }, `${strings["case.why"]}: ${strings[`case.reason.${request.action}.${request.reason}`] || request.reason}`) : null,
      request.note ? el("div", { class: "note" }, request.note) : null) : null;
    const flag = c.supervision;
    const supervised = flag ? el("div", { class: "case-supervision", id: "case-supervision" },
      el("strong", {}, strings["case.supervised"]), " · ", el("span", { class: "when" }, time(flag.at)),
      flag.actor ? " · " : "", flag.actor ? el("span", { translate: "no" }, flag.actor) : null,
      flag.note ? el("div", { class: "note" }, flag.note) : null) : null;
    detailBox.replaceChildren(...[
      el("h2", {}, `${className(c.service_code)} · `, el("span", { translate: "no" }, c.id)),
      el("p", {}, el("span", { class: `tag status-${c.status}`, id: "case-status" }, cases.statuses[c.status]),
        c.overdue ? el("span", { class: "tag overdue" }, strings["case.overdue"]) : null,
        flag ? el("span", { class: "tag supervised", id: "case-supervised" }, strings["case.supervised"]) : null,
        request ? el("span", { class: "tag pending" }, strings["case.pending"]) : null),
      notice ? el("p", { class: `status${isError ? " error" : ""}`, id: "case-message", role: "status" }, notice) : null,
      supervised, asking,
      el("dl", { class: "kv" },
        ...row(strings["case.reported_at"], time(c.reported_at)),
        ...row(strings["case.due"], c.due_at ? time(c.due_at) : null),
        ...row(strings["case.department"], c.department ? cases.departments[c.department] || c.department : null),
        ...row(strings["case.address"], c.address),
        ...row(strings["case.rework_count"], c.rework_count || null),
        ...row(strings["case.description"], c.description ? el("span", { class: "case-description" }, c.description) : null)),
      photos.length ? el("div", { class: "case-photos" }, ...photos) : null,
      actionsFor(c),
      el("details", { class: "case-history", open: "" }, el("summary", {}, `${strings["case.history_heading"]} (${c.history.length})`), el("ol", {}, ...history)),
    ].filter(Boolean));
    // a step's outcome where the eye is (on a phone the map covers the top of the screen)
    if (notice) document.getElementById("case-message")?.scrollIntoView({ block: "nearest" });
  }

  async function openCase(id, pan, notice, isError, drawnAt) {
    try {
      const c = await getJSON(`${cases.api.case.replace("ID", encodeURIComponent(id))}?crs=${encodeURIComponent(config.crs)}`);
      setParam("case", c.id);
      render(c, notice, isError);
      follow(c.id);
      const panel = detailBox.closest("details.panel");
      if (panel) panel.open = true;
      detailBox.scrollIntoView({ block: "nearest" });
      const at = drawnAt || L.latLng(c.position.lat, c.position.lon);
      ring.setLatLng(at).addTo(map);
      if (pan) map.setView(at, Math.max(map.getZoom(), 16), { animate: false });
      return c;
    } catch (error) {
      detailBox.replaceChildren(el("p", { class: "status error", id: "case-message" }, error.message));
      return null;
    }
  }

  function redraw() {
    caseLayer.refresh();
    loadQueue(document.body.dataset.chosenGrid);
  }

  // A step, naming the version the page saw; 409 (someone else first) reloads the case and says so.
  async function take(c, action, note, department, reason, extra) {
    const { hours, photos } = extra || {};
    const form = new FormData();
    form.set("action", action);
    form.set("version", String(c.version));
    if (note.trim()) form.set("note", note.trim());
    if (reason) form.set("reason", reason);
    if (action === "dispatch") form.set("department", department);
    if (hours) form.set("hours", String(hours));
    for (const file of photos || []) form.append("photo", file);
    for (const b of detailBox.querySelectorAll(".case-actions button")) b.disabled = true;
    try {
      const changed = await send(cases.api.actions.replace("ID", encodeURIComponent(c.id)), form);
      render(changed, `${strings["case.done"]}: ${strings[`case.action.${action}`]}`, false);
      redraw();
    } catch (error) {
      if (error.status === 409) { await openCase(c.id, false, error.message, true); redraw(); }
      else render(c, error.message, true);
    }
  }

  // ---- live (live.js): staff follow their work (the map's cases, the queue, the case shown), anyone else the case
  // shown. A case being answered (a reason asked, a field in use) is not redrawn under the user's hands: it says
  // that the case changed, and a step sent on the old version is refused with 409 and reloaded as always.
  const badge = document.getElementById("live-state");
  let live = null, liveCase = null;
  async function onLive(events) {
    redraw();
    const shown = detailBox.dataset.case;
    if (!shown || !events.some((e) => e.reset || e.case_id === shown)) return;
    let fresh = null;
    try { fresh = await getJSON(`${cases.api.case.replace("ID", encodeURIComponent(shown))}?crs=${encodeURIComponent(config.crs)}`); } catch (e) { return; }
    if (detailBox.dataset.case !== shown || String(fresh.version) === detailBox.dataset.version) return;  // the page's own step
    if (!detailBox.contains(document.activeElement) && !detailBox.querySelector("#case-reason")) { render(fresh); return; }
    if (!document.getElementById("case-live-note")) {
      detailBox.prepend(el("p", { class: "status", id: "case-live-note", role: "status" }, strings["live.changed"]));
    }
  }
  function follow(id) {
    if (user) { live = live || window.CityLive(cases.api.events, onLive, badge); return; }
    if (!id || id === liveCase) return;
    if (live) live.close();
    liveCase = id;
    live = window.CityLive(`${cases.api.events}?case=${encodeURIComponent(id)}`, onLive, badge);
  }
  if (user) follow(null);

  document.addEventListener("case-reported", (event) => { redraw(); openCase(event.detail.id, false); });
  const asked = new URL(window.location.href).searchParams.get("case");
  if (asked) openCase(asked, !window.CityMap.linkedView);
  if (document.body.dataset.chosenGrid) loadQueue(document.body.dataset.chosenGrid);
  window.CityMap.groups = Object.assign(window.CityMap.groups || {}, { cases: caseLayer });     // for the browser tests
})();
