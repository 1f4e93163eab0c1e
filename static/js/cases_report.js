// Reporting a problem (上报问题) from a map page, in three taps on a phone: the button, the problem's class (which
// opens the camera), submit. The position is the GPS fix, else the point last tapped on the map, else the map's
// centre; the page says which. Anonymous visitors report as the public (/), supervisors as patrol (/grid): the
// service decides from the login. Also "this facility's data is wrong" from a facility's popup on /. A class with
// questions of its own (Open311 attributes, layers/case_classes.toml) asks them once chosen; only required ones
// cost a tap more.
//
// Shared with cases.js: send() posts a form with the page's CSRF token and turns every refusal into a sentence
// in the page's language (with the service's own reason beside it). Text from people only ever goes in through
// textContent (el()), never as markup.
"use strict";
(function () {
  const { config, map, el, say } = window.CityMap;
  const cases = config.cases, strings = config.strings;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  // A refusal as a person reads it: what it means in the page's language, then the service's reason.
  function refusal(status, body) {
    const known = [400, 401, 403, 404, 409, 413, 429].includes(status) ? strings[`case.refusal.${status}`] : strings["case.refusal.other"];
    const reason = body && body.error ? say(body.error) : "";
    return reason ? `${known} (${reason})` : known;
  }

  async function send(url, form) {
    let response;
    try {
      response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
    } catch (error) {
      throw Object.assign(new Error(strings["case.refusal.other"]), { status: 0 });
    }
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (!response.ok) throw Object.assign(new Error(refusal(response.status, body)), { status: response.status, body });
    return body;
  }

  const className = (code) => (cases.classes.find((c) => c.code === code) || { name: code }).name;

  // ---- where: GPS, else the last tapped point, else the map centre (in the basemap's system) ----
  let tapped = null;
  map.on("click", (event) => { tapped = { lon: event.latlng.lng, lat: event.latlng.lat, crs: config.crs, how: "tap", at: Date.now() }; });
  function fallbackPosition() {
    if (tapped && Date.now() - tapped.at < 10 * 60 * 1000) return tapped;
    const c = map.getCenter();
    return { lon: c.lng, lat: c.lat, crs: config.crs, how: "centre" };
  }

  // ---- the form ----
  const photo = el("input", { type: "file", accept: "image/*", capture: "environment", id: "report-photo", class: "visually-hidden" });
  const preview = el("img", { class: "report-preview", alt: "", hidden: "" });
  const where = el("p", { class: "hint", id: "report-where" });
  const more = el("select", { id: "report-more", "aria-label": strings["case.report.more_classes"] },
    el("option", { value: "" }, strings["case.report.more_classes"]),
    ...groupedClasses());
  const buttons = el("div", { class: "report-classes", role: "group", "aria-label": strings["case.report.choose_class"] },
    ...cases.common.map((code) => el("button", { type: "button", class: "report-class", "data-code": code, onclick: () => choose(code, true) }, className(code))));
  const questions = el("div", { id: "report-attributes" });
  const description = el("textarea", { id: "report-description", rows: "2", maxlength: "4000", placeholder: strings["case.report.description"], "aria-label": strings["case.report.description"] });
  const submit = el("button", { type: "submit", class: "primary", id: "report-submit", disabled: "" }, strings["case.report.submit"]);
  const message = el("p", { class: "status", role: "status", id: "report-message" });
  const result = el("div", { id: "report-result", hidden: "" });
  const heading = el("h2", {}, cases.user && cases.user.role === "supervisor" ? strings["case.report.patrol_title"] : strings["case.report.public_title"]);
  const fields = el("div", { id: "report-fields" }, where,
    el("p", { class: "hint" }, strings["case.report.choose_class"]), buttons, more, questions,
    el("label", { class: "report-photo-button button", for: "report-photo" }, strings["case.report.take_photo"]), photo, preview,
    description);
  const cancel = el("button", { type: "button", id: "report-cancel", onclick: () => dialog.close() }, strings["common.cancel"]);
  const form = el("form", { method: "dialog", id: "report-form" }, heading, fields, message, result,
    el("div", { class: "row report-buttons" }, submit, cancel));
  const dialog = el("dialog", { id: "report-dialog", class: "report-dialog" }, form);
  document.body.append(dialog);

  function groupedClasses() {
    const groups = new Map();
    for (const c of cases.classes) {
      if (!groups.has(c.major)) groups.set(c.major, el("optgroup", { label: c.major }));
      groups.get(c.major).append(el("option", { value: c.code }, `${c.name} · ${c.code}`));
    }
    return [...groups.values()];
  }

  let chosen = null, position = null, about = "", given = {};     // given: answers a preset brings, sent unasked

  // ---- the chosen class's own questions ----
  function question(a) {
    const id = `report-attr-${a.code}`;
    const label = a.required ? `${a.label} *` : a.label;
    const common = { id, "data-code": a.code, "aria-label": label };
    let input;
    if (a.datatype === "singlevaluelist") {
      input = el("select", common, el("option", { value: "" }, "—"), ...a.values.map((v) => el("option", { value: v.key }, v.name)));
    } else if (a.datatype === "multivaluelist") {
      input = el("fieldset", { ...common, "data-multi": "" }, el("legend", {}, label),
        ...a.values.map((v) => el("label", {}, el("input", { type: "checkbox", value: v.key }), ` ${v.name}`)));
    } else if (a.datatype === "text") {
      input = el("textarea", { ...common, rows: "2", maxlength: "2000" });
    } else {
      const type = { number: "number", datetime: "datetime-local" }[a.datatype] || "text";
      input = el("input", { ...common, type, ...(type === "number" ? { step: "any" } : { maxlength: "200" }) });
    }
    if (a.hint) input.setAttribute("placeholder", a.hint);
    if (a.required && a.datatype !== "multivaluelist") input.setAttribute("required", "");
    return el("div", { class: "report-attribute" }, a.datatype === "multivaluelist" ? null : el("label", { for: id }, label), input);
  }
  function ask(code) {
    const known = cases.classes.find((c) => c.code === code);
    questions.replaceChildren(...(known ? known.attributes : []).filter((a) => !(a.code in given)).map(question));
  }
  function answer(data) {
    for (const [code, value] of Object.entries(given)) data.append(`attribute[${code}]`, value);
    for (const node of questions.querySelectorAll("[data-code]")) {
      if (node.hasAttribute("data-multi")) {
        for (const box of node.querySelectorAll("input:checked")) data.append(`attribute[${node.dataset.code}][]`, box.value);
        continue;
      }
      const value = node.value.trim();
      if (value) data.append(`attribute[${node.dataset.code}]`, node.type === "datetime-local" ? new Date(value).toISOString() : value);
    }
  }

  function choose(code, camera) {
    chosen = code;
    for (const b of buttons.children) b.setAttribute("aria-pressed", String(b.dataset.code === code));
    more.value = cases.common.includes(code) ? "" : code;
    ask(code);
    submit.disabled = false;
    message.textContent = "";
    if (camera && !photo.files.length) photo.click();       // the second tap opens the camera
  }
  more.addEventListener("change", () => { if (more.value) choose(more.value, true); });
  photo.addEventListener("change", () => {
    const file = photo.files[0];         // shown as a data: URL (the page's CSP allows no blob: images)
    preview.hidden = !file;
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => { preview.src = reader.result; };
    reader.readAsDataURL(file);
  });

  function sayWhere() {
    if (!position) { where.textContent = strings["case.report.locating"]; return; }
    const text = { gps: strings["case.report.at_gps"], tap: strings["case.report.at_tap"], centre: strings["case.report.at_centre"], facility: strings["case.report.at_facility"] }[position.how];
    where.textContent = text.replace("{m}", Math.round(position.accuracy || 0));
    where.dataset.how = position.how;
  }

  // Opens the form; `preset` (a facility's wrong data): {code, lon, lat, crs, description, attributes}.
  function open(preset) {
    form.reset();
    photo.value = "";
    preview.hidden = true;
    result.hidden = true;
    result.replaceChildren();
    message.textContent = "";
    message.classList.remove("error");
    submit.hidden = false;
    fields.hidden = false;
    cancel.textContent = strings["common.cancel"];
    chosen = null;
    submit.disabled = true;
    for (const b of buttons.children) b.setAttribute("aria-pressed", "false");
    about = "";
    given = (preset && preset.attributes) || {};
    questions.replaceChildren();
    if (preset) {
      position = { lon: preset.lon, lat: preset.lat, crs: preset.crs, how: "facility" };
      about = preset.description;
      description.value = preset.description;
      choose(preset.code, false);
    } else {
      position = null;
      if (navigator.geolocation) {
        navigator.geolocation.getCurrentPosition(
          (fix) => { if (dialog.open && (!position || position.how !== "facility")) { position = { lon: fix.coords.longitude, lat: fix.coords.latitude, crs: "WGS84", how: "gps", accuracy: fix.coords.accuracy }; sayWhere(); } },
          () => { if (!position) { position = fallbackPosition(); sayWhere(); } },
          { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      } else position = fallbackPosition();
    }
    sayWhere();
    dialog.showModal();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!chosen) { message.textContent = strings["case.report.need_class"]; message.classList.add("error"); return; }
    const at = position || fallbackPosition();
    const data = new FormData();
    data.set("service_code", chosen);
    data.set("lon", at.lon.toFixed(7));
    data.set("lat", at.lat.toFixed(7));
    data.set("crs", at.crs);
    data.set("description", description.value.trim() || about);
    answer(data);
    if (photo.files[0]) data.append("photo", photo.files[0]);
    submit.disabled = true;
    message.classList.remove("error");
    message.textContent = strings["case.report.sending"];
    try {
      const reported = await send(cases.api.report, data);
      message.textContent = "";
      submit.hidden = true;
      fields.hidden = true;
      cancel.textContent = strings["case.report.close"];
      const follow = cases.follow.replace("ID", encodeURIComponent(reported.id));
      result.replaceChildren(
        el("p", { class: "report-done" }, `${strings["case.report.done"]} `, el("strong", { id: "report-case-id" }, reported.id), ` · ${className(reported.service_code)}`),
        el("p", {}, `${strings["case.report.token"]}: `, el("code", { id: "report-token", translate: "no" }, reported.token)),
        el("p", {}, el("a", { href: follow, id: "report-follow", target: "_blank", rel: "noopener" }, strings["case.report.follow"])));
      result.hidden = false;
      document.dispatchEvent(new CustomEvent("case-reported", { detail: reported }));
    } catch (error) {
      message.textContent = error.message;
      message.classList.add("error");
      submit.disabled = false;
    }
  });

  // The button on the map, bottom left (above the scale): the first tap.
  const Button = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: () => {
      const node = el("button", { type: "button", class: "report-button", id: "report-open" }, strings["case.report.problem"]);
      L.DomEvent.disableClickPropagation(node);
      node.addEventListener("click", () => open(null));
      return node;
    },
  });
  new Button().addTo(map);

  // "This facility's data is wrong" under a facility's popup (/): the form with that class at the facility.
  if (cases.wrongData && window.CityMap.facilities) {
    map.on("popupopen", (event) => {
      // (found in the opened popup: a nearest result's popup content is made by a function when it opens)
      const content = event.popup.getElement() && event.popup.getElement().querySelector(".leaflet-popup-content > .popup");
      if (!content || content.querySelector(".report-wrong")) return;
      const name = content.querySelector("strong") ? content.querySelector("strong").textContent : "";
      const kind = content.querySelector("td") ? content.querySelector("td").textContent : "";
      const at = event.popup.getLatLng();
      const which = Object.fromEntries([["facility_layer", content.dataset.layer], ["facility_id", content.dataset.id]].filter(([, v]) => v));
      content.append(el("button", { type: "button", class: "link report-wrong", onclick: () => {
        map.closePopup();
        open({ code: cases.wrongData, lon: at.lng, lat: at.lat, crs: config.crs, description: `${strings["case.report.wrong_about"]}: ${name} (${kind})`, attributes: which });
      } }, strings["case.report.wrong_data"]));
      event.popup.update();
    });
  }

  window.CityMap.cases = { send, refusal, className, openReport: open };
})();
