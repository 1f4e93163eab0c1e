// Live updates: one EventSource on /api/work/events (Server-Sent Events). `onChange(events)` gets the case events
// of a short burst together (a page reloads its list once, not once per event); `reset` (more was missed than the
// server keeps) counts as a change of everything. The browser reconnects by itself and sends its Last-Event-ID,
// so nothing is missed across a drop. The state shows in `badge` (an element with data-on / data-retry texts).
"use strict";
window.CityLive = function (url, onChange, badge) {
  if (!window.EventSource) return null;
  const source = new EventSource(url, { withCredentials: true });
  let pending = [], timer = null;
  function flush() { timer = null; const burst = pending; pending = []; onChange(burst); }
  function add(event) {
    pending.push(event);
    if (!timer) timer = setTimeout(flush, 250);
  }
  function state(on) {
    if (!badge) return;
    badge.hidden = false;
    badge.classList.toggle("off", !on);
    badge.textContent = on ? badge.dataset.on : badge.dataset.retry;
  }
  source.addEventListener("ready", () => state(true));
  source.addEventListener("case", (e) => { state(true); add(JSON.parse(e.data)); });
  source.addEventListener("reset", () => add({ reset: true }));
  source.addEventListener("error", () => state(source.readyState === EventSource.OPEN));
  return source;
};
