// Shared pieces of the room screen: boot data, strings, small DOM and time helpers.
export const boot = JSON.parse(document.getElementById("boot").textContent);
export const T = JSON.parse(document.getElementById("strings").textContent);
export const csrf = document.querySelector('meta[name="csrf-token"]').content;
export const lang = boot.language === "en" ? "en" : "zh";
export const sid = boot.sitting.id;
export const rid = boot.room.id;

export const api = (path) => `/api/v1${path}`;
// The server answers (its error messages included) in the screen's language.
export const acceptLanguage = lang === "en" ? "en" : "zh-CN";
// 一类违纪 / Tier 1: one name for the tiers everywhere.
export const tierName = (tier) => T[`tier_${tier}`] ?? String(tier ?? "");

export function fmt(text, vars = {}) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(vars[key] ?? ""));
}

// el("button.button.big", {onclick, dataset: {...}, attrs}, ...children)
export function el(spec, props = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && key !== "list") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function newClientId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`.replace(".", "");
}

// ISO 8601 with the tablet's own offset, as the API wants observed times.
export function isoWithOffset(date = new Date()) {
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

export function localInputValue(date = new Date()) {
  return isoWithOffset(date).slice(0, 16);
}

// Venue time (the sitting's zone), whatever zone the tablet is set to.
const timeFormat = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
  hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: boot.zone,
});
const shortFormat = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
  hour: "2-digit", minute: "2-digit", hour12: false, timeZone: boot.zone,
});
export const clockTime = (iso) => timeFormat.format(new Date(iso));
export const shortTime = (iso) => shortFormat.format(new Date(iso));

export function duration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

export const subjectName = (code) => boot.subjects.find((s) => s.code === code)?.name ?? code ?? "";
export const ruleByCode = (code) => boot.rules.find((r) => r.code === code);
export const ruleTitle = (code) => ruleByCode(code)?.title[lang] ?? code;

// The subject under way, else the next one, else the last one (as the server decides).
export function currentSubject(now = Date.now()) {
  return boot.subjects.find((s) => now < Date.parse(s.ends_at)) ?? boot.subjects.at(-1);
}

export function preview(code, subject) {
  const rule = ruleByCode(code);
  const key = `${code}|${rule?.tier === 1 ? subject ?? "" : ""}`;
  return boot.previews[key]?.[lang] ?? "";
}

// A message in front of everything, open dialogs included: the toast is a popover, which
// enters the top layer above a modal dialog each time it is shown. A modal dialog makes the
// rest of the page inert, so the toast moves into the open sheet (or back to the page) first:
// in front and readable, not a box the sheet's backdrop covers.
let toastTimer = null;
export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  const sheets = [...document.querySelectorAll("dialog[open]")].filter((d) => d.matches(":modal"));
  const home = sheets.at(-1) ?? document.body;
  if (box.parentElement !== home) {
    if (box.matches?.(":popover-open")) box.hidePopover();
    home.append(box);
  }
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.dataset.kind = kind;
  if (box.showPopover) {
    if (box.matches(":popover-open")) box.hidePopover();
    box.showPopover();
  } else {
    box.hidden = false;
  }
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    if (box.hidePopover && box.matches(":popover-open")) box.hidePopover();
    box.hidden = true;
  }, kind === "error" ? 9000 : 3500);
}
