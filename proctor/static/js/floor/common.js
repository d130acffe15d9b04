// Shared pieces of the room screen: boot data, strings, its words for rules and tiers, the
// venue's clock, the toast.
import { csrfToken } from "../lib/api.js";
import { pageData, timeFormat } from "../lib/dom.js";

export const boot = pageData("boot");
export const T = pageData("strings");
export const csrf = csrfToken();
export const lang = boot.language === "en" ? "en" : "zh";
export const sid = boot.sitting.id;
export const rid = boot.room.id;

// The server answers (its error messages included) in the screen's language.
export const acceptLanguage = lang === "en" ? "en" : "zh-CN";
// 一类违纪 / Tier 1: one name for the tiers everywhere.
export const tierName = (tier) => T[`tier_${tier}`] ?? String(tier ?? "");

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
const locale = lang === "zh" ? "zh-CN" : "en-GB";
const HOURS = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: boot.zone };
export const clockTime = timeFormat(locale, { ...HOURS, second: "2-digit" });
export const shortTime = timeFormat(locale, HOURS);

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
