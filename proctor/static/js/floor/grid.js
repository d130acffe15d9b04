// The seat grid, the exam clock, the sync light, the room log and the timeline.
import { el, fmt } from "../lib/dom.js";
import {
  T, boot, clockTime, currentSubject, duration, ruleTitle, shortTime, subjectName,
} from "./common.js";
import { outBadge, seatClasses } from "./movements.js";
import { photoUrl } from "./identity.js";
import { attendanceOf } from "./view.js";

export function renderGrid(view, onSeat) {
  const grid = document.getElementById("grid");
  const subject = currentSubject()?.code;
  const cells = [];
  for (let seatNo = 1; seatNo <= boot.room.rows * boot.room.cols; seatNo += 1) {
    cells.push(seatCell(seatNo, view.bySeat.get(seatNo), subject, onSeat));
  }
  grid.replaceChildren(...cells);
}

function seatCell(seatNo, seat, subject, onSeat) {
  if (!seat) {
    return el("button.seat.empty", { type: "button", dataset: { seat: seatNo },
                                     onclick: () => onSeat(seatNo, null) },
              el("span.seat-no", {}, seatNo), el("span.seat-name.muted", {}, T.empty_seat));
  }
  const mark = attendanceOf(seat, subject);
  const openWarnings = seat.warnings.filter((w) => w.outcome === "pending").length;
  const incidents = seat.incidents.filter((i) => i.status !== "dismissed").length;
  const pending = seat.pending || mark?.pending || seat.warnings.some((w) => w.pending)
    || seat.incidents.some((i) => i.pending) || seat.movements?.some((m) => m.pending);
  const classes = ["seat", `att-${mark?.status ?? "none"}`, ...seatClasses(seat)];
  if (incidents) classes.push("has-incident");
  else if (openWarnings) classes.push("has-warning");
  return el(`button.${classes.join(".")}`, {
    type: "button", dataset: { seat: seatNo, ticket: seat.ticket_no },
    "aria-label": `${fmt(T.seat, { n: seatNo })} ${seat.name} ${seat.ticket_no}`,
    onclick: () => onSeat(seatNo, seat),
  },
  el("span.seat-no", {}, seatNo),
  seat.photo ? el("img.seat-photo", { src: photoUrl(seat.ticket_no, "thumb"), alt: "",
                                      loading: "lazy" }) : null,
  el("span.seat-name", {}, seat.name),
  el("span.seat-ticket", {}, seat.ticket_no),
  el("span.badges", {},
     mark ? el(`span.badge.att`, {}, T[mark.status], mark.id_checked ? " ✓" : "") : null,
     openWarnings ? el("span.badge.warn", { title: T.pending_reminder }, `!${openWarnings}`) : null,
     incidents ? el("span.badge.incident", {}, `⚑${incidents}`) : null,
     outBadge(seat),
     pending ? el("span.badge.pending", { title: T.pending }, "⟳") : null));
}

export function renderClock() {
  const now = Date.now();
  const clock = document.getElementById("clock");
  const running = boot.subjects.find((s) => Date.parse(s.starts_at) <= now
                                        && now < Date.parse(s.ends_at));
  const next = boot.subjects.find((s) => Date.parse(s.starts_at) > now);
  const parts = [el("span.now", {}, clockTime(new Date(now).toISOString()))];
  if (running) {
    parts.push(el("span.subject-now", {}, fmt(T.subject_now, {
      subject: running.name, elapsed: duration(now - Date.parse(running.starts_at)),
      left: duration(Date.parse(running.ends_at) - now) })));
  }
  if (next) {
    parts.push(el("span.subject-next", {}, fmt(T.subject_next, {
      subject: next.name, time: shortTime(next.starts_at) })));
  }
  if (!running && !next) parts.push(el("span.subject-next", {}, T.subjects_over));
  clock.replaceChildren(...parts);
}

export function renderSync(store) {
  const box = document.getElementById("sync");
  const waiting = store.pending.length;
  const online = store.online && navigator.onLine;
  box.className = `sync ${online ? "online" : "offline"}${waiting ? " waiting" : ""}`;
  const text = [online ? T.online : T.offline];
  text.push(waiting ? fmt(T.waiting, { n: waiting }) : T.synced);
  document.getElementById("sync-text").textContent = text.join(" · ");
  box.dataset.waiting = String(waiting);
}

export function renderLog(view) {
  const list = document.getElementById("log-list");
  const items = view.log.map((entry) => el(`li${entry.pending ? ".pending" : ""}`, {},
    el("time", {}, shortTime(entry.observed_at)), " ",
    el("strong", {}, T[`log_${entry.kind}`] ?? entry.kind),
    entry.subject ? ` · ${subjectName(entry.subject)}` : "",
    entry.note ? el("span.note", {}, entry.note) : null,
    entry.pending ? el("span.badge.pending", {}, T.pending) : null));
  list.replaceChildren(...(items.length ? items : [el("li.muted", {}, T.nothing_yet)]));
}

export function describeEvent(event) {
  const data = event.data ?? {};
  const bits = [];
  if (data.ticket_no) bits.push(data.ticket_no);
  if (data.tickets) bits.push(data.tickets.join(", "));
  if (data.rule_code) bits.push(`${data.rule_code} ${ruleTitle(data.rule_code)}`);
  if (data.status) bits.push(T[data.status] ?? T[`status_${data.status}`] ?? data.status);
  if (data.outcome) bits.push(T[`outcome_${data.outcome}`] ?? data.outcome);
  if (data.kind) bits.push(T[`log_${data.kind}`] ?? data.kind);
  if (data.movement) bits.push(T[`mv_${data.movement}`] ?? "");
  if (data.reason) bits.push(T[`reason_${data.reason}`] ?? "");
  if (data.escort) bits.push(fmt(T.escorted_by, { who: data.escort }));
  if (data.seat_no) bits.push(fmt(T.seat, { n: data.seat_no }));
  if (data.subject) bits.push(subjectName(data.subject));
  if (data.note) bits.push(data.note);
  return bits.join(" · ");
}

export function eventItem(event) {
  return el("li", { dataset: { seq: event.seq, type: event.type } },
            el("time", {}, clockTime(event.at)), " ",
            el("strong", {}, T[`ev_${event.type}`] ?? event.type), " ",
            el("span", {}, describeEvent(event)), " ",
            event.data?.by ? el("span.muted", {}, fmt(T.by, { who: event.data.by })) : null);
}

export function renderTimeline(events) {
  const list = document.getElementById("timeline");
  list.replaceChildren(...(events.length ? events.map(eventItem)
                                         : [el("li.muted", {}, T.nothing_yet)]));
}
