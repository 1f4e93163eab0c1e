// The work list (/work): a line's step buttons post the step with the case's version and the page's CSRF token
// (POST /api/cases/<id>/actions); the page is then loaded again, so the line moves to its new bucket.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const page = document.getElementById("work");
  if (!page) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
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
