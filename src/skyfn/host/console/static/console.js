// skyfn console: JSON validation, the live log (server-sent events) and the Functions
// table's refresh. Plain JavaScript, no library; it never sees a cookie or a secret value.
"use strict";

function validateEvent() {
  const area = document.getElementById("event");
  const status = document.getElementById("event-status");
  const button = document.getElementById("invoke");
  const save = document.getElementById("save");
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
}

function liveLog() {
  const list = document.getElementById("log-lines");
  if (!list) return;
  const fn = document.getElementById("log-function");
  const text = document.getElementById("log-text");
  const state = document.getElementById("log-state");
  const MAX = 2000;
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
  const source = new EventSource(list.dataset.source);
  source.onopen = () => { state.textContent = "live"; };
  source.onerror = () => { state.textContent = "reconnecting…"; };
  source.onmessage = (message) => {
    const line = JSON.parse(message.data);
    const item = document.createElement("li");
    item.dataset.function = line.function;
    const cells = [
      ["log-meta", line.at], ["log-fn", line.function || "skyfn"],
      ["log-meta", line.request], ["log-text", line.text],
    ];
    for (const [cls, value] of cells) {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = value;
      item.appendChild(span);
    }
    item.hidden = !visible(item);
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    list.appendChild(item);
    while (list.children.length > MAX) list.removeChild(list.firstChild);
    if (atBottom) list.scrollTop = list.scrollHeight;
  };
}

function refreshTable() {
  const table = document.getElementById("functions");
  if (!table) return;
  const seconds = Number(table.dataset.refresh || "0");
  if (!seconds) return;
  setInterval(async () => {
    if (document.hidden) return;
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("#functions tbody");
    const current = table.querySelector("tbody");
    if (fresh && current && !table.contains(document.activeElement)) current.replaceWith(fresh);
  }, seconds * 1000);
}

document.addEventListener("DOMContentLoaded", () => { validateEvent(); liveLog(); refreshTable(); });
