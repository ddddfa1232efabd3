// skyfn console: JSON validation, the live log (server-sent events) and the Functions
// table's updates. Plain JavaScript, no library; it never sees a cookie or a secret value.
"use strict";

function validateEvent() {
  const area = document.getElementById("event");
  const status = document.getElementById("event-status");
  const button = document.getElementById("invoke");
  const save = document.getElementById("save");
  const name = document.getElementById("save-name");
  if (!area) return;
  const check = () => {
    let message = "Valid JSON.";
    let ok = true;
    if (area.value.trim() !== "") {
      try { JSON.parse(area.value); } catch (error) { ok = false; message = "Not valid JSON: " + error.message; }
    }
    area.setAttribute("aria-invalid", ok ? "false" : "true");
    status.textContent = message;
    status.className = ok ? "hint" : "error";
    button.disabled = !ok;
    save.disabled = !ok;
  };
  area.addEventListener("input", check);
  check();
  // Enter in "Save as" saves: the form's default button (its first) is Invoke.
  name.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    if (!save.disabled) name.form.requestSubmit(save);
  });
}

// One log line, as pages.log_item serves it: it reads "time, function, request: text".
function logItem(line) {
  const item = document.createElement("li");
  item.dataset.seq = String(line.seq);
  item.dataset.function = line.function;
  const add = (cls, value) => {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = value;
    item.appendChild(span);
  };
  add("log-meta", line.at);
  add("sr-only", ", ");
  add("log-fn", line.function || "skyfn");
  if (line.request) add("sr-only", ", request ");
  add("log-meta", line.request);
  add("sr-only", ": ");
  add("log-text", line.text);
  return item;
}

function liveLog() {
  const list = document.getElementById("log-lines");
  if (!list) return;
  const view = document.getElementById("log-view");
  const fn = document.getElementById("log-function");
  const text = document.getElementById("log-text");
  const state = document.getElementById("log-state");
  const pause = document.getElementById("log-pause");
  const MAX = 2000;
  let paused = false;
  let waiting = [];  // lines that came while paused
  const visible = (item) => {
    const wanted = fn.value;
    const needle = text.value.toLowerCase();
    if (wanted === "-" && item.dataset.function !== "") return false;
    if (wanted !== "" && wanted !== "-" && item.dataset.function !== wanted) return false;
    return needle === "" || item.textContent.toLowerCase().includes(needle);
  };
  const refilter = () => { for (const item of list.children) item.hidden = !visible(item); };
  fn.addEventListener("change", refilter);
  text.addEventListener("input", refilter);
  refilter();
  view.scrollTop = view.scrollHeight;
  const append = (lines) => {
    const atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 8;
    for (const line of lines) {
      const item = logItem(line);
      item.hidden = !visible(item);
      list.appendChild(item);
    }
    while (list.children.length > MAX) list.removeChild(list.firstChild);
    if (atBottom) view.scrollTop = view.scrollHeight;
  };
  const waitingText = () => waiting.length === 1 ? "paused, 1 new line waiting" : `paused, ${waiting.length} new lines waiting`;
  pause.hidden = false;
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    if (paused) { state.textContent = waitingText(); return; }
    const count = waiting.length;
    append(waiting);
    waiting = [];
    state.textContent = count ? `live, ${count} lines added` : "live";
  });
  // Only what comes after the lines the page was served with (those are not announced).
  const source = new EventSource(`${list.dataset.source}?after=${list.dataset.after || "0"}`);
  source.onopen = () => { if (!paused) state.textContent = "live"; };
  source.onerror = () => { state.textContent = "reconnecting…"; };
  source.onmessage = (message) => {
    const line = JSON.parse(message.data);
    if (paused) {
      waiting.push(line);
      if (waiting.length > MAX) waiting.shift();
      state.textContent = waitingText();
      return;
    }
    append([line]);
  };
}

// Replace only the cells that changed, so a screen reader's place and focus stay put.
function patchRows(current, fresh) {
  const keys = (body) => Array.from(body.rows, (row) => row.dataset.function).join("\n");
  if (keys(current) !== keys(fresh)) { current.replaceWith(document.importNode(fresh, true)); return; }
  Array.from(current.rows).forEach((row, r) => {
    Array.from(row.cells).forEach((cell, c) => {
      const next = fresh.rows[r].cells[c];
      if (next && cell.innerHTML !== next.innerHTML && !cell.contains(document.activeElement)) {
        cell.replaceWith(document.importNode(next, true));
      }
    });
  });
}

function refreshTable() {
  const table = document.getElementById("functions");
  if (!table) return;
  const seconds = Number(table.dataset.refresh || "0");
  if (!seconds) return;
  const toggle = document.getElementById("refresh-toggle");
  const state = document.getElementById("refresh-state");
  let paused = false;
  let ticks = 0;
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    paused = !paused;
    toggle.setAttribute("aria-pressed", String(paused));
    state.textContent = paused ? "Updates paused." : `Updates every ${seconds} seconds.`;
  });
  setInterval(async () => {
    table.dataset.ticks = String(++ticks);  // how many times it was due (tests wait on it)
    if (paused || document.hidden) return;
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok || paused) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("#functions tbody");
    const current = table.querySelector("tbody");
    if (fresh && current && !paused) patchRows(current, fresh);
  }, seconds * 1000);
}

document.addEventListener("DOMContentLoaded", () => { validateEvent(); liveLog(); refreshTable(); });
