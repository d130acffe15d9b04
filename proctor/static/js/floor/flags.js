// The patrol's flags (巡考标记) on the room screen: the banner and the list of open flags, a
// badge on each flagged seat, the invigilators' answer, and for a patrol the flag form (a
// seat or the whole room, a note, an optional photo) and the visit form of its record.
// Flags need the network: they are sent at once, never kept in the outbox.
import { apiUrl, call } from "../lib/api.js";
import { el, fmt } from "../lib/dom.js";
import {
  T, acceptLanguage, boot, csrf, isoWithOffset, newClientId, rid, shortTime, sid, toast,
} from "./common.js";

export const isPatrol = boot.user.role === "patrol";
const flags = { list: [], view: null };

async function request(path, options = {}) {
  const response = await call(apiUrl(path), {
    csrf, language: acceptLanguage, offline: T.online_only, ...options });
  return response.json();
}

export async function loadFlags() {
  try {
    flags.list = await request(`/rooms/${rid}/flags`);
  } catch {
    return;  // offline: keep what is shown
  }
  renderFlags();
}

export function onFlagEvent(payload) {
  if (payload.room_id === rid && String(payload.type).startsWith("patrol_")) loadFlags();
}

const openFlags = () => flags.list.filter((f) => f.open);

function where(flag) {
  return flag.seat_no ? fmt(T.seat, { n: flag.seat_no }) : T.flag_whole_room;
}

export function renderFlags(view = flags.view) {
  flags.view = view;
  const open = openFlags();
  const banner = document.getElementById("flags-banner");
  banner.hidden = open.length === 0;
  banner.replaceChildren(
    el("strong", {}, fmt(T.flags_open, { n: open.length })), " ",
    ...open.slice(0, 3).map((f) => el("span.flag-chip", {}, `${where(f)}：${f.note}`)));
  for (const seat of document.querySelectorAll("#grid .seat")) {
    seat.querySelector(".badge.flag")?.remove();
    seat.classList.remove("has-flag");
  }
  for (const flag of open) {
    const cell = flag.seat_no && document.querySelector(`#grid [data-seat="${flag.seat_no}"]`);
    if (!cell) continue;
    cell.classList.add("has-flag");
    cell.querySelector(".badges")?.append(el("span.badge.flag", { title: flag.note }, T.flag_badge));
    if (!cell.querySelector(".badges")) cell.append(el("span.badge.flag", {}, T.flag_badge));
  }
  const list = document.getElementById("flag-list");
  const ordered = [...open, ...flags.list.filter((f) => !f.open)];
  list.replaceChildren(...(ordered.length ? ordered.map(flagItem)
                                          : [el("li.muted", {}, T.no_flags)]));
  const tab = document.getElementById("tab-flags-button");
  tab.textContent = open.length ? `${T.flags} (${open.length})` : T.flags;
}

function flagItem(flag) {
  const photos = flag.photos.map((p) => el("img.flag-photo", {
    src: apiUrl(`/flag-photos/${p.id}/thumb`), alt: T.photo, width: 96 }));
  return el(`li.flag-item${flag.open ? ".open" : ""}`, { dataset: { flag: flag.id } },
    el("p", {}, el("time", {}, shortTime(flag.observed_at)), " ",
       el("strong", {}, where(flag)), " · ", flag.note),
    el("p.muted", {}, fmt(T.flag_by, { who: flag.raised_by_name ?? flag.raised_by ?? "" })),
    photos.length ? el("div.flag-photos", {}, photos) : null,
    flag.answer ? el("p.flag-answer", { dataset: { outcome: flag.answer.outcome } },
                     el("strong", {}, T[`flag_${flag.answer.outcome}`]), " · ",
                     fmt(T.by, { who: flag.answer.by_name ?? flag.answer.by }), " ",
                     el("time", {}, shortTime(flag.answer.at)),
                     flag.answer.note ? ` · ${flag.answer.note}` : "")
      : (isPatrol ? el("p.badge.pending", {}, T.flag_waiting) : answerForm(flag)));
}

// The records of the room an answer may link: reminders or incidents, of the flagged seat
// first (all of the room when the whole room was flagged).
function linkable(flag, kind) {
  const seats = (flags.view?.seats ?? []).filter((s) => !flag.seat_no || s.seat_no === flag.seat_no);
  const rows = [];
  for (const seat of seats) {
    for (const item of seat[kind] ?? []) {
      if (item.id) rows.push({ id: item.id, label: `${fmt(T.seat, { n: seat.seat_no })} ${seat.name} · ${item.rule_code}` });
    }
  }
  return rows.filter((row, i) => rows.findIndex((r) => r.id === row.id) === i);
}

function answerForm(flag) {
  const note = el("input", { maxlength: 2000, placeholder: T.note_optional, autocomplete: "off" });
  const chooser = el("select.flag-link", { hidden: true });
  const form = el("div.flag-answer-form");
  let outcome = null;
  const pick = (chosen, kind) => {
    outcome = chosen;
    const rows = kind ? linkable(flag, kind) : [];
    chooser.replaceChildren(...rows.map((r) => el("option", { value: r.id }, r.label)));
    chooser.hidden = !kind;
    for (const b of form.querySelectorAll("[data-outcome]")) b.setAttribute("aria-pressed", String(b.dataset.outcome === chosen));
    if (kind && !rows.length) toast(kind === "warnings" ? T.flag_no_reminder : T.flag_no_incident, "error");
  };
  const button = (value, kind) => el("button.button.small", { type: "button", dataset: { outcome: value },
    "aria-pressed": "false", onclick: () => pick(value, kind) }, T[`flag_${value}`]);
  const send = el("button.button.primary", { type: "button", onclick: async () => {
    if (!outcome) { toast(T.flag_choose, "error"); return; }
    const body = { outcome, note: note.value.trim() || null };
    if (outcome === "reminded") body.warning_id = Number(chooser.value) || null;
    if (outcome === "incident_reported") body.incident_id = Number(chooser.value) || null;
    send.disabled = true;
    try {
      await request(`/flags/${flag.id}/answer`, { method: "POST", json: body });
      toast(T.saved);
      await loadFlags();
    } catch (failure) {
      toast(fmt(T.rejected, { message: failure.message }), "error");
      send.disabled = false;
    }
  } }, T.flag_answer);
  form.append(el("div.button-row", {}, button("nothing_found", null), button("reminded", "warnings"),
                 button("incident_reported", "incidents")), chooser, note, send);
  return form;
}

// -- the patrol's own forms --------------------------------------------------------------------
export function openFlagForm(seatNo, seat) {
  const dialog = document.getElementById("flag-dialog");
  document.getElementById("flag-title").textContent = seatNo
    ? `${T.flag_raise} · ${fmt(T.seat, { n: seatNo })}${seat ? ` ${seat.name}` : ""}`
    : `${T.flag_raise} · ${T.flag_whole_room}`;
  const note = el("textarea", { rows: 3, maxlength: 2000, required: true, id: "flag-note" });
  const chosen = el("span.muted", {}, T.flag_no_photo);
  const photo = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp",
                              capture: "environment", id: "flag-photo", hidden: true,
                              onchange: () => { chosen.textContent = photo.files[0]?.name ?? T.flag_no_photo; } });
  const pick = el("button.button", { type: "button", onclick: () => photo.click() }, T.choose_photo);
  const save = el("button.button.primary.big", { type: "button", onclick: async () => {
    if (!note.value.trim()) { toast(T.flag_note_needed, "error"); note.focus(); return; }
    save.disabled = true;
    try {
      const flag = await request(`/rooms/${rid}/flags`, { method: "POST", json: {
        client_id: newClientId(), seat_no: seatNo ?? null, note: note.value.trim(),
        observed_at: isoWithOffset() } });
      if (photo.files[0]) {
        const form = new FormData();
        form.append("file", photo.files[0]);
        form.append("client_id", newClientId());
        form.append("taken_at", isoWithOffset());
        await request(`/flags/${flag.id}/photos`, { method: "POST", form });
      }
      dialog.close();
      toast(T.flag_sent);
      await loadFlags();
    } catch (failure) {
      toast(fmt(T.rejected, { message: failure.message }), "error");
      save.disabled = false;
    }
  } }, T.flag_send);
  document.getElementById("flag-body").replaceChildren(
    el("label", {}, T.flag_note, note),
    el("div.flag-photo-pick", {}, el("strong", {}, T.flag_photo), el("div.button-row", {}, pick, chosen), photo),
    el("p.muted", {}, T.flag_no_sanction), save);
  dialog.showModal();
}

export function initPatrol() {
  document.getElementById("flag-room").addEventListener("click", () => openFlagForm(null, null));
  const present = el("fieldset.visit-staff", {}, el("legend", {}, T.visit_present),
    ...boot.staff.map((s) => el("label.check", {}, el("input", { type: "checkbox", value: s.username, checked: true }), s.name)));
  const rules = el("fieldset.visit-rules", {}, el("legend", {}, T.visit_rules_read),
    el("label.check", {}, el("input", { type: "radio", name: "rules-read", value: "yes", checked: true }), T.yes),
    el("label.check", {}, el("input", { type: "radio", name: "rules-read", value: "no" }), T.no));
  const remarks = el("textarea", { rows: 2, maxlength: 2000, id: "visit-remarks" });
  const save = el("button.button.primary", { type: "button", onclick: async () => {
    save.disabled = true;
    try {
      await request(`/sittings/${sid}/patrol/visits`, { method: "POST", json: {
        client_id: newClientId(), room_id: rid, visited_at: isoWithOffset(),
        invigilators: [...present.querySelectorAll("input:checked")].map((i) => i.value),
        rules_read: rules.querySelector("input:checked")?.value === "yes",
        remarks: remarks.value.trim() || null } });
      remarks.value = "";
      toast(T.visit_saved);
    } catch (failure) {
      toast(fmt(T.rejected, { message: failure.message }), "error");
    } finally {
      save.disabled = false;
    }
  } }, T.visit_save);
  document.getElementById("visit-form").replaceChildren(
    el("h3", {}, T.visit_title), present, rules, el("label", {}, T.visit_remarks, remarks), save);
}
