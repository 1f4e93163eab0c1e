// Bulk 受理 / 派遣 on the work list (/work): the dispatcher ticks lines (or every line of the page) and accepts or
// dispatches them at once (POST /api/work/bulk, JSON, with the page's CSRF token; each case with the version the
// page showed). The server acts on each case alone and answers each one's outcome; the outcomes are kept for the
// page loaded again (the list refreshed: done lines move to their next bucket) and shown there, one line a case.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const page = document.getElementById("work");
  const results = document.getElementById("work-results");
  if (!page || !results) return;
  const config = JSON.parse(document.getElementById("work-config").textContent);
  const KEPT = "work-bulk-results";
  const say = (key, values) =>
    (config.strings[key] || config.strings["case.refusal.other"]).replace(/\{(\w+)\}/g, (_, name) =>
      String((values || {})[name] ?? ""),
    );
  const refusal = (status) => config.strings[`case.refusal.${status}`] || config.strings["case.refusal.other"];

  function show(outcome) {
    const list = results.querySelector("ul");
    list.replaceChildren();
    const lines = outcome.results || [];
    const done = lines.filter((r) => r.ok).length;
    results.querySelector(".work-results-summary").textContent = outcome.refused_all
      ? say("page.work.bulk.refused_all", { action: outcome.label, reason: refusal(outcome.refused_all) })
      : say("page.work.bulk.summary", { action: outcome.label, done, refused: lines.length - done });
    for (const r of lines) {
      const item = document.createElement("li");
      item.dataset.case = r.id || "";
      item.className = r.ok ? "ok" : "refused";
      const number = document.createElement("span");
      number.translate = false; // a case number is not words to translate
      number.className = "work-results-case";
      number.textContent = r.id || `#${r.index + 1}`;
      const said = r.ok
        ? say("page.work.bulk.done_line", { action: outcome.label, status: say(`case.status.${r.status}`) })
        : say("page.work.bulk.refused_line", {
            action: outcome.label,
            code: r.error.status,
            reason: refusal(r.error.status),
          });
      item.append(number, " ", said);
      list.append(item);
      const line = r.id && page.querySelector(`.work-line[data-case="${CSS.escape(r.id)}"] .work-error`);
      if (line && !r.ok) {
        line.textContent = said;
        line.hidden = false;
      }
    }
    results.hidden = false;
    results.scrollIntoView({ block: "nearest" });
  }

  const kept = sessionStorage.getItem(KEPT);
  if (kept) {
    sessionStorage.removeItem(KEPT);
    show(JSON.parse(kept));
  }
  document.getElementById("work-results-close").addEventListener("click", () => {
    results.hidden = true;
  });

  const bar = document.getElementById("work-bulk");
  if (!bar) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const all = document.getElementById("work-select-all");
  const boxes = () => [...page.querySelectorAll(".work-check")];
  const picked = (action) =>
    boxes()
      .filter((b) => b.checked)
      .map((b) => b.closest(".work-line"))
      .filter((line) => line.dataset.bulk.split(" ").includes(action));

  function update() {
    for (const button of bar.querySelectorAll("button[data-bulk]")) {
      const n = picked(button.dataset.bulk).length;
      button.querySelector(".count").textContent = String(n);
      button.disabled = n === 0;
    }
    const on = boxes().filter((b) => b.checked).length;
    all.checked = on > 0 && on === boxes().length;
    all.indeterminate = on > 0 && on < boxes().length;
  }

  all.addEventListener("change", () => {
    boxes().forEach((b) => {
      b.checked = all.checked;
    });
    update();
  });
  page.addEventListener("change", (event) => {
    if (event.target.classList.contains("work-check")) update();
  });

  bar.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-bulk]");
    if (!button) return;
    const action = button.dataset.bulk;
    const lines = picked(action);
    if (!lines.length) return;
    bar.querySelectorAll("button, input").forEach((b) => {
      b.disabled = true;
    });
    const body = {
      action,
      cases: lines.map((line) => ({ id: line.dataset.case, version: Number(line.dataset.version) })),
    };
    let response = null;
    let answer = null;
    try {
      response = await fetch(config.bulkUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify(body),
      });
      answer = await response.json();
    } catch (e) {
      answer = null;
    }
    if (response && response.ok && answer) {
      sessionStorage.setItem(KEPT, JSON.stringify({ label: button.dataset.label, results: answer.results }));
      window.location.reload(); // the list again: done cases have moved on
      return;
    }
    // refused as a whole (the role, the session's token, a limit): nothing was done
    show({ label: button.dataset.label, refused_all: response ? response.status : "other", results: [] });
    bar.querySelectorAll("button, input").forEach((b) => {
      b.disabled = false;
    });
    update();
  });
  update();
});
