// A candidate leaving the room and coming back (离座/返回): the card's buttons, the seat's
// "out since" badge, the lines of the candidate's record, and the alert when an absence runs
// past the sitting's limit. The screen times it itself (so a tablet without the network still
// alerts); each absence alerts once on this tablet, a reload included.
import { apiUrl } from "../lib/api.js";
import { el, fmt } from "../lib/dom.js";
import {
  T, boot, currentSubject, isoWithOffset, newClientId, shortTime, sid, toast,
} from "./common.js";

const REASONS = ["toilet", "illness", "other"];
const ALERTED = "proctor-absences-alerted";

// The minutes after which an absence alerts: the server's setting, from the room's state.
let limitMinutes = boot.absence_alert_minutes ?? 10;
export function setLimit(minutes) {
  if (Number.isFinite(minutes)) limitMinutes = minutes;
}

// The candidate's open leaving (their last movement is a leaving), or null.
export function outOf(seat) {
  const last = seat?.movements?.at(-1);
  return last && last.kind === "left" ? last : null;
}

const overdue = (leaving, now = Date.now()) =>
  now - Date.parse(leaving.observed_at) > limitMinutes * 60000;

// "离座 10:12 · 王老师" on the seat (the escort, else the reason).
export function outBadge(seat) {
  const leaving = outOf(seat);
  if (!leaving) return null;
  const who = leaving.escort || T[`reason_${leaving.reason}`] || "";
  return el(`span.badge.out${overdue(leaving) ? ".overdue" : ""}`,
            { dataset: { out: leaving.client_id } },
            fmt(T.out_since, { time: shortTime(leaving.observed_at) }), who ? ` · ${who}` : "");
}

export function seatClasses(seat) {
  const leaving = outOf(seat);
  if (!leaving) return [];
  return overdue(leaving) ? ["is-out", "out-overdue"] : ["is-out"];
}

// The card's section: why and with whom the candidate leaves, or their return.
export function movementSection(seat, submit) {
  const leaving = outOf(seat);
  const record = (kind, body) => {
    const clientId = newClientId();
    return submit({
      kind: "movement", client_id: clientId, ticket_no: seat.ticket_no, method: "POST",
      url: apiUrl(`/sittings/${sid}/movements`),
      label: `${seat.ticket_no} ${T[`mv_${kind}`]}`,
      body: { client_id: clientId, ticket_no: seat.ticket_no, kind,
              observed_at: isoWithOffset(), ...body },
    });
  };
  if (leaving) {
    return el("section.movement", { dataset: { state: "out" } },
      el("h3", {}, T.movement),
      el("p.out-line", {}, fmt(T.out_since, { time: shortTime(leaving.observed_at) }), " · ",
         T[`reason_${leaving.reason}`] ?? "",
         leaving.escort ? ` · ${fmt(T.escorted_by, { who: leaving.escort })}` : "",
         leaving.pending ? el("span.badge.pending", {}, T.pending) : null),
      el("button.button.big.primary.returned-button", {
        type: "button", onclick: () => record("returned", { reason: leaving.reason }) },
         T.mv_returned));
  }
  const escort = escortPicker();
  return el("section.movement", { dataset: { state: "in" } },
    el("h3", {}, T.movement),
    escort.node,
    el("div.button-row", {}, REASONS.map((reason) =>
      el(`button.button.big.leave-button`, {
        type: "button", dataset: { reason },
        onclick: () => record("left", {
          reason, subject: currentSubject()?.code ?? null, ...escort.value() }) },
      fmt(T.leaves_for, { reason: T[`reason_${reason}`] })))));
}

// Who goes with the candidate: a staff member of the room (by username), or a name written in.
function escortPicker() {
  const other = el("input", { type: "text", maxLength: 128, autocomplete: "off",
                              placeholder: T.escort_name, hidden: true,
                              "aria-label": T.escort_name });
  const select = el("select", { "aria-label": T.escort, onchange: () => {
    other.hidden = select.value !== "__other";
    if (!other.hidden) other.focus();
  } },
    el("option", { value: "" }, T.no_escort),
    (boot.escorts ?? []).map((staff) => el("option", { value: staff.username }, staff.name)),
    el("option", { value: "__other" }, T.escort_other));
  return {
    node: el("label.escort", {}, T.escort, select, other),
    value() {
      if (select.value === "__other") {
        const name = other.value.trim();
        return name ? { escort: name } : {};
      }
      return select.value ? { escort_username: select.value } : {};
    },
  };
}

// Lines for the candidate's record on the card.
export function recordLines(seat) {
  return (seat.movements ?? []).map((m) => ({
    at: m.observed_at, pending: m.pending,
    text: m.kind === "left"
      ? `${T.mv_left}：${T[`reason_${m.reason}`] ?? ""}${m.escort ? ` · ${fmt(T.escorted_by, { who: m.escort })}` : ""}`
      : `${T.mv_returned}${m.duration_seconds != null ? ` · ${fmt(T.away_minutes, { n: Math.round(m.duration_seconds / 60) })}` : ""}`,
  }));
}

// -- the alert -------------------------------------------------------------------------------
function alerted() {
  try {
    return new Set(JSON.parse(localStorage.getItem(ALERTED) ?? "[]"));
  } catch {
    return new Set();
  }
}

function remember(keys) {
  try {
    localStorage.setItem(ALERTED, JSON.stringify([...keys].slice(-500)));
  } catch {
    // private mode: the alert may come again after a reload, never twice on one screen
  }
}

const shownOnce = new Set();
function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 660;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.5);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.5);
  } catch {
    // no sound on this device: the banner and the seat say it
  }
}

// The banner lists every absence past the limit while it lasts; each new one also gets a
// toast and a tone, once.
export function checkAbsences(view) {
  const banner = document.getElementById("absence-alert");
  if (!banner) return;
  const now = Date.now();
  const late = view.seats.map((seat) => [seat, outOf(seat)])
    .filter(([, leaving]) => leaving && overdue(leaving, now));
  banner.hidden = late.length === 0;
  banner.replaceChildren(...late.map(([seat, leaving]) => el("span.absence", {
    dataset: { ticket: seat.ticket_no } }, fmt(T.absence_alert, {
    seat: seat.seat_no, name: seat.name, time: shortTime(leaving.observed_at),
    n: Math.floor((now - Date.parse(leaving.observed_at)) / 60000), limit: limitMinutes }))));
  const seen = alerted();
  const fresh = late.filter(([, leaving]) => !seen.has(leaving.client_id)
                                             && !shownOnce.has(leaving.client_id));
  if (!fresh.length) return;
  for (const [, leaving] of fresh) {
    seen.add(leaving.client_id);
    shownOnce.add(leaving.client_id);
  }
  remember(seen);
  document.documentElement.dataset.absenceAlerts = String(shownOnce.size);
  const [seat] = fresh[0];
  toast(fmt(T.absence_toast, { seat: seat.seat_no, name: seat.name, limit: limitMinutes }),
        "error");
  beep();
}
