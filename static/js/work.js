// The work list (/work): a line's step buttons post the step with the case's version and the page's CSRF token
// (POST /api/cases/<id>/actions); the page is then loaded again, so the line moves to its new bucket.
// Live (live.js): when cases of the user's work change, the page's own URL is fetched again and its regions
// (data-live-region: the tabs, the list, the paging) are replaced; the lines of the changed cases are marked.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const page = document.getElementById("work");
  if (!page) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  let refreshing = false;
  async function refresh(events) {
    // not while a step is being sent from a line: that line reloads the page itself
    if (refreshing || page.querySelector(".work-line button:disabled")) { setTimeout(() => refresh(events), 1000); return; }
    refreshing = true;
    try {
      const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      // what the user has ticked for a bulk step stays ticked where the case is still listed
      const ticked = new Set([...page.querySelectorAll(".work-check:checked")].map((b) => b.closest(".work-line").dataset.case));
      for (const region of page.querySelectorAll("[data-live-region]")) {
        const other = fresh.querySelector(`[data-live-region="${region.dataset.liveRegion}"]`);
        if (other) region.replaceWith(document.adoptNode(other));
      }
      const changed = new Set(events.map((e) => e.case_id));
      const listed = new Set();
      for (const line of page.querySelectorAll(".work-line")) {
        listed.add(line.dataset.case);
        if (changed.has(line.dataset.case)) line.classList.add("live-changed");
        const box = line.querySelector(".work-check");
        if (box && ticked.has(line.dataset.case)) box.checked = true;
      }
      // what changed into this user's buckets but is not on this page (a later page, another tab), and what was
      // ticked but has moved on: said, not silently dropped
      const buckets = new Set([...page.querySelectorAll(".work-tabs a[data-status]")].map((a) => a.dataset.status));
      const elsewhere = [...new Set(events.filter((e) => buckets.has(e.to_status) && !listed.has(e.case_id)).map((e) => e.case_id))];
      const gone = [...ticked].filter((id) => !listed.has(id)).length;
      const note = document.getElementById("live-note");
      if (note && (elsewhere.length || gone)) {
        const parts = [];
        if (gone) parts.push(document.createTextNode(note.dataset.gone.replace("{n}", gone) + " "));
        if (elsewhere.length) {
          parts.push(document.createTextNode(note.dataset.elsewhere.replace("{n}", elsewhere.length) + " "));
          for (const id of elsewhere.slice(0, 5)) {
            const link = document.createElement("a");
            link.href = `?q=${encodeURIComponent(id)}`;
            link.textContent = id;
            link.translate = false;
            parts.push(link, document.createTextNode(" "));
          }
        }
        note.replaceChildren(...parts);
        note.hidden = false;
      }
      page.querySelector(".work-check")?.dispatchEvent(new Event("change", { bubbles: true }));
      const config = fresh.getElementById("work-config");
      if (config) document.dispatchEvent(new CustomEvent("work-refreshed", { detail: JSON.parse(config.textContent) }));
    } finally {
      refreshing = false;
    }
  }
  window.CityLive(page.dataset.eventsUrl, refresh, document.getElementById("live-state"));
  page.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const line = button.closest(".work-line");
    const error = line.querySelector(".work-error");
    line.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const form = new FormData();
    form.append("action", button.dataset.action);
    form.append("version", line.dataset.version);
    const url = page.dataset.actionsUrl.replace("CASE", encodeURIComponent(line.dataset.case));
    let response = null;
    try {
      response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
    } catch (e) {
      response = null;
    }
    if (response && response.ok) {
      window.location.reload();
      return;
    }
    error.textContent = response && response.status === 409 ? page.dataset.conflict : page.dataset.refused;
    error.hidden = false;
    if (response && response.status === 409) setTimeout(() => window.location.reload(), 1500);
    else line.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  });
});
